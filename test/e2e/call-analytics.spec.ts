import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { callQualityItems } from '../../src/client/pages/appointment/call-quality-report.js';
import type { AnalyticsReport } from '../../src/protocol/analytics.js';
import type {
  CallQualityReportAnswer,
  CallQualitySessionView,
} from '../../src/protocol/call-quality-report.js';
import {
  type Coturn,
  coturnBasics,
  coturnSkipReason,
  loopbackTestArgs,
  startCoturn,
} from '../support/coturn.js';
import {
  CALL_SCENARIO_TIMEOUT_MS,
  hangUp,
  openAppointmentAsBoth,
  report,
  shownCallSeconds,
  startAndJoin,
} from './support/call-flow.js';
import {
  test as base,
  DEMO_ACCOUNTS,
  expect,
  selectedCandidatePair,
  signIn,
  waitForFramesGrowing,
} from './support/fixtures.js';
import { captureScreen } from './support/screens.js';

/**
 * Issue 17's proof of the analytics: three real calls between the demo doctor and patient in Chromium, one
 * of them through a real coturn, feed the admin's Reports page, its CSV and the doctor's quality report,
 * all read from what the browsers sent and the server stored (nothing is written into the database here).
 *
 * The app offers coturn to every call (WEBRTC_TURN_*), so each browser gathers host and relay candidates and
 * the first two calls connect directly over loopback. For the third, both pages start their peer connection
 * with `iceTransportPolicy: 'relay'` (an init script over RTCPeerConnection), as if both were behind
 * networks that allow nothing but TURN: that call's media can only go through coturn.
 */

/** How long each call is held once connected: a full 10 s summary from each side, and the last seconds. */
const HOLD_SECONDS = 14;

const test = base.extend<object, { coturn: { server: Coturn; secret: string; urls: string[] } }>({
  coturn: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies.
    async ({}, use) => {
      const { port, secret } = await coturnBasics();
      const server = await startCoturn({ port, args: loopbackTestArgs({ port, secret }) });
      await use({ server, secret, urls: [`turn:127.0.0.1:${port}?transport=udp`] });
      await server.stop();
    },
    { scope: 'worker' },
  ],
  appEnv: async ({ coturn }, use) => {
    await use({ WEBRTC_TURN_URL: coturn.urls.join(','), WEBRTC_TURN_SECRET: coturn.secret });
  },
});

/** Every peer connection the page makes may use relay candidates only. */
function forceRelay(): void {
  const Native = window.RTCPeerConnection;
  class RelayOnly extends Native {
    constructor(config?: RTCConfiguration) {
      super({ ...config, iceTransportPolicy: 'relay' });
    }
    override setConfiguration(config?: RTCConfiguration): void {
      super.setConfiguration({ ...config, iceTransportPolicy: 'relay' });
    }
  }
  window.RTCPeerConnection = RelayOnly;
}

interface CallResult {
  candidateType: string | null;
}

/** One call: both parties on the appointment, Start, Join, pictures both ways, held, then ended. */
async function oneCall(
  newUserPage: (label: string) => Promise<Page>,
  password: string,
  relay: boolean,
): Promise<CallResult & { id: string; doctor: Page }> {
  const parties = await openAppointmentAsBoth(newUserPage, password);
  if (relay)
    await Promise.all([parties.doctor.addInitScript(forceRelay), parties.patient.addInitScript(forceRelay)]);
  await startAndJoin(parties);
  await Promise.all([waitForFramesGrowing(parties.doctor), waitForFramesGrowing(parties.patient)]);
  const pair = await selectedCandidatePair(parties.doctor);
  await expect
    .poll(() => shownCallSeconds(parties.doctor), { timeout: 60_000, intervals: [1000] })
    .toBeGreaterThanOrEqual(HOLD_SECONDS);
  await hangUp(parties);
  await parties.patient.close();
  return { candidateType: pair?.localCandidateType ?? null, id: parties.id, doctor: parties.doctor };
}

