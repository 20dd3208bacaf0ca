import {
  type AnalyticsDay,
  type AnalyticsFigures,
  type AnalyticsReport,
  LEVELS as QUALITY_LEVELS,
} from '../../../protocol/analytics.js';
import type { QualityLevelName } from '../../../protocol/call-quality.js';
import { formatDuration } from '../../lib/format.js';

/**
 * What each chart of the analytics page shows, in numbers and in words (docs/analytics.md): its series per
 * day, a one-line reading of the period, and the same figures as a table for screen readers and for
 * anyone who prefers one. Plain functions of the report; the page only draws them.
 */

export type ChartKind = 'bars' | 'line' | 'stacked';

export interface ChartSeries {
  label: string;
  /** A CSS colour; the levels go from green to grey so the order reads without a legend too. */
  color: string;
  /** One value per day; null where the day has nothing to show (no measured call, no wait). */
  values: (number | null)[];
}

export interface ChartSpec {
  id: string;
  title: string;
  /** The period in one sentence. */
  reading: string;
  kind: ChartKind;
  /** What the y axis counts. */
  unit: string;
  series: ChartSeries[];
  table: { columns: string[]; rows: string[][] };
}

export const LEVEL_WORDS: Record<QualityLevelName, string> = {
  excellent: 'Excellent',
  good: 'Good',
  poor: 'Poor',
  lost: 'Lost',
};

const LEVEL_COLORS: Record<QualityLevelName, string> = {
  excellent: '#1b7f3b',
  good: '#7dbb42',
  poor: '#e0a100',
  lost: '#6b7785',
};

const PRIMARY = '#0a58a6';
const DANGER = '#b3261e';

const dayWords = new Intl.DateTimeFormat(undefined, {
  timeZone: 'UTC',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
});

