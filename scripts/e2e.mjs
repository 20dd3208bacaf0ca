#!/usr/bin/env node
// The browser-test runner: `node scripts/e2e.mjs [playwright test args…]`.
//
// Browser tests run only inside a network namespace whose sole interface is `lo` (TESTING.md): WebRTC
// gathers candidates on every interface, so running Chromium on the open interface would put test traffic
// on the real network. Outside such a namespace this script re-executes itself under `unshare -n`
// (root) or `unshare -rn` (unprivileged user namespace), brings `lo` up, builds the app when `dist/` is
// missing or older than its sources, then runs `playwright test` and exits with its code.
//
// Exit codes: Playwright's own (0 passed, 1 failed); 3 = suite SKIPPED (reason printed on a line that
// starts with "e2e: SKIPPED"). Where the suite is required (CI=true, or CARECALL_REQUIRE lists
// "browser") a reason to skip is a failure (exit 1) instead.
//
// CARECALL_E2E_BUILD=auto (default: build when dist/ is missing or older than src/) | always | never
// (leave dist/ alone; a spec that needs the app then fails with a clear message).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXIT_SKIPPED = 3;
const CHROMIUM = '/usr/bin/chromium';
const INSIDE_MARKER = 'CARECALL_E2E_NETNS';
const root = fileURLToPath(new URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

const required =
  process.env.CI === 'true' ||
  (process.env.CARECALL_REQUIRE ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes('browser');

function log(message) {
  console.error(`e2e: ${message}`);
}

function cannotRun(reason) {
  if (required) {
    log(`FAILED: ${reason}`);
    log(
      'the browser suite is required here (CI=true or CARECALL_REQUIRE includes "browser") and never runs on the open network interface.',
    );
    process.exit(1);
  }
  log(`SKIPPED: ${reason}`);
  process.exit(EXIT_SKIPPED);
}

/** Interfaces of this process's own network namespace (/proc/self/net/dev follows the namespace). */
function networkInterfaces() {
  return readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0].trim())
    .filter((name) => name.length > 0);
}

function loopbackOnly() {
  const names = networkInterfaces();
  return names.length > 0 && names.every((name) => name === 'lo');
}

function run(command, commandArgs, options = {}) {
  return spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8', ...options });
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const BUILD_INPUTS = ['src', 'vite.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function ensureBuilt() {
  const mode = process.env.CARECALL_E2E_BUILD ?? 'auto';
  if (!['auto', 'always', 'never'].includes(mode)) {
    log(`CARECALL_E2E_BUILD must be auto, always or never (got "${mode}")`);
    process.exit(1);
  }
  if (mode === 'never') return;
  const built = newestMtime(join(root, 'dist'));
  const sources = Math.max(...BUILD_INPUTS.map((p) => newestMtime(join(root, p))));
  if (mode === 'auto' && built > 0 && built >= sources) return;
  log(
    built === 0
      ? 'dist/ is missing: running npm run build'
      : `running npm run build (CARECALL_E2E_BUILD=${mode}, dist/ ${built >= sources ? 'up to date' : 'older than its sources'})`,
  );
  const started = Date.now();
  const build = run('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) {
    log(`npm run build failed (exit ${build.status ?? build.signal}); the browser suite needs a built app`);
    process.exit(1);
  }
  log(`build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// The kernel gives lo its 127.0.0.1 only once the link is up, so the address doubles as the "is up" check.
function loopbackHasAddress() {
  const addresses = run('ip', ['-o', 'addr', 'show', 'dev', 'lo']);
  return /inet 127\.0\.0\.1\//.test(addresses.stdout ?? '');
}

function bringLoopbackUp() {
  if (loopbackHasAddress()) return;
  const up = run('ip', ['link', 'set', 'lo', 'up']);
  if (up.error || up.status !== 0) {
    cannotRun(
      `cannot bring lo up in the test namespace (${up.error?.message ?? up.stderr.trim()}); install iproute2`,
    );
  }
  if (!loopbackHasAddress()) cannotRun('lo came up without 127.0.0.1 in the test namespace');
}

// A terminal's Ctrl-C already reaches the whole process group; stay alive to report the child's exit code.
// A SIGTERM aimed at this process alone (a CI timeout) is passed on so the child can stop its servers.
function forwardSignals(child) {
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
}

function exitLike(child) {
  child.on('exit', (code, signal) =>
    process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1)),
  );
  child.on('error', (error) => {
    log(`could not start ${child.spawnfile}: ${error.message}`);
    process.exit(1);
  });
}

function runInsideNamespace() {
  bringLoopbackUp();
  ensureBuilt();
  const cli = join(root, 'node_modules', '@playwright', 'test', 'cli.js');
  if (!existsSync(cli)) {
    log('@playwright/test is not installed: run npm ci');
    process.exit(1);
  }
  log(
    `running playwright test in a loopback-only network namespace (interfaces: ${networkInterfaces().join(', ')})`,
  );
  const child = spawn(process.execPath, [cli, 'test', ...args], { cwd: root, stdio: 'inherit' });
  forwardSignals(child);
  exitLike(child);
}

function namespaceCommand() {
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

function reexecInNamespace() {
  const { flags, failures } = namespaceCommand();
  if (!flags) cannotRun(`no loopback-only network namespace can be created here (${failures.join('; ')})`);
  const child = spawn('unshare', [...flags, '--', process.execPath, self, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, [INSIDE_MARKER]: '1' },
  });
  forwardSignals(child);
  exitLike(child);
}

if (!existsSync(CHROMIUM)) {
  cannotRun(`${CHROMIUM} is missing (apt-get install -y chromium)`);
} else if (loopbackOnly()) {
  runInsideNamespace();
} else if (process.env[INSIDE_MARKER] === '1') {
  log(
    `FAILED: expected a loopback-only namespace but see ${networkInterfaces().join(', ')}; refusing to run Chromium`,
  );
  process.exit(1);
} else {
  reexecInNamespace();
}
