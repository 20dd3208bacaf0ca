import type { Page } from '@playwright/test';
import { callQualityItems } from '../../src/client/pages/appointment/call-quality-report.js';
import type { CallQualityReportAnswer } from '../../src/protocol/call-quality-report.js';
import { CALL_SCENARIO_TIMEOUT_MS, connectedCall, hangUp, report } from './support/call-flow.js';
import { expect, test } from './support/fixtures.js';

// Issue 17: during a call each browser sends a summary of its quality every 10 s (protocol S30); after the
// call the doctor's appointment page shows a short report of it, which must say what the server stored.

/** The call's duration clock ("0:25") in seconds. */
async function shownDuration(page: Page): Promise<number> {
  const text = (await page.locator('.call__clock').innerText()).trim();
  return text
    .split(':')
    .map(Number)
    .reduce((total, part) => total * 60 + part, 0);
}

test.describe('call quality report (issue 17)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });

  test('a 25 s call: both browsers’ summaries are stored, and the doctor’s report shows them', async ({
    app,
    newUserPage,
  }) => {
    const parties = await connectedCall(newUserPage, app.demoPassword);
    const { doctor, id } = parties;
    await expect
      .poll(() => shownDuration(doctor), { timeout: 60_000, intervals: [1000] })
      .toBeGreaterThanOrEqual(25);
    await hangUp(parties);

    const response = await doctor.request.get(`/api/appointments/${id}/calls/quality`);
    expect(response.status()).toBe(200);
    const stored = (await response.json()) as CallQualityReportAnswer;
    const latest = [...stored.calls].sort((a, b) => b.startedAt - a.startedAt)[0];
    expect(latest?.endedAt).not.toBeNull();
    // Two full windows from each side; the doctor's last seconds too, sent before the end.
    expect(latest?.doctor?.windows).toBeGreaterThanOrEqual(3);
    expect(latest?.patient?.windows).toBeGreaterThanOrEqual(2);
    expect(latest?.doctor?.recvHeight.median).toBeGreaterThan(0);
    expect(latest?.doctor?.candidateType).not.toBeNull();
    report('doctor windows', latest?.doctor?.windows ?? 0, '');
    report('doctor measured', latest?.doctor?.measuredMs ?? 0);
    report('doctor rtt median', latest?.doctor?.rttMs.median ?? -1);

    // What the page must say, from the stored rows.
    const [expected] = callQualityItems(latest ? [latest] : []);
    if (!expected) throw new Error('no report for the call');
    const section = doctor.getByRole('region', { name: 'Call quality' });
    await expect(section).toBeVisible({ timeout: 20_000 });
    const call = section.locator(`[data-call-session="${latest?.callSessionId}"]`);
    await expect(call.locator('.call-quality__overall')).toHaveText(expected.overall);
    await expect(call.locator('dt')).toHaveText(expected.lines.map((l) => l.term));
    await expect(call.locator('dd')).toHaveText(expected.lines.map((l) => l.value));

    // The patient gets no report.
    const refused = await parties.patient.request.get(`/api/appointments/${id}/calls/quality`);
    expect(refused.status()).toBe(403);
    await expect(parties.patient.getByRole('region', { name: 'Call quality' })).toHaveCount(0);
  });
});
