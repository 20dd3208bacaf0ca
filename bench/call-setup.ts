// Call setup time: `npm run bench:call-setup [-- --runs 10 --warmup 1 --tune … --build auto]`.
//
// In Debian's Chromium inside a loopback-only network namespace (re-executed under `unshare` like
// scripts/e2e.mjs), a doctor starts the call and waits; the patient clicks "Join video call" on the
// appointment page; the bench measures, on each side, when each phase of the setup happens after that
// click, through an init script that wraps getUserMedia, WebSocket and RTCPeerConnection and watches the
// remote <video> (bench/lib/call-probe.ts). Prints tables (median and p90) and writes
// bench/results/call-setup-<timestamp>.json and call-setup-latest.json.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ensureBuilt } from '../scripts/lib/ensure-built.mjs';
import { enterLoopbackNamespace, networkInterfaces } from '../scripts/lib/loopback-namespace.mjs';
import { type AppServer, startAppServer } from '../test/e2e/app-server.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/e2e/chromium.js';
import { addCallProbe, type Mark, type SenderExperiment } from './lib/call-probe.js';
import { machineInfo, RESULTS_DIR, writeResults } from './lib/results.js';
import { summarize } from './lib/stats.js';
import { formatTable, kb, ms } from './lib/table.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const INSIDE_MARKER = 'CARECALL_BENCH_NETNS';
const EXIT_SKIPPED = 3;

const ACCOUNTS = { doctor: 'doctor@demo.test', patient: 'patient@demo.test' } as const;
type Side = keyof typeof ACCOUNTS;
const SIDES: readonly Side[] = ['patient', 'doctor'];

function log(message: string): void {
  console.error(`bench: ${message}`);
}

function usage(): never {
  console.log(`usage: npm run bench:call-setup -- [options]

  --runs N          measured repetitions (default 10)
  --warmup N        unmeasured repetitions first (default 1): Chromium's first call pays one-off costs
  --settle MS       pause after the doctor is waiting, before the patient clicks Join (default 1000)
  --watch MS        how long after the click to wait for 1280x720 on both sides (default 30000)
  --tune LIST       bench-only sender experiment applied in the page, e.g.
                    degradation=maintain-resolution,max-bitrate=2500000,start-kbps=1500,min-kbps=600,hint=detail
  --build MODE      auto (default: npm run build when dist/ is older than src/) | always | never
  --label TEXT      a note stored with the results (e.g. "before HD tuning")
  --merge A,B,…     no runs: one report over the runs of earlier result files (e.g. interleaved rounds)
  --dist DIR        run the app built in DIR/dist instead of this tree's (e.g. an older commit, for A/B);
                    DIR is not built by the bench`);
  process.exit(0);
}

interface Options {
  runs: number;
  warmup: number;
  settleMs: number;
  watchMs: number;
  tune: SenderExperiment | null;
  tuneText: string | null;
  build: string;
  /** Where the built app (dist/) to run lives. */
  appRoot: string;
  merge: string[];
  label: string | null;
}

function positiveInt(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    log(`--${name} must be an integer ≥ ${min} (got "${text}")`);
    process.exit(1);
  }
  return value;
}

