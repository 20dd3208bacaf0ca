import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDaemon } from './processes.js';
import { TurnClient } from './turn-client.js';

/**
 * coturn (Debian's /usr/bin/turnserver) for a test, on loopback only. Integration tests run it with the
 * production template (`carecall turn-config`); browser tests with `loopbackTestArgs`, as TESTING.md
 * describes. Its output is kept for failure reports; `stop` ends it and removes its files.
 */

/** Debian's coturn (apt-get install coturn). */
export const TURNSERVER = '/usr/bin/turnserver';
const READY_TIMEOUT_MS = 15_000;

/**
 * Why a coturn test may be skipped here, or null when it must run: without coturn it is skipped, except
 * where the suite is required (CI, or CARECALL_REQUIRE naming coturn or browser), where it then fails.
 */
export function coturnSkipReason(): string | null {
  if (existsSync(TURNSERVER)) return null;
  const required =
    process.env['CI'] === 'true' ||
    (process.env['CARECALL_REQUIRE'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .some((s) => s === 'coturn' || s === 'browser');
  return required ? null : `${TURNSERVER} is missing (apt-get install coturn)`;
}
const LOG_LINES_KEPT = 2_000;

export interface Coturn {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly pid: number;
  /** What coturn printed last (its log goes to stdout), up to the last 2000 lines. */
  logs(): string;
  /** How many lines coturn has printed so far: a mark for `linesSince`. */
  mark(): number;
  /** The lines printed after `mark` (those still kept). */
  linesSince(mark: number): string[];
  stop(): Promise<void>;
}

/** Free UDP/TCP port on 127.0.0.1 and a random secret: what every test coturn needs. */
export async function coturnBasics(): Promise<{ port: number; secret: string }> {
  return { port: await freePort(), secret: randomBytes(24).toString('hex') };
}

/**
 * TESTING.md's test coturn. `--allow-loopback-peers` is what makes a relay between two browsers on
 * 127.0.0.1 possible; it is exactly what the production template forbids (deploy/turnserver.conf), so
 * these tests prove the relay and the credentials, and test/integration/turn-server-config.test.ts the
 * hardening.
 */
export function loopbackTestArgs({ port, secret }: { port: number; secret: string }): string[] {
  return [
    '-n',
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    '--realm=carecall.test',
    '--allow-loopback-peers',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
  ];
}

/**
 * Starts `turnserver` with `args` (which must make it listen on 127.0.0.1:`port`) and resolves once it
 * answers a STUN Binding request there. Its pid file and user database go to a directory of its own, so
 * tests never touch /var/lib/turn or one another.
 */
export async function startCoturn({
  port,
  args,
}: {
  port: number;
  args: readonly string[];
}): Promise<Coturn> {
  if (!existsSync(TURNSERVER)) throw new Error(`${TURNSERVER} is missing (apt-get install coturn)`);
  const dir = await mkdtemp(join(tmpdir(), 'carecall-coturn-'));
  const daemon = startDaemon(
    TURNSERVER,
    [
      ...args,
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
    ],
    { keepLines: LOG_LINES_KEPT, cleanup: () => rm(dir, { recursive: true, force: true }) },
  );
  const { alive, stop } = daemon;
  const coturn: Coturn = {
    host: '127.0.0.1',
    port,
    pid: daemon.pid,
    logs: daemon.logs,
    mark: daemon.mark,
    linesSince: daemon.linesSince,
    stop,
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!alive()) {
      await stop();
      throw new Error(`turnserver exited (${daemon.exitStatus()}):\n${coturn.logs()}`);
    }
    const client = await TurnClient.open({ host: '127.0.0.1', port });
    try {
      await client.binding();
      return coturn;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      client.close();
    }
  }
  await stop();
  throw new Error(
    `turnserver did not answer on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms (${last}):\n${coturn.logs()}`,
  );
}
