import type { CallQualityPartyView } from '../../../protocol/call-quality.js';
import type { CallQualitySessionView } from '../../../protocol/call-quality-report.js';
import { formatDateTime, formatDuration } from '../../lib/format.js';

/** One line of the report: a term and its value in words. */
export interface QualityLine {
  term: string;
  value: string;
}

export interface CallQualityItem {
  id: string;
  /** When the call started, for people and for <time>. */
  started: string;
  isoStarted: string;
  /** "Good: 92 % of the time excellent or good". */
  overall: string;
  lines: QualityLine[];
}

/** Share of the measured time at least this good for each overall word (docs/call-quality.md). */
export const OVERALL_EXCELLENT_SHARE = 0.8;
export const OVERALL_GOOD_SHARE = 0.8;
export const OVERALL_POOR_SHARE = 0.5;

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** A percentage as people read it: whole numbers, one decimal under 10 (loss). */
export function percent(value: number): string {
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  return `${rounded} %`;
}

/** "Good: 92 % of the time excellent or good", from the time at each level. */
export function overallWords(view: CallQualityPartyView): string {
  const { excellent, good, poor, lost } = view.levelMs;
  const total = excellent + good + poor + lost;
  const fine = share(excellent + good, total);
  const word =
    share(excellent, total) >= OVERALL_EXCELLENT_SHARE
      ? 'Excellent'
      : fine >= OVERALL_GOOD_SHARE
        ? 'Good'
        : share(lost, total) < OVERALL_POOR_SHARE
          ? 'Poor'
          : 'Lost';
  return `${word}: ${Math.round(fine * 100)} % of the time excellent or good`;
}

function withWorst(
  figure: { median: number | null; worst: number | null },
  unit: (value: number) => string,
): string | null {
  if (figure.median === null) return null;
  const worst =
    figure.worst !== null && figure.worst !== figure.median ? `, ${unit(figure.worst)} at worst` : '';
  return `${unit(figure.median)} typically${worst}`;
}

function pictureWords(view: CallQualityPartyView): string {
  const { recvHeight: height, recvFps: fps } = view;
  if (height.median === null) return 'None received';
  const rate = fps.median === null ? '' : ` at ${fps.median} fps`;
  const worst = height.worst !== null && height.worst !== height.median ? `, ${height.worst}p at worst` : '';
  return `${height.median}p${rate} typically${worst}`;
}

function routeWords(view: CallQualityPartyView): string {
  if (view.relayed) return 'Through the relay server (TURN)';
  return view.candidateType === null ? 'Not known' : 'Direct';
}

/** The lines of one party's side of a call, in words a doctor reads at a glance. */
export function qualityLines(view: CallQualityPartyView): QualityLine[] {
  const lines: QualityLine[] = [];
  const add = (term: string, value: string | null) => {
    if (value !== null) lines.push({ term, value });
  };
  add(
    'Round trip',
    withWorst(view.rttMs, (v) => `${v} ms`),
  );
  add('Packet loss', withWorst(view.lossPct, percent));
  add('Picture received', pictureWords(view));
  add('Connection', routeWords(view));
  add(
    'Reconnections',
    view.reconnects === 0 ? 'None' : `${view.reconnects} ${view.reconnects === 1 ? 'time' : 'times'}`,
  );
  add('Time without video', view.audioOnlyMs === 0 ? 'None' : formatDuration(view.audioOnlyMs / 1000));
  add('Measured', `${formatDuration(view.measuredMs / 1000)} (${view.windows} reports)`);
  return lines;
}

/**
 * The doctor's report after each call (docs/call-quality.md, "After the call"): from what the doctor's
 * browser measured (the patient's picture and sound as they arrived), with the patient's side in one
 * line. Calls under way and calls nobody measured are left out; the latest first.
 */
export function callQualityItems(
  calls: readonly CallQualitySessionView[],
  format: { locale?: string; timeZone?: string } = {},
): CallQualityItem[] {
  return [...calls]
    .filter((call) => call.endedAt !== null && (call.doctor !== null || call.patient !== null))
    .sort((a, b) => b.startedAt - a.startedAt)
    .map((call) => {
      const main = call.doctor ?? (call.patient as CallQualityPartyView);
      const lines = qualityLines(main);
      if (call.doctor && call.patient)
        lines.push({ term: "Patient's side", value: overallWords(call.patient) });
      if (!call.doctor) lines.unshift({ term: 'Measured by', value: "The patient's browser only" });
      return {
        id: call.callSessionId,
        started: formatDateTime(call.startedAt, format.locale, format.timeZone),
        isoStarted: new Date(call.startedAt).toISOString(),
        overall: overallWords(main),
        lines,
      };
    });
}
