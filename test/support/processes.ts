import type { ChildProcess } from 'node:child_process';
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
