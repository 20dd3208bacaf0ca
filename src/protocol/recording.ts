/**
 * Recording with consent (docs/recordings.md, protocol S29): the states a call's recording goes through,
 * what both parties' pages see of it, and the HTTP shapes of its routes. Shared by server and browser.
 *
 * One recording per request: the doctor asks (`asking`), the patient allows (`recording`) or declines
 * (`declined`, nothing is ever captured). While recording, a patient whose consent lapses (they left the
 * room, or joined it afresh) is asked again and capture pauses (`paused`). The doctor's Stop, the patient's
 * withdrawal, the call's end or a storage failure stop it (`stopped`); once every declared chunk is stored
 * the server seals it (`finished`). A withdrawal under a "discard" policy destroys what was kept
 * (`discarded`); the retention sweep later deletes a finished one (`deleted`).
 */

export const RECORDING_STATES = [
  'asking',
  'recording',
  'paused',
  'declined',
  'stopped',
  'finished',
  'discarded',
  'deleted',
] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];

/** States in which the doctor's browser captures (recording) or holds capture (paused). */
export const CAPTURING_STATES: readonly RecordingState[] = ['recording', 'paused'];
/** States in which the call still has this recording open: no second one may be asked for. */
export const OPEN_STATES: readonly RecordingState[] = ['asking', 'recording', 'paused'];

export const RECORDING_STOP_REASONS = [
  'doctor',
  'withdrawn',
  'declined',
  'call_ended',
  'too_large',
  'storage_full',
] as const;
export type RecordingStopReason = (typeof RECORDING_STOP_REASONS)[number];

/** What happens to what was recorded when the patient withdraws consent (the hospital's policy). */
export type WithdrawalRule = 'keep' | 'discard';

/** What the patient is told before they answer; fixed when the doctor asks. */
export interface RecordingTerms {
  /** Days a finished recording is kept before it is deleted. */
  retentionDays: number;
  /** The patient may watch and download it afterwards. */
  patientMaySee: boolean;
  /** On withdrawal, what was already recorded is kept or discarded. */
  onWithdraw: WithdrawalRule;
}

/**
 * A recording as both pages of the call see it: in `joined` (S29), in `recording` room messages and in
 * the answers of the recording routes.
 */
export interface RecordingView {
  id: string;
  appointmentId: string;
  callSessionId: string;
  state: RecordingState;
  stopReason: RecordingStopReason | null;
  /** The patient's answer for their current presence in the call (null: not asked yet or lapsed). */
  patientConsent: 'allowed' | 'declined' | 'withdrawn' | null;
  terms: RecordingTerms;
  requestedAt: number;
  /** First time capture began (null until the patient allowed). */
  startedAt: number | null;
  stoppedAt: number | null;
  /** Recorded time so far, excluding pauses, as of the moment this view was made. */
  elapsedMs: number;
  /** Segments the server has seen chunks of (the doctor's browser starts the next one after a restart). */
  segments: number;
}

/** One playable file of a finished recording (a recorder restart starts a new segment). */
export interface RecordingSegmentView {
  segment: number;
  bytes: number;
  durationMs: number;
  sha256: string;
  /** Streams the WebM (range requests); add nothing to it: access is checked on every request. */
  url: string;
  /** The same file as an attachment. */
  downloadUrl: string;
}

/** A consent or recording event, as listed on the appointment. */
export interface RecordingEventView {
  id: string;
  recordingId: string;
  at: number;
  /** null: the server did it (the call ended, retention). */
  actor: { userId: string; displayName: string; role: 'doctor' | 'patient' | 'admin' } | null;
  kind:
    | 'requested'
    | 'consented'
    | 'declined'
    | 'consent_lapsed'
    | 'withdrawn'
    | 'started'
    | 'paused'
    | 'resumed'
    | 'stopped'
    | 'finished'
    | 'discarded'
    | 'deleted'
    | 'failed';
  /** A short, fixed reason where the kind needs one (a stop's reason); never free text. */
  detail: string | null;
}

/** GET /api/appointments/:id/recordings. */
export interface AppointmentRecordings {
  /** The viewer may play and download (the doctor, the hospital's admins, the patient if policy allows). */
  canPlay: boolean;
  recordings: Array<{
    recording: RecordingView;
    /** Empty unless finished and `canPlay`. */
    files: RecordingSegmentView[];
    /** When the retention sweep deletes it (finished ones). */
    expiresAt: number | null;
  }>;
  events: RecordingEventView[];
}

/** POST /api/recordings/:recordingId/consent. */
export interface ConsentAnswer {
  answer: 'allow' | 'decline';
}

/** POST /api/recordings/:recordingId/stop: the doctor's browser says how many chunks each segment has. */
export interface RecordingStopRequest {
  segments: Array<{ segment: number; chunks: number }>;
}

/** PUT /api/recordings/:recordingId/segments/:segment/chunks/:seq answers this once the chunk is durable. */
export interface ChunkReceipt {
  segment: number;
  seq: number;
  /** False when this chunk was already stored (a retry): nothing changed. */
  stored: boolean;
  /** Bytes of this recording stored so far. */
  recordingBytes: number;
}

/** The header carrying a chunk's SHA-256 (lowercase hex) on upload. */
export const CHUNK_SHA256_HEADER = 'x-chunk-sha256';
/** The largest chunk the server takes (a few seconds of 720p is well under 2 MiB). */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
/** How often the doctor's recorder hands over a chunk. */
export const CHUNK_INTERVAL_MS = 2_000;
