import type { ErrorCode } from '../../protocol/errors.js';
import type {
  RecordingEventView,
  RecordingState,
  RecordingStopReason,
  RecordingView,
} from '../../protocol/recording.js';

/**
 * A recording's lifecycle as a table (src/protocol/recording.ts, docs/recordings.md): (state, event) →
 * (next state, what changes, which events are written). No I/O; RecordingService executes it in one
 * transaction with an optimistic version check. An event missing from a state's row is refused.
 */
export type RecordingEvent =
  | { type: 'consent'; answer: 'allow' | 'decline' }
  | { type: 'withdraw' }
  /** The doctor's Stop. */
  | { type: 'stop' }
  /** The patient left the room or joined it afresh: their consent is asked again. */
  | { type: 'lapse' }
  | { type: 'call-ended' }
  /** The vault refused a chunk for good. */
  | { type: 'fail'; reason: 'too_large' | 'storage_full' }
  /** Every chunk that will come is stored: the files are sealed. */
  | { type: 'seal' }
  /** A withdrawal under a "discard" rule: the files are destroyed. */
  | { type: 'discard' }
  /** Retention is over: the files are destroyed. */
  | { type: 'expire' };

type Consent = RecordingView['patientConsent'];

export interface Transition {
  next: RecordingState;
  /** Set when the recording stops with this event. */
  stopReason?: RecordingStopReason;
  /** undefined: unchanged. */
  consent?: Consent;
  /** Capture begins (running_since = now) or ends (elapsed accumulated), or neither. */
  capture?: 'run' | 'halt';
  events: Array<{ kind: RecordingEventView['kind']; detail?: string }>;
}

export type TransitionResult = { ok: true; transition: Transition } | { ok: false; code: ErrorCode };

const ok = (t: Transition): TransitionResult => ({ ok: true, transition: t });
const refuse = (code: ErrorCode): TransitionResult => ({ ok: false, code });

const stopped = (
  reason: RecordingStopReason,
  events: Transition['events'],
  consent?: Consent,
): TransitionResult =>
  ok({
    next: 'stopped',
    stopReason: reason,
    capture: 'halt',
    events: [...events, { kind: 'stopped', detail: reason }],
    ...(consent === undefined ? {} : { consent }),
  });

/** `firstStart`: capture has never begun (started_at is null). */
export function transition(
  state: RecordingState,
  event: RecordingEvent,
  firstStart: boolean,
): TransitionResult {
  switch (event.type) {
    case 'consent':
      if (state === 'asking' || state === 'paused') {
        if (event.answer === 'allow') {
          return ok({
            next: 'recording',
            consent: 'allowed',
            capture: 'run',
            events: [{ kind: 'consented' }, { kind: firstStart ? 'started' : 'resumed' }],
          });
        }
        // Declining the first question records nothing; declining after a pause ends what was recorded.
        if (state === 'asking')
          return ok({ next: 'declined', consent: 'declined', events: [{ kind: 'declined' }] });
        return stopped('declined', [{ kind: 'declined' }], 'declined');
      }
      // A repeated "allow" (a double click, a retry) changes nothing.
      if (state === 'recording' && event.answer === 'allow') return ok({ next: 'recording', events: [] });
      return refuse('recording_not_active');
    case 'withdraw':
      if (state === 'recording' || state === 'paused')
        return stopped('withdrawn', [{ kind: 'withdrawn' }], 'withdrawn');
      // Withdrawing before answering is declining.
      if (state === 'asking')
        return ok({ next: 'declined', consent: 'declined', events: [{ kind: 'declined' }] });
      return refuse('recording_not_active');
    case 'stop':
      if (state === 'asking' || state === 'recording' || state === 'paused') return stopped('doctor', []);
      return refuse('recording_not_active');
    case 'lapse':
      if (state === 'recording') {
        return ok({
          next: 'paused',
          consent: null,
          capture: 'halt',
          events: [{ kind: 'consent_lapsed' }, { kind: 'paused' }],
        });
      }
      // Asked again anyway: the page shows the question to whoever joins.
      if (state === 'paused' || state === 'asking') return ok({ next: state, consent: null, events: [] });
      return refuse('recording_not_active');
    case 'call-ended':
      if (state === 'asking' || state === 'recording' || state === 'paused') return stopped('call_ended', []);
      return refuse('recording_not_active');
    case 'fail':
      if (state === 'recording' || state === 'paused') {
        return stopped(event.reason, [{ kind: 'failed', detail: event.reason }]);
      }
      return refuse('recording_not_active');
    case 'seal':
      return state === 'stopped'
        ? ok({ next: 'finished', events: [{ kind: 'finished' }] })
        : refuse('recording_not_active');
    case 'discard':
      return state === 'stopped'
        ? ok({ next: 'discarded', events: [{ kind: 'discarded' }] })
        : refuse('recording_not_active');
    case 'expire':
      return state === 'finished'
        ? ok({ next: 'deleted', events: [{ kind: 'deleted' }] })
        : refuse('recording_not_active');
  }
}
