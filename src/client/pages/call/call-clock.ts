import type { CallStatusView } from '../../../protocol/messages.js';
import { isTerminal, type PeerCallPhase } from '../../call/peer-call-lifecycle.js';
import { formatClock } from '../../lib/format.js';
import { callEndsInWords } from './call-words.js';

/** The server warns this long before it ends a call for its maximum duration (S19). */
export const MAX_DURATION_WARNING_MS = 5 * 60_000;

export interface MaxDurationWarning {
  /** Said once by screen readers: "This call will end in 5 minutes." */
  announcement: string;
  /** The countdown, "4:32". */
  remaining: string;
}

/** The banner for a call that ends at `endsAt`, or null while the end is still far. */
export function maxDurationWarning(
  endsAt: number | null,
  now: number,
  warned: boolean,
): MaxDurationWarning | null {
  if (endsAt === null) return null;
  const left = endsAt - now;
  if (!warned && left > MAX_DURATION_WARNING_MS) return null;
  const minutes = Math.max(1, Math.ceil(Math.min(left, MAX_DURATION_WARNING_MS) / 60_000));
  return { announcement: callEndsInWords(minutes), remaining: formatClock(left) };
}

/** The call's times as the server has told them, in its call status and its warning. */
export interface CallTimes {
  /** When the call went `in_progress` (server time); null while it is not in progress. */
  connectedAt: number | null;
  /** When the server will end the call for its maximum duration. */
  endsAt: number | null;
  /** The server has warned: the countdown shows however far the end still is. */
  warned: boolean;
}

export const NO_CALL_TIMES: CallTimes = { connectedAt: null, endsAt: null, warned: false };

export function withCallStatus(times: CallTimes, call: CallStatusView): CallTimes {
  return {
    connectedAt: call.status === 'in_progress' ? (call.connectedAt ?? times.connectedAt) : null,
    endsAt: call.endsAt ?? times.endsAt,
    warned: times.warned,
  };
}

export function withWarning(times: CallTimes, endsAt: number): CallTimes {
  return { ...times, endsAt, warned: true };
}

export interface CallClock {
  /** Time since the call went `in_progress` ("3:07", "1:02:05"). */
  duration: string | null;
  warning: MaxDurationWarning | null;
}

const STOPPED: CallClock = { duration: null, warning: null };

/**
 * The duration and the max-duration warning while this page is in the call: from the start of its peer
 * call (`phase`, null before there is one) until that call is over.
 */
export function callClock(times: CallTimes, phase: PeerCallPhase | null, now: number): CallClock {
  if (phase === null || isTerminal(phase)) return STOPPED;
  return {
    duration: times.connectedAt === null ? null : formatClock(now - times.connectedAt),
    warning: maxDurationWarning(times.endsAt, now, times.warned),
  };
}

export function sameClock(a: CallClock, b: CallClock): boolean {
  return (
    a.duration === b.duration &&
    a.warning?.remaining === b.warning?.remaining &&
    a.warning?.announcement === b.warning?.announcement
  );
}
