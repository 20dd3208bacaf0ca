import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited, freePort, inheritedEnv } from '../../support/processes.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRY = join(ROOT, 'bin', 'carecall.js');
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const LOG_LINES_KEPT = 300;

export interface AppServer {
  /** `http://127.0.0.1:<port>`, also the app's PUBLIC_ORIGIN. */
  readonly url: string;
  readonly demoPassword: string;
  /** Where this server keeps recordings (RECORDINGS_DIR): a test reads the raw files there. */
  readonly recordingsDir: string;
  /** The server's SQLite file: a test writes rows the browsers cannot make (past calls' quality figures). */
  readonly databaseFile: string;
  /** The last lines the server printed, for failure reports. */
  logs(): string;
  stop(): Promise<void>;
}

export interface AppServerOptions {
  /**
   * The server's entry point (default bin/carecall.js, which runs dist/). The benchmarks pass a copy of
   * dist/ so that a rebuild by someone else in the same tree cannot change the app mid-run.
   */
  entry?: string;
}

/**
 * Starts `node bin/carecall.js serve --demo` on a free loopback port with a database of its own, and
 * resolves once `GET /readyz` answers 200. Needs `npm run build` (scripts/e2e.mjs runs it when stale).
 */
export async function startAppServer(
  extraEnv: Readonly<Record<string, string>> = {},
  { entry = ENTRY }: AppServerOptions = {},
): Promise<AppServer> {
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: the app under test cannot start (run npm run build)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'carecall-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const demoPassword = randomBytes(12).toString('base64url');
  const recordingsDir = join(dir, 'recordings');
  const databaseFile = join(dir, 'carecall.db');
  const env = {
    ...inheritedEnv(),
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: `sqlite:${databaseFile}`,
    RECORDINGS_DIR: recordingsDir,
    DEMO_PASSWORD: demoPassword,
    PUBLIC_ORIGIN: url,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };

  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  };
  const child = spawn(process.execPath, [entry, 'serve', '--demo'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A worker that dies mid-run must not leave a server holding the namespace open.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const logs = () => lines.join('\n');
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited(child);
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(url, child, logs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, demoPassword, recordingsDir, databaseFile, logs, stop };
}

async function waitUntilReady(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `carecall exited (${child.exitCode ?? child.signalCode}) before it was ready; its output:\n${logs()}`,
      );
    }
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      last = `GET /readyz answered ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`carecall was not ready within ${READY_TIMEOUT_MS} ms (${last}); its output:\n${logs()}`);
}