/** "Tue, 1 Dec": a report's day (YYYY-MM-DD, already in its time zone). */
export function formatDay(date: string): string {
  return dayWords.format(new Date(`${date}T00:00:00Z`));
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString()} ${n === 1 ? one : many}`;
const minutesOf = (seconds: number) => Math.round(seconds / 6) / 10;
const percent = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
const pct = (v: number | null) => (v === null ? '—' : `${v}%`);

export function levelTotal(levelMs: AnalyticsFigures['levelMs']): number {
  return QUALITY_LEVELS.reduce((n, level) => n + levelMs[level], 0);
}

/** The busiest day by some figure, for the readings: null when every day is 0. */
function busiest(days: readonly AnalyticsDay[], figure: (d: AnalyticsDay) => number): AnalyticsDay | null {
  let best: AnalyticsDay | null = null;
  for (const d of days) if (figure(d) > 0 && (best === null || figure(d) > figure(best))) best = d;
  return best;
}

function table(days: readonly AnalyticsDay[], columns: string[], cells: (d: AnalyticsDay) => string[]) {
  return { columns: ['Day', ...columns], rows: days.map((d) => [formatDay(d.date), ...cells(d)]) };
}

/** Nothing happened: no call started and no appointment missed. The page says so instead of drawing axes. */
export function isEmpty(report: AnalyticsReport): boolean {
  return report.totals.calls === 0 && report.totals.noShows === 0;
}

export function usageCharts(report: AnalyticsReport): ChartSpec[] {
  const { days, totals: t } = report;
  const top = busiest(days, (d) => d.calls);
  const waitWords = (s: number | null) => (s === null ? '—' : formatDuration(s));
  return [
    {
      id: 'calls',
      title: 'Calls per day',
      reading:
        `${plural(t.calls, 'call', 'calls')} started, ${t.connectedCalls.toLocaleString()} of them connected` +
        (top ? `; the busiest day was ${formatDay(top.date)} with ${top.calls}.` : '.'),
      kind: 'bars',
      unit: 'calls',
      series: [{ label: 'Calls', color: PRIMARY, values: days.map((d) => d.calls) }],
      table: table(days, ['Calls', 'Connected'], (d) => [String(d.calls), String(d.connectedCalls)]),
    },
    {
      id: 'minutes',
      title: 'Minutes of calls per day',
      reading:
        `${minutesOf(t.callSeconds).toLocaleString()} minutes in calls` +
        (t.connectedCalls > 0
          ? `, ${formatDuration(t.callSeconds / t.connectedCalls)} per connected call on average.`
          : '.'),
      kind: 'bars',
      unit: 'minutes',
      series: [{ label: 'Minutes', color: PRIMARY, values: days.map((d) => minutesOf(d.callSeconds)) }],
      table: table(days, ['Minutes'], (d) => [String(minutesOf(d.callSeconds))]),
    },
    {
      id: 'no-shows',
      title: 'No-shows per day',
      reading:
        t.noShows === 0
          ? 'No appointment was missed.'
          : `${plural(t.noShows, 'appointment was', 'appointments were')} missed: no call connected before its planned end.`,
      kind: 'bars',
      unit: 'appointments',
      series: [{ label: 'No-shows', color: DANGER, values: days.map((d) => d.noShows) }],
      table: table(days, ['No-shows'], (d) => [String(d.noShows)]),
    },
    {
      id: 'wait',
      title: 'Median wait before the doctor joined',
      reading:
        t.waitMedianSeconds === null
          ? 'No call had both the patient and the doctor join.'
          : `Patients waited ${formatDuration(t.waitMedianSeconds)} (median) in the call for the doctor to join, over ${plural(t.waits, 'call', 'calls')}.`,
      kind: 'line',
      unit: 'minutes',
      series: [
        {
          label: 'Median wait (min)',
          color: PRIMARY,
          values: days.map((d) =>
            d.waitMedianSeconds === null ? null : Math.round(d.waitMedianSeconds / 6) / 10,
          ),
        },
      ],
      table: table(days, ['Median wait', 'Calls'], (d) => [waitWords(d.waitMedianSeconds), String(d.waits)]),
    },
  ];
}

/** The quality charts; none when no call of the period was measured (the page says so). */
export function qualityCharts(report: AnalyticsReport): ChartSpec[] {
  const { days, totals: t } = report;
  if (t.measuredCalls === 0) return [];
  const measured = plural(t.measuredCalls, 'measured call', 'measured calls');
  const total = levelTotal(t.levelMs);
  const levelShares = (d: AnalyticsFigures) =>
    QUALITY_LEVELS.map((level) => percent(d.levelMs[level], levelTotal(d.levelMs)));
  return [
    {
      id: 'relayed',
      title: 'Share of calls relayed',
      reading: `${pct(percent(t.relayedCalls, t.measuredCalls))} of ${measured} (${t.relayedCalls.toLocaleString()}) went through the relay server.`,
      kind: 'line',
      unit: '% of measured calls',
      series: [
        {
          label: 'Relayed (%)',
          color: PRIMARY,
          values: days.map((d) => percent(d.relayedCalls, d.measuredCalls)),
        },
      ],
      table: table(days, ['Relayed', 'Measured calls'], (d) => [
        d.measuredCalls === 0 ? '—' : `${pct(percent(d.relayedCalls, d.measuredCalls))} (${d.relayedCalls})`,
        String(d.measuredCalls),
      ]),
    },
    {
      id: 'levels',
      title: 'Quality levels',
      reading: `Of the measured call time: ${QUALITY_LEVELS.map(
        (level) => `${LEVEL_WORDS[level].toLowerCase()} ${pct(percent(t.levelMs[level], total))}`,
      ).join(', ')}.`,
      kind: 'stacked',
      unit: '% of measured time',
      series: QUALITY_LEVELS.map((level, i) => ({
        label: LEVEL_WORDS[level],
        color: LEVEL_COLORS[level],
        values: days.map((d) => levelShares(d)[i] ?? null),
      })),
      table: table(
        days,
        QUALITY_LEVELS.map((level) => LEVEL_WORDS[level]),
        (d) => levelShares(d).map(pct),
      ),
    },
    {
      id: 'reconnects',
      title: 'Reconnects per day',
      reading: `${plural(t.reconnects, 'reconnect', 'reconnects')} (both sides together) in ${measured}.`,
      kind: 'bars',
      unit: 'reconnects',
      series: [{ label: 'Reconnects', color: PRIMARY, values: days.map((d) => d.reconnects) }],
      table: table(days, ['Reconnects'], (d) => [String(d.reconnects)]),
    },
    {
      id: 'audio',
      title: 'Calls that fell back to audio',
      reading: `${plural(t.audioFallbackCalls, 'call', 'calls')} of ${measured} had sound without picture for 10 s or more.`,
      kind: 'bars',
      unit: 'calls',
      series: [{ label: 'Fell back to audio', color: DANGER, values: days.map((d) => d.audioFallbackCalls) }],
      table: table(days, ['Calls'], (d) => [String(d.audioFallbackCalls)]),
    },
  ];
}