function parseTune(text: string): SenderExperiment {
  const tune: SenderExperiment = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [key, value = ''] = part.split('=');
    switch (key) {
      case 'degradation':
        if (!['maintain-resolution', 'maintain-framerate', 'balanced'].includes(value)) {
          throw new Error(`degradation must be maintain-resolution, maintain-framerate or balanced`);
        }
        tune.degradationPreference = value as RTCDegradationPreference;
        break;
      case 'max-bitrate':
        tune.maxBitrate = Number(value);
        break;
      case 'start-kbps':
        tune.startBitrateKbps = Number(value);
        break;
      case 'min-kbps':
        tune.minBitrateKbps = Number(value);
        break;
      case 'hint':
        tune.contentHint = value;
        break;
      default:
        throw new Error(`unknown --tune key "${key}"`);
    }
  }
  for (const [key, value] of Object.entries(tune)) {
    if (typeof value === 'number' && !(value > 0)) throw new Error(`--tune ${key} must be a positive number`);
  }
  return tune;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      warmup: { type: 'string' },
      settle: { type: 'string' },
      watch: { type: 'string' },
      tune: { type: 'string' },
      build: { type: 'string' },
      label: { type: 'string' },
      dist: { type: 'string' },
      merge: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) usage();
  let tune: SenderExperiment | null = null;
  try {
    tune = values.tune ? parseTune(values.tune) : null;
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  return {
    runs: positiveInt('runs', values.runs, 10),
    warmup: positiveInt('warmup', values.warmup, 1, 0),
    settleMs: positiveInt('settle', values.settle, 1000, 0),
    watchMs: positiveInt('watch', values.watch, 30_000),
    tune,
    tuneText: values.tune ?? null,
    build: values.build ?? process.env['CARECALL_BENCH_BUILD'] ?? 'auto',
    appRoot: values.dist ? resolve(values.dist) : ROOT,
    merge: values.merge ? values.merge.split(',').filter(Boolean) : [],
    label: values.label ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------
// What is measured. Every milestone is the first mark of its kind on that side at or after the click.

interface Milestone {
  key: string;
  label: string;
  side: Side;
  match: (mark: Mark) => boolean;
}

const named =
  (name: string) =>
  (mark: Mark): boolean =>
    mark.name === name;
const onCallPage = (name: string) => (mark: Mark) => mark.name === name && /\/call\/?$/.test(mark.path);

const MILESTONES: readonly Milestone[] = [
  {
    key: 'join-api',
    label: 'POST …/call/join answered',
    side: 'patient',
    match: (m) => /^resource:\/api\/appointments\/[^/]+\/call\/join$/.test(m.name),
  },
  {
    key: 'nav-start',
    label: 'call page: navigation starts',
    side: 'patient',
    match: onCallPage('nav:start'),
  },
  { key: 'html', label: 'call page: HTML received', side: 'patient', match: onCallPage('nav:response-end') },
  {
    key: 'dcl',
    label: 'call page: scripts run (DOMContentLoaded)',
    side: 'patient',
    match: onCallPage('nav:dom-content-loaded'),
  },
  {
    key: 'context',
    label: 'GET /api/call/context answered',
    side: 'patient',
    match: named('resource:/api/call/context'),
  },
  { key: 'gum-start', label: 'getUserMedia called', side: 'patient', match: named('gum:start') },
  { key: 'gum', label: 'getUserMedia resolved', side: 'patient', match: named('gum:end') },
  { key: 'ws-create', label: 'WebSocket created', side: 'patient', match: onCallPage('ws:create') },
  { key: 'ws-open', label: 'WebSocket open', side: 'patient', match: onCallPage('ws:open') },
  { key: 'welcome', label: 'WebSocket welcome', side: 'patient', match: onCallPage('ws:recv:welcome') },
  { key: 'load', label: 'call page: load event', side: 'patient', match: onCallPage('nav:load') },
  { key: 'join-sent', label: 'join sent', side: 'patient', match: named('ws:send:join') },
  { key: 'joined', label: 'joined received', side: 'patient', match: onCallPage('ws:recv:joined') },
  { key: 'peer-joined', label: 'peer-joined received', side: 'doctor', match: named('ws:recv:peer-joined') },
  { key: 'pc', label: 'RTCPeerConnection created', side: 'doctor', match: named('pc:create') },
  { key: 'pc', label: 'RTCPeerConnection created', side: 'patient', match: named('pc:create') },
  { key: 'offer', label: 'offer sent', side: 'doctor', match: named('ws:send:offer') },
  { key: 'offer-in', label: 'offer received', side: 'patient', match: named('remote-description:offer') },
  { key: 'answer', label: 'answer sent', side: 'patient', match: named('ws:send:answer') },
  { key: 'answer-in', label: 'answer received', side: 'doctor', match: named('remote-description:answer') },
  ...SIDES.flatMap((side): Milestone[] => [
    { key: 'ice-first', label: 'first ICE candidate gathered', side, match: named('ice:first-candidate') },
    { key: 'ice-gathered', label: 'ICE gathering complete', side, match: named('ice-gathering:complete') },
    { key: 'ice-checking', label: 'ICE checking', side, match: named('ice:checking') },
    { key: 'ice-connected', label: 'ICE connected', side, match: named('ice:connected') },
    { key: 'dtls', label: 'DTLS connected', side, match: named('dtls:connected') },
    { key: 'pc-connected', label: 'connectionState connected', side, match: named('pc:connected') },
    { key: 'track', label: 'remote video track', side, match: named('track:video') },
    {
      key: 'first-encoded',
      label: 'own first video frame encoded (getStats)',
      side,
      match: named('stats:first-encoded'),
    },
    {
      key: 'first-packet',
      label: 'first remote video packet (getStats)',
      side,
      match: named('stats:first-packet'),
    },
    {
      key: 'first-decoded',
      label: 'first remote frame decoded (getStats)',
      side,
      match: named('stats:first-decoded'),
    },
    {
      key: 'first-shown',
      label: 'first remote frame shown (<video>)',
      side,
      match: named('video:first-frame'),
    },
    { key: 'hd-decoded', label: 'remote 1280x720 decoded (getStats)', side, match: named('stats:in-hd') },
    { key: 'hd-shown', label: 'remote 1280x720 shown (<video>)', side, match: named('video:hd') },
    { key: 'out-hd', label: 'own video sent at 1280x720', side, match: named('stats:out-hd') },
  ]),
];

/**
 * The critical path, in order; each step costs the time since the one before it. Only event-timed marks:
 * the getStats ones (first encoded frame, first packet) are polled and can lag by tens of milliseconds.
 */
const CRITICAL_PATH: readonly { label: string; side: Side; key: string }[] = [
  { label: 'Join click → POST …/call/join answered', side: 'patient', key: 'join-api' },
  { label: '→ call page HTML received', side: 'patient', key: 'html' },
  { label: '→ call page scripts run (DOMContentLoaded)', side: 'patient', key: 'dcl' },
  { label: '→ call context answered', side: 'patient', key: 'context' },
  { label: '→ getUserMedia resolved (WebSocket opens meanwhile)', side: 'patient', key: 'gum' },
  { label: '→ join sent (after media and welcome)', side: 'patient', key: 'join-sent' },
  { label: '→ peer-joined at the doctor', side: 'doctor', key: 'peer-joined' },
  { label: '→ doctor sends the offer', side: 'doctor', key: 'offer' },
  { label: '→ patient sends the answer', side: 'patient', key: 'answer' },
  { label: '→ patient ICE connected', side: 'patient', key: 'ice-connected' },
  { label: '→ patient DTLS connected', side: 'patient', key: 'dtls' },
  { label: '→ patient shows the first remote frame', side: 'patient', key: 'first-shown' },
];

interface QualitySample {
  at: number;
  width: number;
  height: number;
  framesPerSecond: number | null;
  kbps: number | null;
}

/** When the received video's quality is sampled, ms after the Join click. */
const QUALITY_AT = [3_000, 10_000] as const;

interface RunResult {
  run: number;
  warmup: boolean;
  ok: boolean;
  error: string | null;
  chromium: string;
  /** Milliseconds after the patient's Join click, by side and milestone key. */
  at: Record<Side, Record<string, number | null>>;
  /** Received video sizes as they changed, ms after the click. */
  received: Record<Side, { at: number; width: number; height: number }[]>;
  /** Sent video sizes as they changed, with the sender's limitation and bitrate estimate. */
  sent: Record<Side, { at: number; width: number; height: number; detail: Record<string, unknown> }[]>;
  /** The received video a few seconds in (the first once-a-second sample at or after each time). */
  quality: Record<Side, Record<string, QualitySample | null>>;
  /** What the patient's call page fetched over HTTP before its first remote frame. */
  callPage: { requests: number; revalidations: number; bytes: number; decodedBytes: number } | null;
  /** 1-minute load average when the run started: the machine is shared. */
  loadAverage: number;
  marks: Record<Side, Mark[]>;
}

function milestoneTimes(marks: Record<Side, Mark[]>, clickAt: number): RunResult['at'] {
  const at: RunResult['at'] = { patient: {}, doctor: {} };
  for (const milestone of MILESTONES) {
    const found = marks[milestone.side].find((m) => m.t >= clickAt - 1 && milestone.match(m));
    at[milestone.side][milestone.key] = found ? Math.round((found.t - clickAt) * 10) / 10 : null;
  }
  return at;
}

/**
 * Requests the call page sent to the network (its HTML, assets, API calls) up to its first remote frame,
 * and the bytes that came back. An asset answered from the HTTP cache has a transferSize of 0; a
 * revalidated one (304) transfers only headers.
 */
function callPageTraffic(marks: readonly Mark[], clickAt: number): RunResult['callPage'] {
  const onPage = marks.filter((m) => m.t >= clickAt && /\/call\/?$/.test(m.path));
  const firstFrame = onPage.find((m) => m.name === 'video:first-frame')?.t ?? Number.POSITIVE_INFINITY;
  const html = onPage.find((m) => m.name === 'nav:response-end');
  const resources = onPage.filter((m) => m.name.startsWith('resource:') && m.t <= firstFrame);
  const size = (m: Mark | undefined, key: string) => Number(m?.detail?.[key] ?? 0);
  const fetched = [html, ...resources].filter((m) => m !== undefined && size(m, 'transferSize') > 0);
  return {
    requests: fetched.length,
    // Chromium reports a revalidated asset with its headers' size and no body.
    revalidations: resources.filter(
      (m) =>
        size(m, 'responseStatus') === 304 ||
        (size(m, 'transferSize') > 0 &&
          size(m, 'encodedBodySize') === 0 &&
          m.name.startsWith('resource:/assets/')),
    ).length,
    bytes: fetched.reduce((total, m) => total + size(m, 'transferSize'), 0),
    decodedBytes: [html, ...resources].reduce((total, m) => total + size(m, 'decodedBodySize'), 0),
  };
}

// ---------------------------------------------------------------------------------------------------
// One repetition.

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname.replace(/\/$/, '') === '/appointments');
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
      signIn(doctor.page, ACCOUNTS.doctor, app.demoPassword),
      signIn(patient.page, ACCOUNTS.patient, app.demoPassword),
    ]);
    await Promise.all([
      doctor.page.goto(`/appointments/${appointmentId}`),
      patient.page.goto(`/appointments/${appointmentId}`),
    ]);
    const start = doctor.page.getByRole('button', { name: 'Start video call', exact: true });
    const join = patient.page.getByRole('button', { name: 'Join video call', exact: true });
    await start.click();
    await doctor.page.waitForURL(/\/call\/?$/);
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
    await new Promise((resolve) => setTimeout(resolve, options.settleMs));

    await join.click();
    const click = () => marks.patient.findLast((m) => m.name === 'click:Join video call');
    await waitFor('the Join click mark', () => click() !== undefined, 5_000);
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

    result.at = milestoneTimes(marks, clickAt);
    for (const side of SIDES) {
      const since = (m: Mark) => Math.round(m.t - clickAt);
      result.received[side] = marks[side]
        .filter((m) => m.name === 'stats:in-size' && m.t >= clickAt)
        .map((m) => ({
          at: since(m),
          width: Number(m.detail?.['width']),
          height: Number(m.detail?.['height']),
        }));
      result.sent[side] = marks[side]
        .filter((m) => m.name === 'stats:out-size' && m.t >= clickAt)
        .map((m) => ({
          at: since(m),
          width: Number(m.detail?.['width']),
          height: Number(m.detail?.['height']),
          detail: m.detail ?? {},
        }));
    }
    for (const side of SIDES) {
      for (const at of QUALITY_AT) {
        const sample = marks[side].find((m) => m.name === 'stats:in-sample' && m.t - clickAt >= at);
        const value = (key: string) => {
          const v = sample?.detail?.[key];
          return typeof v === 'number' ? v : null;
        };
        result.quality[side][String(at)] = sample
          ? {
              at: Math.round(sample.t - clickAt),
              width: value('width') ?? 0,
              height: value('height') ?? 0,
              framesPerSecond: value('framesPerSecond'),
              kbps: value('kbps'),
            }
          : null;
      }
    }
    result.callPage = callPageTraffic(marks.patient, clickAt);
    result.ok = true;

    // End the call so that the next run's doctor can start it again (a restart opens a new session).
    await doctor.page.getByRole('button', { name: 'End call', exact: true }).click();
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

