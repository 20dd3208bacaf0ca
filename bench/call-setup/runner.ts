import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { networkInterfaces } from '../../scripts/lib/loopback-namespace.mjs';
import { type AppServer, startAppServer } from '../../test/e2e/support/app-server.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/e2e/support/chromium.js';
import { DEMO_ACCOUNTS, firstAppointmentId, signIn } from '../../test/e2e/support/demo-accounts.js';
import { addCallProbe, type Mark } from '../lib/call-probe.js';
import { ms } from '../lib/table.js';
import { QUALITY_AT, type RunFigures, runFigures, SIDES, type Side } from './milestones.js';
import { type Options, ROOT } from './options.js';

/** One repetition: a doctor starts the call, the patient joins it, both pages report their marks. */

export function log(message: string): void {
  console.error(`bench: ${message}`);
}

export interface RunResult extends RunFigures {
  run: number;
  warmup: boolean;
  ok: boolean;
  error: string | null;
  chromium: string;
  /** 1-minute load average when the run started: the machine is shared. */
  loadAverage: number;
  marks: Record<Side, Mark[]>;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function newParty(
  browser: Browser,
  app: AppServer,
  marks: Mark[],
  options: Options,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: app.url, permissions: ['camera', 'microphone'] });
  await addCallProbe(context, (mark) => marks.push(mark), {
    experiment: options.tune,
    watchMs: options.watchMs,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) =>
    marks.push({ name: 'pageerror', t: Date.now(), path: '', detail: { message: error.message } }),
  );
  return { context, page };
}

async function oneRun(
  browser: Browser,
  app: AppServer,
  appointmentId: string,
  run: number,
  warmup: boolean,
  options: Options,
): Promise<RunResult> {
  const marks: Record<Side, Mark[]> = { patient: [], doctor: [] };
  const doctor = await newParty(browser, app, marks.doctor, options);
  const patient = await newParty(browser, app, marks.patient, options);
  const result: RunResult = {
    run,
    warmup,
    ok: false,
    error: null,
    chromium: browser.version(),
    at: { patient: {}, doctor: {} },
    received: { patient: [], doctor: [] },
    sent: { patient: [], doctor: [] },
    quality: { patient: {}, doctor: {} },
    callPage: null,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    marks,
  };
  try {
    await Promise.all([
      signIn(doctor.page, DEMO_ACCOUNTS.doctor, app.demoPassword),
      signIn(patient.page, DEMO_ACCOUNTS.patient, app.demoPassword),
    ]);
    await Promise.all([
      doctor.page.goto(`/appointments/${appointmentId}`),
      patient.page.goto(`/appointments/${appointmentId}`),
    ]);
    const start = doctor.page.getByRole('button', { name: 'Start video call', exact: true });
    const join = patient.page.getByRole('button', { name: 'Join video call', exact: true });
    await start.click();
    await doctor.page.waitForURL(/\/call\/?$/);
    // The pre-join screen comes before every call, the doctor's too.
    await doctor.page.getByRole('button', { name: 'Join now', exact: true }).click();
    await waitFor(
      "the doctor's joined",
      () => marks.doctor.some((m) => m.name === 'ws:recv:joined' && /\/call\/?$/.test(m.path)),
      15_000,
    );
    await join.waitFor({ state: 'visible' });
    await patient.page.waitForFunction(
      () =>
        [...document.querySelectorAll('button')].some(
          (b) => b.textContent?.trim() === 'Join video call' && !b.disabled,
        ),
      undefined,
      { timeout: 15_000 },
    );
    await join.click();
    await patient.page.waitForURL(/\/call\/?$/);
    const joinNow = patient.page.getByRole('button', { name: 'Join now', exact: true });
    await joinNow.waitFor({ state: 'visible', timeout: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, options.settleMs));

    // Measured from the pre-join screen's Join now: the screen (and its camera preview) is in the path.
    await joinNow.click();
    const click = () => marks.patient.findLast((m) => m.name === 'click:Join now');
    await waitFor('the Join now click mark', () => click() !== undefined, 5_000);
    const clickAt = click()?.t ?? 0;
    const after = (side: Side, name: string) => marks[side].some((m) => m.t >= clickAt && m.name === name);
    await waitFor(
      'the first remote frame on both sides',
      () => SIDES.every((side) => after(side, 'video:first-frame') && after(side, 'stats:first-decoded')),
      20_000,
    );
    await waitFor(
      '1280x720 on both sides',
      () => SIDES.every((side) => after(side, 'video:hd') && after(side, 'stats:in-hd')),
      Math.max(0, clickAt + options.watchMs - Date.now()),
    ).catch(() => undefined);
    // Stay in the call until the last quality sample (unless --watch is shorter).
    const holdUntil = clickAt + Math.min(options.watchMs, Math.max(...QUALITY_AT) + 1_200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, holdUntil - Date.now())));
    Object.assign(result, runFigures(marks, clickAt));
    result.ok = true;

    // End the call so that the next run's doctor can start it again (a restart opens a new session).
    await doctor.page.getByRole('button', { name: 'End call for everyone', exact: true }).click();
    await doctor.page.getByRole('button', { name: 'Yes, end the call', exact: true }).click();
    await doctor.page.waitForURL(new RegExp(`/appointments/${appointmentId}/?$`));
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`run ${run} failed: ${result.error}`);
    // A call left running would turn the next run's Start into Join: end it through the API.
    await doctor.page.request
      .post(`/api/appointments/${appointmentId}/call/end`, {
        data: { reason: 'hung_up' },
        headers: { 'x-csrf-token': await csrfToken(doctor.page), origin: app.url },
      })
      .catch(() => undefined);
  } finally {
    await Promise.all([doctor.context.close(), patient.context.close()]);
  }
  return result;
}

