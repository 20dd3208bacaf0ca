/**
 * The doctor's side of a recording (docs/recordings.md): compose the call, record it, keep every chunk in
 * IndexedDB and upload it in order. One object per page; the call page drives it from the recording's
 * state (the `recording` room messages) and renders its `state`.
 *
 * ```ts
 * const session = await openBrowserRecordingSession({ api, timers: platform.timers }); // browser-media.ts
 * const off = session.events.on('change', (state) => viewModel.showRecording(state));
 * // The patient allowed (view.state === 'recording'), or the page reloaded during a recording:
 * const next = await session.recover(view.id, view.segments); // uploads what a previous page left
 * session.start(view.id, { remote: remoteStream, local: localStream, screen: null }, next);
 * session.setSources({ remote, local, screen: shareStream }); // whenever the call's media change
 * session.pause();  // view.state === 'paused' (consent lapsed)
 * session.resume(); // back to 'recording'
 * await session.stop();  // the doctor's Stop: declares the segments; uploading goes on (state.pendingChunks)
 * await session.abort(); // the patient withdrew: capture and uploads stop at once, local chunks deleted
 * session.close();       // leaving the page; unacknowledged chunks stay for the next page load
 * ```
 */
import { Emitter } from '../lib/emitter.js';
import type { Timers } from '../lib/timers.js';
import type { ChunkStore } from './chunk-store.js';
import type { CallMedia } from './layout.js';
import { type MediaRecorderFactory, Recorder } from './recorder.js';
import {
  nextSegmentNumber,
  type RecordingUploadApi,
  type UploadError,
  UploadQueue,
  type UploadQueueEvents,
} from './upload-queue.js';

/** What the session needs of the composer (composer.ts's `Composer`). */
export interface ComposerLike {
  readonly stream: MediaStream;
  setMedia(media: CallMedia<MediaStream>): void;
  close(): void;
}

export interface RecordingSessionDeps {
  api: RecordingUploadApi;
  store: ChunkStore;
  timers: Timers;
  recorders: MediaRecorderFactory;
  createComposer(): ComposerLike;
  random?: () => number;
  hash?: (blob: Blob) => Promise<string>;
}

/**
 * `idle` (nothing yet), `capturing`, `paused` (consent lapsed), `stopped` (the doctor's Stop; uploads may
 * still be pending), `aborted` (withdrawn, or the server no longer takes it), `failed` (capture or the
 * server gave up: see `error`).
 */
export type RecordingPhase = 'idle' | 'capturing' | 'paused' | 'stopped' | 'aborted' | 'failed';

export interface RecordingSessionState {
  phase: RecordingPhase;
  recordingId: string | null;
  /** The segment being recorded. */
  segment: number | null;
  /** Chunks (and bytes) recorded but not yet acknowledged by the server. */
  pendingChunks: number;
  pendingBytes: number;
  /** The last problem, in words for the doctor; `fatal` when the recording stopped because of it. */
  error: Pick<UploadError, 'code' | 'message' | 'fatal'> | null;
}

export interface RecordingSessionEvents {
  change: RecordingSessionState;
  /** The server will not take this recording's chunks any more; they were deleted here. */
  dropped: UploadQueueEvents['dropped'];
}

const RECORDER_FAILED = {
  code: 'recorder_failed',
  message: 'This browser stopped recording the call. What was recorded so far is being saved.',
  fatal: true,
};
const CHUNK_LOST = {
  code: 'chunk_lost',
  message: 'Part of the recording could not be kept in this browser and is missing from it.',
  fatal: false,
};
const RECORDER_RESTARTED = {
  code: 'recorder_restarted',
  message: 'The recording had a hiccup and went on in a new part.',
  fatal: false,
};