async function firstAppointmentId(browser: Browser, app: AppServer): Promise<string> {
  const context = await browser.newContext({ baseURL: app.url });
  try {
    const page = await context.newPage();
    await signIn(page, ACCOUNTS.doctor, app.demoPassword);
    const href = await page.locator('a[href^="/appointments/"]').first().getAttribute('href');
    const id = /^\/appointments\/([^/?#]+)\/?$/.exec(href ?? '')?.[1];
    if (!id) throw new Error(`the first appointment link has an unexpected href: ${href}`);
    return id;
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Report.

function summarizeRuns(runs: RunResult[]) {
  const measured = runs.filter((r) => !r.warmup && r.ok);
  const milestones = MILESTONES.map((m) => ({
    side: m.side,
    key: m.key,
    label: m.label,
    ...summarize(measured.map((r) => r.at[m.side][m.key])),
  }));
  let previous: { side: Side; key: string } | null = null;
  const path = CRITICAL_PATH.map((step) => {
    const from = previous;
    previous = step;
    const costs = measured.map((r) => {
      const end = r.at[step.side][step.key];
      const begin = from ? r.at[from.side][from.key] : 0;
      return end === null || end === undefined || begin === null || begin === undefined ? null : end - begin;
    });
    return { label: step.label, side: step.side, key: step.key, ...summarize(costs) };
  });
  const both = (key: string) =>
    measured.map((r) => {
      const values = SIDES.map((s) => r.at[s][key]);
      return values.every((v) => typeof v === 'number') ? Math.max(...(values as number[])) : null;
    });
  const totals = [
    {
      label: 'first remote frame shown, patient',
      ...summarize(measured.map((r) => r.at.patient['first-shown'])),
    },
    {
      label: 'first remote frame shown, doctor',
      ...summarize(measured.map((r) => r.at.doctor['first-shown'])),
    },
    { label: 'first remote frame shown, both sides', ...summarize(both('first-shown')) },
    { label: 'first remote frame decoded, both sides', ...summarize(both('first-decoded')) },
    { label: 'remote 1280x720 shown, patient', ...summarize(measured.map((r) => r.at.patient['hd-shown'])) },
    { label: 'remote 1280x720 shown, doctor', ...summarize(measured.map((r) => r.at.doctor['hd-shown'])) },
    { label: 'remote 1280x720 shown, both sides', ...summarize(both('hd-shown')) },
    { label: 'remote 1280x720 decoded, both sides', ...summarize(both('hd-decoded')) },
  ];
  const traffic = {
    requests: summarize(measured.map((r) => r.callPage?.requests)),
    revalidations: summarize(measured.map((r) => r.callPage?.revalidations)),
    bytes: summarize(measured.map((r) => r.callPage?.bytes)),
  };
  const loadAverage = summarize(measured.map((r) => r.loadAverage));
  const quality = QUALITY_AT.flatMap((at) =>
    SIDES.map((side) => {
      const samples = measured.map((r) => r.quality?.[side]?.[String(at)] ?? null);
      return {
        at,
        side,
        height: summarize(samples.map((q) => q?.height)),
        framesPerSecond: summarize(samples.map((q) => q?.framesPerSecond)),
        kbps: summarize(samples.map((q) => q?.kbps)),
      };
    }),
  );
  return {
    measuredRuns: measured.length,
    failedRuns: runs.filter((r) => !r.ok).length,
    milestones,
    path,
    totals,
    traffic,
    loadAverage,
    quality,
  };
}

function nOf(summary: { n: number; missing: number }): string {
  return summary.missing > 0 ? `${summary.n}/${summary.n + summary.missing}` : String(summary.n);
}

function printReport(summary: ReturnType<typeof summarizeRuns>, runs: RunResult[], options: Options): void {
  const out: string[] = [];
  out.push(
    `\nCall setup, ${summary.measuredRuns} measured runs (+${options.warmup} warm-up)` +
      `${options.tuneText ? `, experiment: ${options.tuneText}` : ''}; times in ms after the patient's Join click\n`,
  );
  out.push(
    formatTable(
      ['total', 'median', 'p90', 'min', 'max', 'n'],
      summary.totals.map((t) => [t.label, ms(t.median), ms(t.p90), ms(t.min), ms(t.max), nOf(t)]),
    ),
  );
  const t = summary.traffic;
  out.push(
    `\nPatient's call page until its first remote frame: ${t.requests.median ?? '—'} HTTP requests to the network ` +
      `(${t.revalidations.median ?? '—'} of them 304 revalidations), ${kb(t.bytes.median)} received (medians). ` +
      `Load average (1 min) at the start of the runs: median ${summary.loadAverage.median ?? '—'}, max ${summary.loadAverage.max ?? '—'}.`,
  );
  out.push('\nWhere the time goes (critical path; each step is the time since the step before)\n');
  out.push(
    formatTable(
      ['step', 'median', 'p90'],
      summary.path.map((p) => [p.label, ms(p.median), ms(p.p90)]),
    ),
  );
  out.push('\nEvery milestone, each side\n');
  const keys = [...new Set(MILESTONES.map((m) => m.key))];
  const cell = (side: Side, key: string, p: 'median' | 'p90') => {
    const found = summary.milestones.find((m) => m.side === side && m.key === key);
    return found ? ms(found[p]) : '';
  };
  out.push(
    formatTable(
      ['milestone', 'patient median', 'patient p90', 'doctor median', 'doctor p90'],
      keys.map((key) => [
        MILESTONES.find((m) => m.key === key)?.label ?? key,
        cell('patient', key, 'median'),
        cell('patient', key, 'p90'),
        cell('doctor', key, 'median'),
        cell('doctor', key, 'p90'),
      ]),
    ),
  );
  out.push('\nReceived video a few seconds after the click (medians over the runs)\n');
  out.push(
    formatTable(
      ['when', 'side', 'height', 'frames/s', 'kbit/s'],
      summary.quality.map((q) => [
        `${q.at / 1000} s`,
        q.side,
        q.height.median === null ? '—' : `${q.height.median}p`,
        q.framesPerSecond.median === null ? '—' : String(q.framesPerSecond.median),
        q.kbps.median === null ? '—' : String(q.kbps.median),
      ]),
    ),
  );
  out.push('\nReceived video size over time (ms after the click), each run\n');
  for (const run of runs) {
    const ramp = (side: Side) =>
      run.received[side].map((s) => `${s.width}x${s.height}@${s.at}`).join(' → ') || (run.error ?? '—');
    out.push(
      `run ${run.run}${run.warmup ? ' (warm-up)' : ''}: patient ${ramp('patient')}\n${' '.repeat(String(run.run).length + (run.warmup ? 15 : 5))}  doctor  ${ramp('doctor')}`,
    );
  }
  console.log(out.join('\n'));
}

function gitState(): { commit: string; callEngine: string; uncommittedClientFiles: string[] } {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    callEngine: git('log', '-1', '--format=%h %s', '--', 'src/client/call'),
    uncommittedClientFiles: git('status', '--short', '--', 'src/client').split('\n').filter(Boolean),
  };
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

async function main(options: Options): Promise<void> {
  if (options.appRoot === ROOT) ensureBuilt({ root: ROOT, mode: options.build, variable: '--build', log });
  else log(`running the app built in ${options.appRoot}/dist`);
  const machine = machineInfo();
  const git = gitState();
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
    const appointmentId = await firstAppointmentId(browser, app);
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
  const summary = summarizeRuns(runs);
  printReport(summary, runs, options);
  const marksFile = join(
    RESULTS_DIR,
    `call-setup-marks-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(marksFile, `${JSON.stringify(runs.map(({ run, marks }) => ({ run, marks })))}\n`);
  const file = writeResults('call-setup', {
    bench: 'call-setup',
    date: new Date().toISOString(),
    label: options.label,
    machine: { ...machine, chromium: runs[0]?.chromium ?? null },
    git,
    options: { ...options, tune: options.tune },
    summary,
    runs: withoutMarks(runs),
  });
  console.log(`\nresults: ${file} (every mark: ${marksFile})`);
  if (summary.measuredRuns === 0) process.exit(1);
}

/**
 * The results file keeps what each run measured; every raw mark (a megabyte for ten runs) goes to an
 * untracked call-setup-marks-<timestamp>.json beside it.
 */
function withoutMarks(runs: readonly RunResult[]): Omit<RunResult, 'marks'>[] {
  return runs.map(({ marks: _marks, ...rest }) => rest);
}

interface SavedResults {
  date: string;
  label: string | null;
  machine: unknown;
  git: unknown;
  options: Options;
  runs: RunResult[];
}

/** One report over the runs of several result files, e.g. rounds run in turn with other configurations. */
function mergeResults(options: Options): void {
  const loaded = options.merge.map((file) => ({
    file,
    saved: JSON.parse(readFileSync(file, 'utf8')) as SavedResults,
  }));
  const first = loaded[0]?.saved;
  if (!first) throw new Error('--merge needs at least one file');
  let next = 1;
  const runs = loaded.flatMap(({ saved }) => saved.runs.map((r) => ({ ...r, run: r.warmup ? 0 : next++ })));
  const merged: Options = {
    ...first.options,
    runs: runs.filter((r) => !r.warmup).length,
    warmup: runs.filter((r) => r.warmup).length,
    label: options.label ?? first.label,
  };
  const summary = summarizeRuns(runs);
  printReport(summary, runs, merged);
  const file = writeResults('call-setup', {
    bench: 'call-setup',
    date: new Date().toISOString(),
    label: merged.label,
    mergedFrom: loaded.map(({ file, saved }) => ({ file, date: saved.date, label: saved.label })),
    machine: first.machine,
    git: first.git,
    options: merged,
    summary,
    runs: withoutMarks(runs),
  });
  console.log(`\nresults: ${file}`);
}

const argv = process.argv.slice(2);
const options = parseOptions(argv);
if (options.merge.length > 0) {
  mergeResults(options);
  process.exit(0);
}
const skip = (reason: string): never => {
  log(`SKIPPED: ${reason}`);
  process.exit(EXIT_SKIPPED);
};
if (!existsSync(CHROMIUM_PATH)) skip(`${CHROMIUM_PATH} is missing (apt-get install -y chromium)`);
const inside = enterLoopbackNamespace({
  argv: [process.execPath, ...process.execArgv, SELF, ...argv],
  marker: INSIDE_MARKER,
  cannotRun: skip,
  log,
});
if (inside) {
  main(options).catch((error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
