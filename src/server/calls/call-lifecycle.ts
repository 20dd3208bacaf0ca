import type { CallEndReason, CallStatus, PartyRole } from '../../protocol/call-status.js';
import type { ErrorCode } from '../../protocol/errors.js';

/**
 * The call lifecycle as a table: (status, event) → (next status, effects). Nothing here does I/O;
 * CallService executes the effects. An event missing from a row is illegal in that status.
 */
export type CallEvent =
  | { type: 'start'; by: PartyRole }
  | { type: 'join'; role: PartyRole; otherPresent: boolean }
  /** `by`: the party that ends it, or the server (max duration, abandoned room). Only the doctor ends. */
  | { type: 'end'; by: PartyRole | 'system'; reason: CallEndReason };

export type CallEffect =
  /** A new call session: new room id, new doctor and patient links; the earlier call's are revoked. */
  | { type: 'open-session' }
  | { type: 'mark-joined'; role: PartyRole }
  | { type: 'mark-connected' }
  | { type: 'close-session'; reason: CallEndReason };

export type TransitionResult =
  | { ok: true; next: CallStatus; effects: CallEffect[] }
  | { ok: false; code: ErrorCode };

type Handler<E extends CallEvent> = (event: E) => TransitionResult;
type Row = { [K in CallEvent['type']]?: Handler<Extract<CallEvent, { type: K }>> };

const ok = (next: CallStatus, ...effects: CallEffect[]): TransitionResult => ({ ok: true, next, effects });

const start: Handler<Extract<CallEvent, { type: 'start' }>> = (e) =>
  e.by === 'doctor' ? ok('waiting', { type: 'open-session' }) : { ok: false, code: 'wrong_role' };

// A patient leaves (S15) but does not end: ending is the doctor's decision, or the server's (S11, S24).
const end: Handler<Extract<CallEvent, { type: 'end' }>> = (e) =>
  e.by === 'patient'
    ? { ok: false, code: 'wrong_role' }
    : ok('ended', { type: 'close-session', reason: e.reason });

export const CALL_TRANSITIONS: Record<CallStatus, Row> = {
  not_started: { start },
  waiting: {
    join: (e) =>
      e.otherPresent
        ? ok('in_progress', { type: 'mark-joined', role: e.role }, { type: 'mark-connected' })
        : ok('waiting', { type: 'mark-joined', role: e.role }),
    end,
  },
  in_progress: {
    join: (e) => ok('in_progress', { type: 'mark-joined', role: e.role }),
    end,
  },
  ended: { start },
};

export function transition(status: CallStatus, event: CallEvent): TransitionResult {
  const handler = CALL_TRANSITIONS[status][event.type] as Handler<CallEvent> | undefined;
  if (handler) return handler(event);
  const activeOnly = event.type === 'join' || event.type === 'end';
  return { ok: false, code: activeOnly ? 'call_not_active' : 'illegal_transition' };
}