/** One doctor's recording engine: composer, recorder and upload queue together. */
export class RecordingSession {
  readonly events = new Emitter<RecordingSessionEvents>();
  readonly #deps: RecordingSessionDeps;
  readonly #queue: UploadQueue;
  #composer: ComposerLike | null = null;
  #recorder: Recorder | null = null;
  #recordingId: string | null = null;
  #phase: RecordingPhase = 'idle';
  #ownError: RecordingSessionState['error'] = null;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(deps: RecordingSessionDeps) {
    this.#deps = deps;
    this.#queue = new UploadQueue({
      api: deps.api,
      store: deps.store,
      timers: deps.timers,
      ...(deps.random ? { random: deps.random } : {}),
      ...(deps.hash ? { hash: deps.hash } : {}),
    });
    this.#unsubscribe.push(
      this.#queue.events.on('change', () => this.#changed()),
      this.#queue.events.on('dropped', (dropped) => this.#dropped(dropped)),
    );
  }

  get state(): RecordingSessionState {
    const uploads = this.#queue.state;
    const uploadError = uploads.error;
    return {
      phase: this.#phase,
      recordingId: this.#recordingId,
      segment: this.#recorder && this.#phase !== 'idle' ? this.#recorder.segment : null,
      pendingChunks: uploads.pendingChunks,
      pendingBytes: uploads.pendingBytes,
      error: uploadError?.fatal
        ? pick(uploadError)
        : (this.#ownError ?? (uploadError ? pick(uploadError) : null)),
    };
  }

  /**
   * Queues what a previous page left of this recording in IndexedDB and returns the segment to start:
   * past both the server's `segments` (the recording's view) and the highest one kept here.
   */
  async recover(recordingId: string, serverSegments: number): Promise<number> {
    const { segments } = await this.#queue.resumeFromStore(recordingId);
    return nextSegmentNumber(serverSegments, segments);
  }

  /** Starts capture into `firstSegment` (0 for a new recording; `recover`'s answer after a reload). */
  start(recordingId: string, media: CallMedia<MediaStream>, firstSegment: number): void {
    if (this.#phase !== 'idle') throw new Error(`A recording session starts once (it is ${this.#phase}).`);
    this.#recordingId = recordingId;
    const composer = this.#deps.createComposer();
    this.#composer = composer;
    composer.setMedia(media);
    const recorder = new Recorder({ factory: this.#deps.recorders, stream: composer.stream, firstSegment });
    this.#recorder = recorder;
    recorder.events.on('chunk', (chunk) => {
      if (this.#ownError && !this.#ownError.fatal) this.#ownError = null;
      this.#queue.add(recordingId, chunk).catch(() => {
        // The chunk could not even be hashed (no crypto.subtle outside a secure page): it is lost.
        this.#ownError = CHUNK_LOST;
        this.#changed();
      });
    });
    recorder.events.on('segment-end', ({ segment, chunks }) => {
      this.#queue.closeSegment(recordingId, segment, chunks).catch(() => {
        // Only informative: the stop request counts the chunks kept, not this mark.
      });
    });
    recorder.events.on('error', ({ nextSegment }) => {
      if (nextSegment === null) {
        this.#ownError = RECORDER_FAILED;
        this.#phase = 'failed';
        this.#composer?.close();
        void this.#queue.stop(recordingId);
      } else {
        this.#ownError = RECORDER_RESTARTED;
      }
      this.#changed();
    });
    this.#phase = 'capturing';
    recorder.start();
    this.#changed();
  }

  /** The call's media changed (a camera turned on, a screen share began or ended, the patient rejoined). */
  setSources(media: CallMedia<MediaStream>): void {
    this.#composer?.setMedia(media);
  }

  /** The patient's consent lapsed: capture holds, in the same segment. */
  pause(): void {
    if (this.#phase !== 'capturing') return;
    this.#recorder?.pause();
    this.#phase = 'paused';
    this.#changed();
  }

  resume(): void {
    if (this.#phase !== 'paused') return;
    this.#recorder?.resume();
    this.#phase = 'capturing';
    this.#changed();
  }

  /**
   * The doctor's Stop (or the call ended): the last chunk is recorded, the segments are declared to the
   * server, and the remaining chunks keep uploading (watch `pendingChunks`; `drain()` waits for them).
   */
  async stop(): Promise<void> {
    if (this.#phase !== 'capturing' && this.#phase !== 'paused') return;
    const recordingId = this.#recordingId as string;
    this.#phase = 'stopped';
    this.#changed();
    await this.#recorder?.stop();
    this.#composer?.close();
    await this.#queue.stop(recordingId);
    this.#changed();
  }

  /**
   * The patient withdrew: capture stops at once, the upload in flight is aborted, nothing more is sent and
   * this browser's copy is deleted.
   */
  async abort(): Promise<void> {
    if (this.#phase === 'aborted') return;
    this.#phase = 'aborted';
    this.#recorder?.discard();
    this.#composer?.close();
    this.#changed();
    if (this.#recordingId) await this.#queue.cancel(this.#recordingId);
    this.#changed();
  }

  /** Resolves once every recorded chunk was acknowledged (or dropped). */
  drain(): Promise<void> {
    return this.#queue.drain();
  }

  /** Leaving the page: capture ends, uploads stop; unacknowledged chunks stay for the next page load. */
  close(): void {
    this.#recorder?.discard();
    this.#composer?.close();
    this.#queue.close();
    for (const off of this.#unsubscribe.splice(0)) off();
    this.events.clear();
  }

  #dropped(dropped: UploadQueueEvents['dropped']): void {
    if (
      dropped.recordingId === this.#recordingId &&
      (this.#phase === 'capturing' || this.#phase === 'paused')
    ) {
      this.#recorder?.discard();
      this.#composer?.close();
      this.#phase = dropped.reason === 'gone' ? 'aborted' : 'failed';
    }
    this.events.emit('dropped', dropped);
    this.#changed();
  }

  #changed(): void {
    this.events.emit('change', this.state);
  }
}

function pick(error: UploadError): RecordingSessionState['error'] {
  return { code: error.code, message: error.message, fatal: error.fatal };
}
