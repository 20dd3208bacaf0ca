import { describe, expect, it } from 'vitest';
import type { AnalyticsDay, AnalyticsFigures, AnalyticsReport } from '../../../protocol/analytics.js';
import { ApiClient } from '../../api/http-client.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import { adminUser, doctorUser, sessionOf } from '../../testing/fixtures.js';
import { isEmpty, qualityCharts, usageCharts } from './analytics-charts.js';
import { AnalyticsViewModel, lastDays } from './analytics-view-model.js';

const NOW = Date.parse('2026-12-04T23:30:00Z');
const zero: AnalyticsFigures = {
  calls: 0,
  connectedCalls: 0,
  callSeconds: 0,
  noShows: 0,
  waitMedianSeconds: null,
  waits: 0,
  measuredCalls: 0,
  relayedCalls: 0,
  levelMs: { excellent: 0, good: 0, poor: 0, lost: 0 },
  reconnects: 0,
  audioFallbackCalls: 0,
};
const day = (date: string, over: Partial<AnalyticsFigures> = {}): AnalyticsDay => ({
  date,
  ...zero,
  ...over,
});

function report(days: AnalyticsDay[], totals: Partial<AnalyticsFigures>): AnalyticsReport {
  return {
    hospitalId: 'h1',
    from: days[0]?.date ?? '2026-12-01',
    to: days.at(-1)?.date ?? '2026-12-01',
    timeZone: 'Europe/Berlin',
    fromMs: 0,
    toMs: 0,
    now: NOW,
    days,
    totals: { ...zero, ...totals },
  };
}

const busy = report(
  [
    day('2026-12-03', {
      calls: 3,
      connectedCalls: 2,
      callSeconds: 1500,
      waitMedianSeconds: 90,
      waits: 2,
      measuredCalls: 2,
      relayedCalls: 1,
      levelMs: { excellent: 600_000, good: 300_000, poor: 100_000, lost: 0 },
      reconnects: 2,
      audioFallbackCalls: 1,
    }),
    day('2026-12-04', { noShows: 1 }),
  ],
  {
    calls: 3,
    connectedCalls: 2,
    callSeconds: 1500,
    noShows: 1,
    waitMedianSeconds: 90,
    waits: 2,
    measuredCalls: 2,
    relayedCalls: 1,
    levelMs: { excellent: 600_000, good: 300_000, poor: 100_000, lost: 0 },
    reconnects: 2,
    audioFallbackCalls: 1,
  },
);

describe('the reports’ charts in words and tables', () => {
  it('reads each usage chart in one sentence and tabulates every day', () => {
    const [calls, minutes, noShows, wait] = usageCharts(busy);
    expect(calls?.reading).toMatch(
      /^3 calls started, 2 of them connected; the busiest day was .*3 with 3\.$/,
    );
    expect(calls?.table.rows.map((r) => r.slice(1))).toEqual([
      ['3', '2'],
      ['0', '0'],
    ]);
    expect(minutes?.series[0]?.values).toEqual([25, 0]);
    expect(minutes?.reading).toBe('25 minutes in calls, 12 min 30 s per connected call on average.');
    expect(noShows?.reading).toBe('1 appointment was missed: no call connected before its planned end.');
    expect(wait?.series[0]?.values).toEqual([1.5, null]);
    expect(wait?.table.rows.map((r) => r.slice(1))).toEqual([
      ['1 min 30 s', '2'],
      ['—', '0'],
    ]);
  });

  it('the quality charts give shares of measured calls and time; none when nothing was measured', () => {
    const [relayed, levels, reconnects, audio] = qualityCharts(busy);
    expect(relayed?.reading).toBe('50% of 2 measured calls (1) went through the relay server.');
    expect(relayed?.series[0]?.values).toEqual([50, null]);
    expect(levels?.kind).toBe('stacked');
    expect(levels?.series.map((s) => s.values[0])).toEqual([60, 30, 10, 0]);
    expect(levels?.reading).toBe('Of the measured call time: excellent 60%, good 30%, poor 10%, lost 0%.');
    expect(reconnects?.table.rows[0]?.[1]).toBe('2');
    expect(audio?.reading).toBe('1 call of 2 measured calls had sound without picture for 10 s or more.');
    expect(qualityCharts(report([day('2026-12-03', { calls: 1 })], { calls: 1 }))).toEqual([]);
  });

  it('a period with neither calls nor no-shows is empty', () => {
    expect(isEmpty(report([day('2026-12-03')], {}))).toBe(true);
    expect(isEmpty(report([day('2026-12-03', { noShows: 1 })], { noShows: 1 }))).toBe(false);
  });
});

describe('the reports page', () => {
  const path = (from: string, to: string) =>
    `/api/hospitals/h1/analytics?from=${from}&to=${to}&tz=Europe%2FBerlin`;
  function setup(routes: Route[], user = adminUser) {
    const api = fakeApi([
      { method: 'GET', path: '/api/session', status: 200, body: sessionOf(user) },
      ...routes,
    ]);
    const platform = fakePlatform({ now: () => NOW });
    return { model: new AnalyticsViewModel(new ApiClient(api.fetch), platform, 'Europe/Berlin'), api };
  }

  it('periods end today in the admin’s time zone', () => {
    // 23:30 UTC on the 4th is already the 5th in Berlin.
    expect(lastDays(7, NOW, 'Europe/Berlin')).toEqual({ from: '2026-11-29', to: '2026-12-05' });
    expect(lastDays(30, NOW, 'UTC')).toEqual({ from: '2026-11-05', to: '2026-12-04' });
  });

  it('opens on the last 30 days, a preset loads at once, and the CSV link is for the period on show', async () => {
    const { model, api } = setup([
      { method: 'GET', path: path('2026-11-06', '2026-12-05'), status: 200, body: busy },
      { method: 'GET', path: path('2026-11-29', '2026-12-05'), status: 200, body: busy },
    ]);
    await model.load();
    expect(model.state.phase).toBe('ready');
    expect(model.csvUrl()).toBe(
      '/api/hospitals/h1/analytics/calls.csv?from=2026-12-03&to=2026-12-04&tz=Europe%2FBerlin',
    );
    await model.choose('7');
    expect(api.requests.map((r) => r.path).slice(1)).toEqual([
      path('2026-11-06', '2026-12-05'),
      path('2026-11-29', '2026-12-05'),
    ]);
  });

  it('chosen dates are checked before asking, and the server’s complaint lands beside its field', async () => {
    const { model, api } = setup([
      { method: 'GET', path: path('2026-11-06', '2026-12-05'), status: 200, body: busy },
      {
        method: 'GET',
        path: path('2024-01-01', '2026-12-05'),
        status: 400,
        body: {
          error: {
            code: 'validation_failed',
            message:
              'The request does not match the expected shape (to: the period may be at most 366 days).',
            fields: { to: 'the period may be at most 366 days' },
          },
        },
      },
    ]);
    await model.load();
    await model.choose('custom');
    model.setDate('from', '2026-12-06');
    await model.show();
    expect(model.state.fieldErrors).toEqual({ to: 'The last day must not be before the first.' });
    model.setDate('from', '2024-01-01');
    await model.show();
    expect(model.state.fieldErrors).toEqual({ to: 'The last day: the period may be at most 366 days.' });
    expect(model.state.phase).toBe('ready');
    expect(api.requests).toHaveLength(3);
  });

  it('a doctor is told the page is not theirs', async () => {
    const { model, api } = setup([], doctorUser);
    await model.load();
    expect(model.state.phase).toBe('forbidden');
    expect(api.requests).toHaveLength(1);
  });
});
