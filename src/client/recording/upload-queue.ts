import type { ChunkReceipt, RecordingStopRequest, RecordingView } from '../../protocol/recording.js';
import { ApiError } from '../api/api-error.js';
import { Emitter } from '../lib/emitter.js';
import type { Timers } from '../lib/timers.js';
import type { ChunkStore, StoredChunk, StoredSegment } from './chunk-store.js';
import type { RecordedChunk } from './recorder.js';

/** The routes the queue uses (the ApiClient has them). */
export interface RecordingUploadApi {
  putRecordingChunk(
    recordingId: string,
    segment: number,
    seq: number,
    blob: Blob,
    sha256Hex: string,
    signal?: AbortSignal,
  ): Promise<ChunkReceipt>;
  stopRecording(recordingId: string, request: RecordingStopRequest): Promise<RecordingView>;
}

export const FIRST_RETRY_MS = 500;
export const MAX_RETRY_MS = 10_000;

/**
 * What a failed upload means. `retry`: it may go through later (network, 5xx, 429, a damaged chunk, a
 * lapsed session). `gone`: the server will never take this recording's chunks (the patient withdrew, it was
 * discarded or deleted): drop them quietly. `storage_full` / `too_large`: the server stopped the recording;
 * the doctor must be told. `refused`: any other refusal, which no retry can change: told, then dropped.
 */
export type UploadFailure = 'retry' | 'gone' | 'storage_full' | 'too_large' | 'refused';

export function classifyUploadFailure(error: unknown): UploadFailure {
  if (!(error instanceof ApiError)) return 'retry';
  const { status, code } = error;
  if (status === 0 || status === 401 || status === 403 || status === 422 || status === 429) return 'retry';
  if (status === 507 || code === 'storage_full') return 'storage_full';
  if (status === 413 || code === 'recording_too_large') return 'too_large';
  if (status === 404 || code === 'recording_not_active') return 'gone';
  if (status >= 500) return 'retry';
  return 'refused';
}

/** The wait before retry number `attempt` (0 first): 0.5 s doubling to 10 s, between half and all of it. */
export function retryDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The next segment to record into after a reload: past both what the server and this browser saw. */
export function nextSegmentNumber(serverSegments: number, local: readonly StoredSegment[]): number {
  return Math.max(serverSegments, ...local.map((s) => s.segment + 1));
}

export interface UploadError {
  /** `network_error`, `storage_full`, a status code's error code…: what the UI words it from. */
  code: string;
  /** Words for the doctor. */
  message: string;
  /** The server stopped taking this recording: no retry will follow. */
  fatal: boolean;
  recordingId: string;
}

/** What the UI shows of the uploads. */
export interface UploadState {
  /** Chunks recorded but not yet acknowledged by the server (in this browser's IndexedDB). */
  pendingChunks: number;
  pendingBytes: number;
  /** The last failure, cleared by the next acknowledged chunk (a fatal one stays). */
  error: UploadError | null;
}

export interface UploadQueueEvents {
  change: UploadState;
  acknowledged: ChunkReceipt & { recordingId: string };
  /** The recording's local chunks were dropped: the server will not take them (see `UploadFailure`). */
  dropped: { recordingId: string; reason: Exclude<UploadFailure, 'retry'>; chunks: number };
}

export interface UploadQueueOptions {
  api: RecordingUploadApi;
  store: ChunkStore;
  timers: Timers;
  random?: () => number;
  /** SHA-256 of a blob, lowercase hex; crypto.subtle unless a test gives another. */
  hash?: (blob: Blob) => Promise<string>;
}

export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const RETRY_WORDS: Record<string, string> = {
  network_error: 'The recording cannot reach the server. It is kept in this browser and sent when it can.',
  rate_limited: 'The server asked to slow down. The recording is kept here and sent again shortly.',
  chunk_checksum_mismatch: 'Part of the recording arrived damaged. It is being sent again.',
};
const RETRY_DEFAULT = 'Part of the recording could not be saved yet. It is kept here and sent again shortly.';
const FATAL_WORDS: Record<Exclude<UploadFailure, 'retry' | 'gone'>, string> = {
  storage_full: 'The server has no room left for recordings: recording stopped. What was saved is kept.',
  too_large: 'The recording reached its maximum size: recording stopped. What was saved is kept.',
  refused: 'The server refused the recording: recording stopped. What was saved is kept.',
};

const LOCAL_STORAGE_FAILED = {
  code: 'local_storage_failed',
  message:
    'This browser could not keep part of the recording (its storage may be full). It is being sent anyway: do not reload the page.',
  fatal: false,
};

interface Lane {
  chunks: StoredChunk[];
  running: boolean;
  controller: AbortController | null;
  /** Cuts a retry's wait short (cancel). */
  wake: (() => void) | null;
  cancelled: boolean;
  /** The doctor stopped: once everything is acknowledged the recording is forgotten here. */
  stopped: boolean;
  /** Chunks per segment handed over on this page (IndexedDB keeps the same, unless it failed). */
  counts: Map<number, number>;
}