async function csrfToken(page: Page): Promise<string> {
  const response = await page.request.get('/api/session');
  const body = (await response.json().catch(() => ({}))) as { csrfToken?: string };
  return body.csrfToken ?? '';
}

/** A private copy of dist/: a rebuild by someone else in this working tree must not change the app mid-run. */
function snapshotDist(appRoot: string): { entry: string; remove: () => void } {
  const dir = join(ROOT, 'node_modules', '.cache', 'carecall-bench', String(process.pid));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(appRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  return {
    entry: join(dir, 'dist', 'node', 'server', 'main.js'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The doctor's first appointment: the one every run calls in. */
async function appointmentToCall(browser: Browser, app: AppServer): Promise<string> {
  const context = await browser.newContext({ baseURL: app.url });
  try {
    const page = await context.newPage();
    await signIn(page, DEMO_ACCOUNTS.doctor, app.demoPassword);
    return await firstAppointmentId(page);
  } finally {
    await context.close();
  }
}

/** The warm-up and measured runs against a private copy of the app, in one Chromium. */
export async function runCalls(options: Options): Promise<RunResult[]> {
  const snapshot = snapshotDist(options.appRoot);
  log(`loopback-only namespace (interfaces: ${networkInterfaces().join(', ')}); app from a copy of dist/`);
  const app = await startAppServer({}, { entry: snapshot.entry });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
  });
  const runs: RunResult[] = [];
  try {
    const appointmentId = await appointmentToCall(browser, app);
    const total = options.warmup + options.runs;
    for (let i = 0; i < total; i++) {
      const warmup = i < options.warmup;
      const run = warmup ? -(options.warmup - i) + 1 : i - options.warmup + 1;
      const result = await oneRun(browser, app, appointmentId, run, warmup, options);
      runs.push(result);
      const p = result.at.patient;
      const d = result.at.doctor;
      log(
        `run ${run}${warmup ? ' (warm-up)' : ''}: first frame patient ${ms(p['first-shown'])}, doctor ${ms(d['first-shown'])}; ` +
          `1280x720 patient ${ms(p['hd-shown'])}, doctor ${ms(d['hd-shown'])}`,
      );
    }
  } finally {
    await browser.close().catch(() => undefined);
    await app.stop();
    snapshot.remove();
  }
  return runs;
}
