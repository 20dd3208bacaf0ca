import { isCallActive } from '../../../protocol/call-status.js';
import { type DashboardRow, DEFAULT_APPOINTMENT_LENGTH_MINUTES } from '../../../protocol/dashboard.js';
import type { CallStatusView, WaitingRoomView } from '../../../protocol/messages.js';
import { endReasonWords, formatClock, formatDuration } from '../../lib/format.js';

/** The dashboard's sections, in the order the page shows them. */
export const GROUPS = ['waiting', 'in-call', 'upcoming', 'ended', 'no-show', 'cancelled'] as const;
export type DashboardGroup = (typeof GROUPS)[number];

export const GROUP_TITLES: Record<DashboardGroup, string> = {
  waiting: 'In the waiting room',
  'in-call': 'In a call',
  upcoming: 'Still to come',
  ended: 'Calls ended',
  'no-show': 'Did not come',
  cancelled: 'Cancelled',
};

const MINUTE = 60_000;

/**
 * Where an appointment belongs now. A call under way wins over the waiting room (the patient may still be
 * on the pre-join screen when the doctor starts); an appointment whose planned end passed without any
 * connected call is a no-show, even if a call was started and ended unanswered.
 */
export function groupOf(row: DashboardRow, now: number): DashboardGroup {
  if (row.cancelledAt !== null) return 'cancelled';
  if (isCallActive(row.call.status)) return 'in-call';
  if (row.lobby.patientWaiting) return 'waiting';
  const plannedEnd = row.scheduledAt + (row.lengthMinutes ?? DEFAULT_APPOINTMENT_LENGTH_MINUTES) * MINUTE;
  if (!row.connected && plannedEnd < now) return 'no-show';
  if (row.call.status === 'ended') return 'ended';
  return 'upcoming';
}

/** "less than a minute", "1 minute", "12 minutes". */
export function minutesWords(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE);
  if (minutes < 1) return 'less than a minute';
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** What the row says beside the names: how long someone waits, how long the call runs, how it ended. */
export function detailOf(row: DashboardRow, group: DashboardGroup, now: number): string {
  const { call, lobby } = row;
  switch (group) {
    case 'waiting':
      return `Waiting for ${minutesWords(now - (lobby.checkedInAt ?? now))}`;
    case 'in-call':
      if (call.status === 'in_progress' && call.connectedAt !== null) {
        return `In the call for ${formatClock(now - call.connectedAt)}`;
      }
      return `Call started ${formatClock(now - (call.startedAt ?? now))} ago, not connected yet`;
    case 'ended': {
      const how =
        call.durationSeconds === null
          ? 'Ended without connecting'
          : `Lasted ${formatDuration(call.durationSeconds)}`;
      const why = endReasonWords(call.endReason);
      return why ? `${how}. ${why}` : how;
    }
    case 'no-show':
      return lobby.checkedInAt !== null ? 'Checked in, but no call took place' : 'Did not check in';
    case 'upcoming':
      return lobby.checkedInAt !== null ? 'Checked in earlier, not waiting now' : 'Not checked in yet';
    case 'cancelled':
      return 'Cancelled';
  }
}

/** The order within a section: longest waiting first, calls by start, the latest ended first. */
export function sortKey(row: DashboardRow, group: DashboardGroup): number {
  switch (group) {
    case 'waiting':
      return row.lobby.checkedInAt ?? row.scheduledAt;
    case 'in-call':
      return row.call.startedAt ?? row.scheduledAt;
    case 'ended':
      return -(row.call.endedAt ?? row.scheduledAt);
    default:
      return row.scheduledAt;
  }
}

/** The row after a call status; a call that connected once keeps the appointment off the no-shows. */
export function withCall(row: DashboardRow, call: CallStatusView): DashboardRow {
  return { ...row, call, connected: row.connected || call.connectedAt !== null };
}

export function withLobby(row: DashboardRow, lobby: WaitingRoomView): DashboardRow {
  return { ...row, lobby };
}

/** What a polite live region says when an appointment moves on; null when nothing worth saying happened. */
export function changeWords(before: DashboardRow, after: DashboardRow, now: number): string | null {
  const was = groupOf(before, now);
  const is = groupOf(after, now);
  const patient = after.patient.displayName;
  const doctor = after.doctor.displayName;
  if (is === 'in-call') {
    if (after.call.status === 'in_progress' && before.call.status !== 'in_progress') {
      return `${patient} and ${doctor} are in a call.`;
    }
    if (after.call.status === 'waiting' && was !== 'in-call')
      return `${doctor} started the call with ${patient}.`;
    return null;
  }
  if (is === was) return null;
  if (is === 'waiting') return `${patient} is in the waiting room.`;
  if (is === 'ended') {
    const d = after.call.durationSeconds;
    return d === null
      ? `The call with ${patient} ended.`
      : `The call with ${patient} ended after ${formatDuration(d)}.`;
  }
  if (was === 'waiting') return `${patient} left the waiting room.`;
  return null;
}