/**
 * Uploads each recording's chunks in order, one at a time, from IndexedDB: a chunk is written there before
 * its first upload and deleted only after the server's receipt. Failures are retried with backoff for as
 * long as the page lives; a reload picks the leftovers up (`resumeFromStore`).
 */
export class UploadQueue {
  readonly events = new Emitter<UploadQueueEvents>();
  readonly #api: RecordingUploadApi;
  readonly #store: ChunkStore;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #hash: (blob: Blob) => Promise<string>;
  readonly #lanes = new Map<string, Lane>();
  /** Writes to the store, in the order the recorder handed chunks over. */
  #writes: Promise<void> = Promise.resolve();
  #writing = 0;
  #error: UploadError | null = null;
  #drains: Array<() => void> = [];
  #closed = false;

  constructor(options: UploadQueueOptions) {
    this.#api = options.api;
    this.#store = options.store;
    this.#timers = options.timers;
    this.#random = options.random ?? Math.random;
    this.#hash = options.hash ?? sha256Hex;
  }

  get state(): UploadState {
    let pendingChunks = 0;
    let pendingBytes = 0;
    for (const lane of this.#lanes.values()) {
      pendingChunks += lane.chunks.length;
      pendingBytes += lane.chunks.reduce((sum, c) => sum + c.bytes, 0);
    }
    return { pendingChunks, pendingBytes, error: this.#error };
  }

  /** Keeps a recorded chunk (hash, IndexedDB) and queues its upload; resolves once it is stored locally. */
  add(recordingId: string, chunk: RecordedChunk): Promise<void> {
    return this.#write(recordingId, async (lane) => {
      const sha256 = await this.#hash(chunk.blob);
      const stored: StoredChunk = { recordingId, ...chunk, sha256, bytes: chunk.blob.size };
      try {
        await this.#store.putChunk(stored);
      } catch {
        // Still uploaded from memory: only a reload before its receipt would lose it.
        this.#error = { ...LOCAL_STORAGE_FAILED, recordingId };
      }
      if (lane.cancelled) return;
      lane.counts.set(chunk.segment, Math.max(lane.counts.get(chunk.segment) ?? 0, chunk.seq + 1));
      lane.chunks.push(stored);
      this.#changed();
      this.#pump(recordingId, lane);
    });
  }

  /** Records that a segment ended with `chunks` chunks (after the chunks before it were stored). */
  closeSegment(recordingId: string, segment: number, chunks: number): Promise<void> {
    return this.#write(recordingId, async () => {
      if (chunks > 0) await this.#store.putSegment({ recordingId, segment, chunks, closed: true });
    });
  }

  /**
   * After a reload: queues the chunks a previous page left in IndexedDB and returns them with the segments
   * known here, so the caller can choose the next segment (`nextSegmentNumber`).
   */
  async resumeFromStore(recordingId: string): Promise<{ chunks: StoredChunk[]; segments: StoredSegment[] }> {
    const [chunks, segments] = await Promise.all([
      this.#store.chunks(recordingId),
      this.#store.segments(recordingId),
    ]);
    await this.#write(recordingId, async (lane) => {
      const queued = new Set(lane.chunks.map((c) => `${c.segment}/${c.seq}`));
      const leftovers = chunks.filter((c) => !queued.has(`${c.segment}/${c.seq}`));
      lane.chunks.unshift(...leftovers);
      this.#changed();
      this.#pump(recordingId, lane);
    });
    return { chunks, segments };
  }

  /**
   * Tells the server the recording stopped, with every segment's chunk count (those from before a reload
   * included); chunks still waiting keep uploading, then the recording is forgotten here. A recording the
   * server already stopped (the call ended) is not an error. Retries like an upload.
   */
  async stop(recordingId: string): Promise<RecordingStopRequest> {
    await this.#write(recordingId, async () => {});
    const lane = this.#lane(recordingId);
    const counts = new Map(lane.counts);
    for (const known of await this.#store.segments(recordingId).catch(() => [])) {
      counts.set(known.segment, Math.max(counts.get(known.segment) ?? 0, known.chunks));
    }
    const request: RecordingStopRequest = {
      segments: [...counts]
        .filter(([, chunks]) => chunks > 0)
        .sort(([a], [b]) => a - b)
        .map(([segment, chunks]) => ({ segment, chunks })),
    };
    for (let attempt = 0; !lane.cancelled && !this.#closed; attempt += 1) {
      try {
        await this.#api.stopRecording(recordingId, request);
        break;
      } catch (error) {
        const failure = classifyUploadFailure(error);
        if (failure !== 'retry') break;
        await this.#sleep(lane, retryDelay(attempt, this.#random));
      }
    }
    lane.stopped = true;
    await this.#forgetIfDone(recordingId, lane);
    return request;
  }

  /**
   * Withdrawal: the upload in flight is aborted, nothing more is sent, and the recording's chunks are
   * deleted from this browser.
   */
  async cancel(recordingId: string): Promise<void> {
    const lane = this.#lane(recordingId);
    lane.cancelled = true;
    lane.chunks = [];
    lane.controller?.abort();
    lane.wake?.();
    this.#changed();
    await this.#writes;
    await this.#store.deleteRecording(recordingId);
  }

  /** Resolves once every chunk handed over so far was acknowledged (or dropped). */
  drain(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#drains.push(resolve));
  }

  /** Stops all uploads (the page is going away); what is not acknowledged stays in IndexedDB. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const lane of this.#lanes.values()) {
      lane.controller?.abort();
      lane.wake?.();
    }
    this.events.clear();
  }

  #lane(recordingId: string): Lane {
    let lane = this.#lanes.get(recordingId);
    if (!lane) {
      lane = {
        chunks: [],
        running: false,
        controller: null,
        wake: null,
        cancelled: false,
        stopped: false,
        counts: new Map(),
      };
      this.#lanes.set(recordingId, lane);
    }
    return lane;
  }

  #write(recordingId: string, step: (lane: Lane) => Promise<void>): Promise<void> {
    const lane = this.#lane(recordingId);
    this.#writing += 1;
    const run = this.#writes.then(async () => {
      if (!lane.cancelled) await step(lane);
    });
    this.#writes = run
      .catch(() => {})
      .finally(() => {
        this.#writing -= 1;
        this.#settle();
      });
    return run;
  }

  #pump(recordingId: string, lane: Lane): void {
    if (lane.running || this.#closed) return;
    lane.running = true;
    void this.#run(recordingId, lane).finally(() => {
      lane.running = false;
      this.#settle();
    });
  }

  async #run(recordingId: string, lane: Lane): Promise<void> {
    for (;;) {
      const chunk = lane.chunks[0];
      if (!chunk || lane.cancelled || this.#closed) return;
      const outcome = await this.#upload(recordingId, lane, chunk);
      if (outcome === 'stop') return;
      lane.chunks.shift();
      await this.#store.deleteChunk(recordingId, chunk.segment, chunk.seq).catch(() => {
        // Left in IndexedDB, it is uploaded again after a reload: the server acknowledges a duplicate.
      });
      if (this.#error?.recordingId === recordingId && !this.#error.fatal) this.#error = null;
      this.#changed();
      await this.#forgetIfDone(recordingId, lane);
    }
  }

  async #upload(recordingId: string, lane: Lane, chunk: StoredChunk): Promise<'acknowledged' | 'stop'> {
    for (let attempt = 0; ; attempt += 1) {
      const controller = new AbortController();
      lane.controller = controller;
      try {
        const receipt = await this.#api.putRecordingChunk(
          recordingId,
          chunk.segment,
          chunk.seq,
          chunk.blob,
          chunk.sha256,
          controller.signal,
        );
        this.events.emit('acknowledged', { recordingId, ...receipt });
        return 'acknowledged';
      } catch (error) {
        if (lane.cancelled || this.#closed) return 'stop';
        const failure = classifyUploadFailure(error);
        if (failure !== 'retry') {
          await this.#drop(recordingId, lane, failure);
          return 'stop';
        }
        const code = error instanceof ApiError ? error.code : 'network_error';
        this.#error = { code, message: RETRY_WORDS[code] ?? RETRY_DEFAULT, fatal: false, recordingId };
        this.#changed();
        await this.#sleep(lane, retryDelay(attempt, this.#random));
        if (lane.cancelled || this.#closed) return 'stop';
      } finally {
        lane.controller = null;
      }
    }
  }

  async #drop(recordingId: string, lane: Lane, reason: Exclude<UploadFailure, 'retry'>): Promise<void> {
    const chunks = lane.chunks.length;
    lane.cancelled = true;
    lane.chunks = [];
    if (reason !== 'gone') {
      this.#error = { code: reason, message: FATAL_WORDS[reason], fatal: true, recordingId };
    }
    await this.#store.deleteRecording(recordingId).catch(() => {});
    this.#changed();
    this.events.emit('dropped', { recordingId, reason, chunks });
  }

  async #forgetIfDone(recordingId: string, lane: Lane): Promise<void> {
    if (lane.stopped && lane.chunks.length === 0 && !lane.cancelled) {
      await this.#store.deleteRecording(recordingId).catch(() => {});
    }
  }

  #sleep(lane: Lane, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.#timers.setTimeout(() => {
        lane.wake = null;
        resolve();
      }, ms);
      lane.wake = () => {
        this.#timers.clearTimeout(handle);
        lane.wake = null;
        resolve();
      };
    });
  }

  #idle(): boolean {
    if (this.#writing > 0) return false;
    for (const lane of this.#lanes.values()) {
      if (lane.chunks.length > 0 || lane.running) return false;
    }
    return true;
  }

  #settle(): void {
    if (!this.#idle()) return;
    const drains = this.#drains;
    this.#drains = [];
    for (const resolve of drains) resolve();
  }

  #changed(): void {
    this.events.emit('change', this.state);
  }
}
