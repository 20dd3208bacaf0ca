import { readFile } from 'node:fs/promises';
import type { AnalyticsReport } from '../../src/protocol/analytics.js';
import { PAST_CALLS, seedPastCalls } from './support/analytics-seed.js';
import { DEMO_ACCOUNTS, expect, signIn, test } from './support/fixtures.js';

// The admin's reports draw what the database holds: charts on canvases, the same figures in each chart's
// table, and the CSV of the period with one row per call.

test('the reports draw the stored calls, their tables hold the API’s figures, and the CSV downloads', async ({
  app,
  newUserPage,
}) => {
  const admin = await newUserPage('admin');
  await signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword);
  await seedPastCalls(admin, app.databaseFile);

  await admin.getByRole('navigation', { name: 'Hospital' }).getByRole('link', { name: 'Reports' }).click();
  await expect(admin.getByRole('heading', { name: 'Reports', level: 1 })).toBeVisible();
  await expect(admin.getByLabel('Period')).toHaveValue('30');
  const calls = admin.getByRole('region', { name: 'Calls per day', exact: true });
  await expect(calls.locator('canvas')).toHaveCount(1);
  await expect(admin.locator('.chart canvas')).toHaveCount(8);

  // What the page asked for, asked again: every figure of the tables comes from it.
  const csvHref = await admin.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
  const query = new URL(csvHref ?? '', app.url).search;
  const hospitalId = csvHref?.split('/')[3] ?? '';
  const report = (await (
    await admin.request.get(`/api/hospitals/${hospitalId}/analytics${query}`)
  ).json()) as AnalyticsReport;
  expect(report.totals.calls).toBe(PAST_CALLS.length);
  expect(report.totals.relayedCalls).toBe(1);
  expect(report.totals.audioFallbackCalls).toBe(1);

  const tableOf = (title: string) => admin.getByRole('table', { name: title, exact: true });
  await expect(calls).toContainText(`${PAST_CALLS.length} calls started`);
  const callRows = await tableOf('Calls per day (calls), per day').locator('tbody tr').allTextContents();
  expect(callRows).toHaveLength(report.days.length);
  const cells = await tableOf('Calls per day (calls), per day')
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent)));
  expect(cells).toEqual(report.days.map((d) => [String(d.calls), String(d.connectedCalls)]));
  const reconnects = await tableOf('Reconnects per day (reconnects), per day')
    .locator('tbody td')
    .allTextContents();
  expect(reconnects).toEqual(report.days.map((d) => String(d.reconnects)));

  // Show as table swaps the chart for its table, and back.
  const toggle = calls.getByRole('button', { name: 'Show as table' });
  await toggle.click();
  await expect(calls.getByRole('button', { name: 'Show as chart' })).toHaveAttribute('aria-expanded', 'true');
  await expect(calls.locator('canvas')).toHaveCount(0);
  await expect(calls.getByRole('table')).toBeVisible();

  const [download] = await Promise.all([
    admin.waitForEvent('download'),
    admin.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`carecall-calls-${report.from}-to-${report.to}.csv`);
  const csv = (await readFile((await download.path()) ?? '', 'utf8')).replace(/^\uFEFF/, '');
  const lines = csv.trim().split('\r\n');
  expect(lines[0]).toMatch(/^call_session_id,appointment_id,date,start_time,doctor,/);
  expect(lines).toHaveLength(1 + report.totals.calls);

  // A period with nothing in it says so, with no empty axes.
  await admin.getByLabel('Period').selectOption('custom');
  await admin.getByLabel('First day').fill('2020-01-01');
  await admin.getByLabel('Last day').fill('2020-01-31');
  await admin.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(admin.getByText('No calls and no missed appointments in this period.')).toBeVisible();
  await expect(admin.locator('canvas')).toHaveCount(0);
});
