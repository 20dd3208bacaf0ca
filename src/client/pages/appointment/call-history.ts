import type { CallEndReason } from '../../../protocol/call-status.js';
import type { CallSessionView } from '../../../protocol/dashboard.js';
import { formatDateTime, formatDuration, formatTime } from '../../lib/format.js';

export interface CallHistoryItem {
  id: string;
  /** When it started, for people and for <time>. */
  started: string;
  isoStarted: string;
  /** "Lasted 12 min 4 s, ended 14:42 (the doctor ended it)". */
  summary: string;
}

const END_WORDS: Record<CallEndReason, string> = {
  hung_up: 'the doctor ended it',
  failed: 'the connection failed',
  max_duration: 'it reached its maximum length',
  timed_out: 'nobody was connected',
};

/** Every call of an appointment, latest first, in words an admin reads at a glance. */
export function callHistoryItems(
  calls: readonly CallSessionView[],
  format: { locale?: string; timeZone?: string } = {},
): CallHistoryItem[] {
  return [...calls]
    .sort((a, b) => b.startedAt - a.startedAt)
    .map((call) => {
      let summary: string;
      if (call.endedAt === null) {
        summary = call.connectedAt === null ? 'Started, not connected yet' : 'In progress';
      } else {
        const how =
          call.durationSeconds === null
            ? 'Did not connect'
            : `Lasted ${formatDuration(call.durationSeconds)}`;
        const when = `ended ${formatTime(call.endedAt, format.locale, format.timeZone)}`;
        summary = `${how}, ${when}${call.endReason ? ` (${END_WORDS[call.endReason]})` : ''}`;
      }
      return {
        id: call.id,
        started: formatDateTime(call.startedAt, format.locale, format.timeZone),
        isoStarted: new Date(call.startedAt).toISOString(),
        summary,
      };
    });
}
