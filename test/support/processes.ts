import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * Settings the developer's shell may carry (a real DATABASE_URL, a public STUN server…). None of them
 * may leak into an app process under test: it gets what the test gives it and nothing else.
 */
const APP_ENV_PREFIXES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'REDIS_URL',
  'WEBRTC_',
  'VIDEO_CALL_',
  'SESSION_TTL_HOURS',
  'PUBLIC_ORIGIN',
  'ALLOWED_ORIGINS',
  'TLS_',
  'RECORDINGS_DIR',
  'TRUST_PROXY',
  'LOG_LEVEL',
  'DEMO_PASSWORD',
  'RATE_LIMIT_',
  'SIGNALING_',
  'HTTP_',
  'MAX_CONNECTIONS',
  'MAX_SIGNALING_',
  'METRICS_',
];

/** This process's environment without the app's settings (and without any extra prefixes given). */
export function inheritedEnv(extraPrefixes: readonly string[] = []): Record<string, string> {
  const prefixes = [...APP_ENV_PREFIXES, ...extraPrefixes];
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !prefixes.some((prefix) => entry[0].startsWith(prefix)),
    ),
  );
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A server a test runs as a child process, its output kept for failure reports. */
export interface Daemon {
  readonly pid: number;
  alive(): boolean;
  /** Its exit code or the signal that ended it; null while it runs. */
  exitStatus(): number | string | null;
  /** What it printed last (stdout and stderr), up to the last `keepLines` lines. */
  logs(): string;
  /** How many lines it has printed so far: a mark for `linesSince`. */
  mark(): number;
  /** The lines printed after `mark` (those still kept). */
  linesSince(mark: number): string[];
  /** SIGTERM (SIGKILL after 3 s), then `cleanup`; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `command` with its output kept in memory; it is killed when the test process exits, so a failed
 * test never leaves it running.
 */
export function startDaemon(
  command: string,
  args: readonly string[],
  { keepLines = 2_000, cleanup }: { keepLines?: number; cleanup?: () => Promise<void> } = {},
): Daemon {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let dropped = 0;
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > keepLines) dropped += lines.splice(0, lines.length - keepLines).length;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => keep(Buffer.from(`${command}: ${error.message}\n`)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const alive = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  return {
    pid: child.pid ?? -1,
    alive,
    exitStatus: () => child.exitCode ?? child.signalCode,
    logs: () => lines.join('\n'),
    mark: () => dropped + lines.length,
    linesSince: (mark) => lines.slice(Math.max(0, mark - dropped)),
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (alive()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited(child);
        clearTimeout(timer);
      }
      await cleanup?.();
    },
  };
}
