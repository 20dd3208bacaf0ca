import { writeFile } from 'node:fs/promises';
import { type BrowserContext, test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { type AppServer, startAppServer } from './app-server.js';
import { addPeerConnectionProbe } from './peer-connection-probe.js';

export { DEMO_ACCOUNTS, signIn } from './demo-accounts.js';
export { isContainedAddress, isLoopbackAddress, isLoopbackIceUrl } from './loopback-addresses.js';
export { waitForFirstDecodedFrame, waitForFramesGrowing } from './media-waits.js';
export { configuredIceServerUrls, peerConnectionCount } from './peer-connection-probe.js';
export { inboundAudioStats, inboundVideoStats, selectedCandidatePair } from './rtc-stats.js';
export { expect };

/**
 * One app server per test file, each with a fresh database; a worker-scoped pool owns it.
 *
 * Why not Playwright's `webServer`: that starts one server for the whole run, so state from one file
 * (an ended call, chat history) would leak into the next, and every spec would have to share one
 * configuration. Why not a plain worker fixture: a worker runs several files in a row. The pool starts a
 * server the first time a test of a new file (or with a new `appEnv`) asks for `app`, stops the previous
 * one, and stops the last when the worker ends. A worker restarted after a failure starts afresh.
 */
class AppServerPool {
  private current: { key: string; server: AppServer } | null = null;

  async serverFor(file: string, env: Readonly<Record<string, string>>): Promise<AppServer> {
    const key = `${file}\n${JSON.stringify(env)}`;
    if (this.current?.key === key) return this.current.server;
    await this.close();
    const server = await startAppServer(env);
    this.current = { key, server };
    return server;
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = null;
    await current?.server.stop();
  }
}

interface BrowserProblems {
  record(page: Page, label: string): void;
}

export interface E2eFixtures {
  /** Extra environment for the app of this file (for example a TURN configuration). */
  appEnv: Readonly<Record<string, string>>;
  app: AppServer;
  /**
   * A page in a new browser context (its own cookies, so its own signed-in user), with the peer-connection
   * probe installed and the config's `use` options (baseURL, permissions) applied.
   */
  newUserPage: (label: string) => Promise<Page>;
  browserProblems: BrowserProblems;
}

interface E2eWorkerFixtures {
  appServers: AppServerPool;
}

const FRAME_CHARS_KEPT = 400;

function failed(testInfo: TestInfo): boolean {
  return testInfo.status !== testInfo.expectedStatus;
}

/** As a file in the test's output directory: the list reporter truncates inline bodies, CI keeps the file. */
async function attachText(testInfo: TestInfo, name: string, text: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.txt`);
  await writeFile(path, `${text}\n`);
  await testInfo.attach(name, { path, contentType: 'text/plain' });
}

export const test = base.extend<E2eFixtures, E2eWorkerFixtures>({
  appServers: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies.
    async ({}, use) => {
      const pool = new AppServerPool();
      await use(pool);
      await pool.close();
    },
    { scope: 'worker' },
  ],
  appEnv: [{}, { option: true }],
  app: async ({ appServers, appEnv }, use, testInfo) => {
    const app = await appServers.serverFor(testInfo.file, appEnv);
    await use(app);
    if (failed(testInfo)) {
      await attachText(testInfo, 'carecall-server-output', app.logs());
    }
  },
  baseURL: async ({ app }, use) => {
    await use(app.url);
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies.
  browserProblems: async ({}, use, testInfo) => {
    const problems: string[] = [];
    const frames: string[] = [];
    const started = Date.now();
    const at = () => `+${((Date.now() - started) / 1000).toFixed(3)}s`;
    await use({
      record(page, label) {
        page.on('pageerror', (error) => problems.push(`${at()} [${label}] uncaught: ${error.message}`));
        page.on('console', (message) => {
          if (message.type() === 'error')
            problems.push(`${at()} [${label}] console.error: ${message.text()}`);
        });
        page.on('response', (response) => {
          if (response.status() >= 400) {
            problems.push(
              `${at()} [${label}] ${response.status()} ${response.request().method()} ${response.url()}`,
            );
          }
        });
        page.on('requestfailed', (request) => {
          problems.push(
            `${at()} [${label}] failed ${request.method()} ${request.url()}: ${request.failure()?.errorText}`,
          );
        });
        // Playwright's trace does not keep WebSocket frames; signaling is what a failed call test needs most.
        page.on('websocket', (socket) => {
          frames.push(`${at()} [${label}] open ${socket.url()}`);
          const text = (payload: string | Buffer) => String(payload).slice(0, FRAME_CHARS_KEPT);
          socket.on('framesent', ({ payload }) => frames.push(`${at()} [${label}] -> ${text(payload)}`));
          socket.on('framereceived', ({ payload }) => frames.push(`${at()} [${label}] <- ${text(payload)}`));
          socket.on('close', () => frames.push(`${at()} [${label}] closed ${socket.url()}`));
        });
      },
    });
    if (failed(testInfo)) {
      if (problems.length > 0) await attachText(testInfo, 'browser-errors', problems.join('\n'));
      if (frames.length > 0) await attachText(testInfo, 'websocket-frames', frames.join('\n'));
    }
  },
  context: async ({ context }, use) => {
    await addPeerConnectionProbe(context);
    await use(context);
  },
  page: async ({ page, browserProblems }, use) => {
    browserProblems.record(page, 'page');
    await use(page);
  },
  newUserPage: async ({ browser, baseURL, permissions, browserProblems }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (label) => {
      // Playwright applies the config's `use` options to contexts a test creates; the two this harness
      // cannot do without are passed explicitly all the same.
      const context = await browser.newContext({
        ...(baseURL ? { baseURL } : {}),
        ...(permissions ? { permissions } : {}),
      });
      contexts.push(context);
      await addPeerConnectionProbe(context);
      const page = await context.newPage();
      browserProblems.record(page, label);
      return page;
    });
    await Promise.all(contexts.map((context) => closeBounded(context)));
  },
});

/**
 * How long a test's own browser context may take to close before the harness stops waiting for it.
 * Playwright's context close flushes the context's trace; with live video on a loaded machine it has
 * hung for over 90 s after a passing test (CI, device-test.spec.ts), failing the test in teardown. The
 * browser is closed at the end of the worker in any case, which reaps a context still closing.
 */
const CONTEXT_CLOSE_BOUND_MS = 30_000;

async function closeBounded(context: BrowserContext): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = context.close().then(
    () => true,
    () => true,
  );
  const bounded = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CONTEXT_CLOSE_BOUND_MS);
  });
  const done = await Promise.race([closed, bounded]);
  clearTimeout(timer);
  if (!done) {
    console.warn(
      `e2e: a browser context did not close within ${CONTEXT_CLOSE_BOUND_MS / 1000} s; ` +
        'left to the browser’s close at the end of the worker',
    );
  }
}