function todayIn(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

/** The CSV as records keyed by its header. */
function parseCsv(text: string): Record<string, string>[] {
  const [header, ...rows] = text
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n');
  const names = (header ?? '').split(',');
  // No cell of these rows holds a comma or a quote (ids, numbers, yes/no, the demo doctor's name).
  return rows.map((row) => Object.fromEntries(row.split(',').map((cell, i) => [names[i] ?? `${i}`, cell])));
}

test.describe('analytics from real calls (issue 17)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS + 120_000 });
  test.skip(coturnSkipReason() !== null, coturnSkipReason() ?? '');

  test('three calls, one through coturn: the doctor’s reports, the admin’s charts and the CSV say what was stored', async ({
    app,
    newUserPage,
  }) => {
    const started = Date.now();
    const calls: (CallResult & { id: string; doctor: Page })[] = [];
    for (const relay of [false, false, true]) calls.push(await oneCall(newUserPage, app.demoPassword, relay));
    expect(calls.map((c) => c.candidateType)).toEqual(['host', 'host', 'relay']);
    const last = calls[2];
    if (!last) throw new Error('no third call');
    const { doctor, id } = last;

    // What the server stored of each call, as the doctor may read it.
    const answer = (await (
      await doctor.request.get(`/api/appointments/${id}/calls/quality`)
    ).json()) as CallQualityReportAnswer;
    const ours = answer.calls.filter((c) => c.startedAt >= started).sort((a, b) => a.startedAt - b.startedAt);
    expect(ours).toHaveLength(3);
    for (const [index, session] of ours.entries()) {
      expect(session.doctor?.windows, `call ${index + 1}: the doctor's windows`).toBeGreaterThanOrEqual(1);
      expect(session.patient?.windows, `call ${index + 1}: the patient's windows`).toBeGreaterThanOrEqual(1);
      const relayed = index === 2;
      expect(session.doctor?.relayed, `call ${index + 1}: the doctor's side relayed`).toBe(relayed);
      expect(session.patient?.relayed, `call ${index + 1}: the patient's side relayed`).toBe(relayed);
      expect(session.doctor?.candidateType).toBe(relayed ? 'relay' : 'host');
      report(`call ${index + 1} doctor rtt median`, session.doctor?.rttMs.median ?? -1);
      report(
        `call ${index + 1} doctor received height median`,
        session.doctor?.recvHeight.median ?? -1,
        'px',
      );
    }

    // The doctor's appointment page reports each call in the words the stored rows give.
    await doctor.goto(`/appointments/${id}`);
    const section = doctor.getByRole('region', { name: 'Call quality' });
    await expect(section).toBeVisible({ timeout: 20_000 });
    for (const expected of callQualityItems(ours)) {
      const item = section.locator(`[data-call-session="${expected.id}"]`);
      await expect(item.locator('.call-quality__overall')).toHaveText(expected.overall);
      await expect(item.locator('dt')).toHaveText(expected.lines.map((l) => l.term));
      await expect(item.locator('dd')).toHaveText(expected.lines.map((l) => l.value));
    }
    const relayedItem = section.locator(`[data-call-session="${ours[2]?.callSessionId}"]`);
    await expect(relayedItem).toContainText('relay');
    // The patient is told nothing of it.
    const patient = await newUserPage('patient');
    await signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword);
    expect((await patient.request.get(`/api/appointments/${id}/calls/quality`)).status()).toBe(403);
    await patient.goto(`/appointments/${id}`);
    await expect(patient.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(patient.getByRole('region', { name: 'Call quality' })).toHaveCount(0);

    // The admin's Reports page for the last 7 days draws these calls.
    const admin = await newUserPage('admin');
    await admin.setViewportSize({ width: 1280, height: 800 });
    await signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword);
    await admin.goto('/analytics');
    await admin.getByLabel('Period').selectOption('7');
    await expect(admin.locator('.chart canvas')).toHaveCount(8);
    const csvHref = await admin.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const query = new URL(csvHref ?? '', app.url).searchParams;
    const timeZone = query.get('tz') ?? 'UTC';
    expect(query.get('to')).toBe(todayIn(timeZone));
    const hospitalId = csvHref?.split('/')[3] ?? '';
    const reportAnswer = (await (
      await admin.request.get(`/api/hospitals/${hospitalId}/analytics?${query}`)
    ).json()) as AnalyticsReport;
    const { totals } = reportAnswer;
    expect(totals.calls).toBe(3);
    expect(totals.connectedCalls).toBe(3);
    expect(totals.measuredCalls).toBe(3);
    expect(totals.relayedCalls).toBe(1);

    const today = reportAnswer.days.find((d) => d.date === todayIn(timeZone));
    const calls7 = admin.getByRole('region', { name: 'Calls per day', exact: true });
    await expect(calls7).toContainText('3 calls started');
    const callCells = await admin
      .getByRole('table', { name: 'Calls per day (calls), per day' })
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent)));
    expect(callCells).toEqual(reportAnswer.days.map((d) => [String(d.calls), String(d.connectedCalls)]));
    expect(today?.calls).toBe(3);
    await expect(admin.getByRole('region', { name: 'Share of calls relayed', exact: true })).toContainText(
      'of 3 measured calls (1) went through the relay server.',
    );
    await captureScreen(admin, 'analytics-three-calls', { width: 1280 });
    await admin.getByRole('region', { name: 'Share of calls relayed', exact: true }).scrollIntoViewIfNeeded();
    await captureScreen(admin, 'analytics-three-calls-quality', { width: 1280 });

    // The CSV: one row per call session, with the figures the charts add up and the rows hold.
    const [download] = await Promise.all([
      admin.waitForEvent('download'),
      admin.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const rows = parseCsv(await readFile((await download.path()) ?? '', 'utf8'));
    expect(rows.map((r) => r['call_session_id'])).toEqual(ours.map((s) => s.callSessionId));
    expect(rows.map((r) => r['relayed'])).toEqual(['no', 'no', 'yes']);
    expect(rows.filter((r) => r['connected'] === 'yes')).toHaveLength(totals.connectedCalls);
    const sum = (column: string) => rows.reduce((total, r) => total + Number(r[column] ?? 0), 0);
    expect(sum('duration_seconds')).toBe(totals.callSeconds);
    expect(sum('reconnects')).toBe(totals.reconnects);
    for (const level of ['excellent', 'good', 'poor', 'lost'] as const) {
      expect(sum(`${level}_ms`), `${level}_ms`).toBe(totals.levelMs[level]);
    }
    for (const [index, row] of rows.entries()) {
      const stored = ours[index] as CallQualitySessionView;
      expect(row['doctor_rtt_ms']).toBe(String(stored.doctor?.rttMs.median ?? ''));
      expect(row['patient_rtt_ms']).toBe(String(stored.patient?.rttMs.median ?? ''));
      expect(row['doctor_recv_height']).toBe(String(stored.doctor?.recvHeight.median ?? ''));
      expect(row['patient_recv_fps']).toBe(String(stored.patient?.recvFps.median ?? ''));
    }
    report('calls', rows.length, '');
    report('call seconds', totals.callSeconds, 's');
  });
});
