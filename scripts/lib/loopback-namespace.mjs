// The network rule of TESTING.md, shared by the browser tests (scripts/e2e.mjs) and the benchmarks:
// anything that runs Chromium or WebRTC runs inside a network namespace whose only interface is `lo`.
// WebRTC gathers candidates on every interface, so outside such a namespace test traffic would reach the
// real network. As root `unshare -n` makes one; otherwise `unshare -rn` (unprivileged user namespace).

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/** Interfaces of this process's own network namespace (/proc/self/net/dev follows the namespace). */
export function networkInterfaces() {
  return readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0].trim())
    .filter((name) => name.length > 0);
}

export function loopbackOnly() {
  const names = networkInterfaces();
  return names.length > 0 && names.every((name) => name === 'lo');
}

function run(command, commandArgs) {
  return spawnSync(command, commandArgs, { encoding: 'utf8' });
}

// The kernel gives lo its 127.0.0.1 only once the link is up, so the address doubles as the "is up" check.
function loopbackHasAddress() {
  const addresses = run('ip', ['-o', 'addr', 'show', 'dev', 'lo']);
  return /inet 127\.0\.0\.1\//.test(addresses.stdout ?? '');
}

function bringLoopbackUp(cannotRun) {
  if (loopbackHasAddress()) return;
  const up = run('ip', ['link', 'set', 'lo', 'up']);
  if (up.error || up.status !== 0) {
    cannotRun(
      `cannot bring lo up in the namespace (${up.error?.message ?? up.stderr.trim()}); install iproute2`,
    );
  }
  if (!loopbackHasAddress()) cannotRun('lo came up without 127.0.0.1 in the namespace');
}

function namespaceFlags() {
  const probes = process.getuid?.() === 0 ? [['-n'], ['-rn']] : [['-rn']];
  const failures = [];
  for (const flags of probes) {
    const probe = run('unshare', [...flags, 'true']);
    if (!probe.error && probe.status === 0) return { flags, failures };
    failures.push(
      `unshare ${flags.join(' ')}: ${probe.error?.message ?? (probe.stderr.trim() || `exit ${probe.status}`)}`,
    );
  }
  return { flags: null, failures };
}

// A terminal's Ctrl-C already reaches the whole process group; stay alive to report the child's exit code.
// A SIGTERM aimed at this process alone (a CI timeout) is passed on so the child can stop its servers.
export function forwardSignals(child) {
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
}

/** Ends this process the way `child` ended (its exit code, or 128 + signal number). */
export function exitLike(child, log) {
  child.on('exit', (code, signal) =>
    process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1)),
  );
  child.on('error', (error) => {
    log(`could not start ${child.spawnfile}: ${error.message}`);
    process.exit(1);
  });
}

/**
 * Makes sure the rest of this program runs in a loopback-only namespace with `lo` up.
 *
 * Returns true when this process already is in one (then `lo` has been brought up): carry on. Otherwise it
 * re-executes `argv` (`[process.execPath, ...process.execArgv, script, ...args]`) under `unshare` with
 * `marker=1` in its environment, and this process exits with the child's code: returns false, do nothing
 * more. `cannotRun(reason)` must not return; it is called when no such namespace can be made. A re-executed
 * process (marked) that still sees other interfaces exits 1.
 */
export function enterLoopbackNamespace({ argv, marker, cannotRun, log }) {
  if (loopbackOnly()) {
    bringLoopbackUp(cannotRun);
    return true;
  }
  if (process.env[marker] === '1') {
    log(
      `FAILED: expected a loopback-only namespace but see ${networkInterfaces().join(', ')}; refusing to run Chromium`,
    );
    process.exit(1);
  }
  const { flags, failures } = namespaceFlags();
  if (!flags) cannotRun(`no loopback-only network namespace can be created here (${failures.join('; ')})`);
  const [command, ...commandArgs] = argv;
  const child = spawn('unshare', [...flags, '--', command, ...commandArgs], {
    stdio: 'inherit',
    env: { ...process.env, [marker]: '1' },
  });
  forwardSignals(child);
  exitLike(child, log);
  return false;
}
