import { CHUNK_INTERVAL_MS } from '../../protocol/recording.js';
import { Emitter } from '../lib/emitter.js';

/**
 * Preferred first. VP9 first: in bench/recording-cost.ts (Debian Chromium, 720p call, software only) the
 * browser used less CPU recording VP9 than VP8 in every run (median 1244 against 1367 CPU-ms/s) and the
 * composer kept more frames, at a lower bit rate (docs/benchmarks.md, "Recording cost"). VP8 next, then
 * whatever WebM the browser makes.
 */
export const MIME_TYPES = ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm'] as const;
export const VIDEO_BITS_PER_SECOND = 2_500_000;
export const AUDIO_BITS_PER_SECOND = 64_000;
/** Recorder errors in a row (no chunk between them) after which capture gives up instead of restarting. */
export const MAX_RESTARTS = 3;

/** The part of MediaRecorder the recorder uses; the browser's satisfies it. */
export interface MediaRecorderLike {
  readonly state: 'inactive' | 'recording' | 'paused';
  start(timeslice?: number): void;
  stop(): void;
  pause(): void;
  resume(): void;
}

/** What a MediaRecorder reports, handed to it when it is made. */
export interface MediaRecorderHandlers {
  data(blob: Blob): void;
  stop(): void;
  error(error: unknown): void;
}

export interface MediaRecorderFactory {
  isTypeSupported(type: string): boolean;
  create(
    stream: MediaStream,
    options: MediaRecorderOptions,
    handlers: MediaRecorderHandlers,
  ): MediaRecorderLike;
}

/** The first supported type of `MIME_TYPES`, or null (the browser picks its own). */
export function chooseMimeType(isTypeSupported: (type: string) => boolean): string | null {
  return MIME_TYPES.find((type) => isTypeSupported(type)) ?? null;
}

/** A piece of the recording: the `seq`th of its segment, numbered from 0. */
export interface RecordedChunk {
  segment: number;
  seq: number;
  blob: Blob;
}

export interface RecorderEvents {
  chunk: RecordedChunk;
  /** A segment ended (stop, or an error that moved capture to the next segment). */
  'segment-end': { segment: number; chunks: number };
  /** The recorder failed; capture went on in `nextSegment`, or stopped for good when that is null. */
  error: { segment: number; nextSegment: number | null; error: unknown };
}

export type RecorderState = 'idle' | 'recording' | 'paused' | 'stopped';

interface Run {
  segment: number;
  chunks: number;
  media: MediaRecorderLike;
  /** Resolves on the MediaRecorder's stop event, which comes after its last dataavailable. */
  ended: Promise<void>;
  /** Once discarded, what the MediaRecorder still hands over is dropped. */
  discarded: boolean;
}

/**
 * MediaRecorder over the composer's stream: a chunk every ~2 s, numbered (segment, seq). A pause keeps the
 * segment; a recorder error closes it and capture goes on in the next one.
 */
export class Recorder {
  readonly events = new Emitter<RecorderEvents>();
  readonly mimeType: string | null;
  readonly #factory: MediaRecorderFactory;
  readonly #stream: MediaStream;
  readonly #timesliceMs: number;
  #run: Run | null = null;
  #nextSegment: number;
  #state: RecorderState = 'idle';
  #failuresInARow = 0;

  constructor(options: {
    factory: MediaRecorderFactory;
    stream: MediaStream;
    /** The first segment's number (after a reload: the next one the server has not seen). */
    firstSegment: number;
    timesliceMs?: number;
  }) {
    this.#factory = options.factory;
    this.#stream = options.stream;
    this.#nextSegment = options.firstSegment;
    this.#timesliceMs = options.timesliceMs ?? CHUNK_INTERVAL_MS;
    this.mimeType = chooseMimeType((type) => this.#factory.isTypeSupported(type));
  }

  get state(): RecorderState {
    return this.#state;
  }

  /** The segment being recorded (or the next one, before start). */
  get segment(): number {
    return this.#run?.segment ?? this.#nextSegment;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'recording';
    this.#begin();
  }

  /** Holds capture in the same segment (the patient's consent lapsed). */
  pause(): void {
    if (this.#state !== 'recording') return;
    this.#state = 'paused';
    if (this.#run?.media.state === 'recording') this.#run.media.pause();
  }

  resume(): void {
    if (this.#state !== 'paused') return;
    this.#state = 'recording';
    if (this.#run?.media.state === 'paused') this.#run.media.resume();
  }

  /** Stops capture; resolves once the last chunk was handed over. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'idle') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    const run = this.#run;
    if (!run) return;
    if (run.media.state !== 'inactive') run.media.stop();
    await run.ended;
  }

  /** Stops capture at once; nothing more is handed over (the patient withdrew). */
  discard(): void {
    this.#state = 'stopped';
    const run = this.#run;
    if (!run) return;
    run.discarded = true;
    if (run.media.state !== 'inactive') {
      try {
        run.media.stop();
      } catch {
        // Already failing: nothing of it is wanted anyway.
      }
    }
  }

  #begin(): void {
    const segment = this.#nextSegment;
    this.#nextSegment += 1;
    let markEnded = () => {};
    const run: Run = {
      segment,
      chunks: 0,
      media: null as unknown as MediaRecorderLike,
      ended: new Promise<void>((resolve) => {
        markEnded = resolve;
      }),
      discarded: false,
    };
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (!run.discarded) this.events.emit('segment-end', { segment, chunks: run.chunks });
      markEnded();
    };
    const options: MediaRecorderOptions = {
      videoBitsPerSecond: VIDEO_BITS_PER_SECOND,
      audioBitsPerSecond: AUDIO_BITS_PER_SECOND,
    };
    if (this.mimeType) options.mimeType = this.mimeType;
    try {
      run.media = this.#factory.create(this.#stream, options, {
        data: (blob) => {
          if (run.discarded || blob.size === 0) return;
          this.#failuresInARow = 0;
          const seq = run.chunks;
          run.chunks += 1;
          this.events.emit('chunk', { segment, seq, blob });
        },
        stop: end,
        error: (error) => this.#failed(run, error, end),
      });
      this.#run = run;
      run.media.start(this.#timesliceMs);
      if (this.#state === 'paused') run.media.pause();
    } catch (error) {
      this.#run = run;
      this.#failed(run, error, end);
    }
  }

  #failed(run: Run, error: unknown, end: () => void): void {
    if (this.#run !== run) return;
    this.#failuresInARow += 1;
    const giveUp = this.#state === 'stopped' || this.#failuresInARow > MAX_RESTARTS;
    // A failed MediaRecorder normally hands over its last data, then fires stop (which ends the segment);
    // one that is not inactive yet is told to stop, and one that never started ends its segment here.
    if (!run.media || run.media.state === 'inactive') end();
    else {
      try {
        run.media.stop();
      } catch {
        end();
      }
    }
    if (giveUp) {
      this.#state = 'stopped';
      this.events.emit('error', { segment: run.segment, nextSegment: null, error });
      return;
    }
    this.events.emit('error', { segment: run.segment, nextSegment: this.#nextSegment, error });
    this.#begin();
  }
}
