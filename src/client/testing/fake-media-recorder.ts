import type {
  MediaRecorderFactory,
  MediaRecorderHandlers,
  MediaRecorderLike,
} from '../recording/recorder.js';

/** A MediaRecorder that hands over what the test tells it to, as the browser's does (stop is async). */
export class FakeMediaRecorder implements MediaRecorderLike {
  state: 'inactive' | 'recording' | 'paused' = 'inactive';
  timeslice: number | undefined;
  /** What the browser still buffers: handed over by stop() before its stop event. */
  pendingOnStop: string | null = null;
  readonly options: MediaRecorderOptions;
  readonly #handlers: MediaRecorderHandlers;

  constructor(options: MediaRecorderOptions, handlers: MediaRecorderHandlers) {
    this.options = options;
    this.#handlers = handlers;
  }

  start(timeslice?: number): void {
    if (this.state !== 'inactive') throw new Error('InvalidStateError: already started');
    this.timeslice = timeslice;
    this.state = 'recording';
  }

  pause(): void {
    if (this.state === 'recording') this.state = 'paused';
  }

  resume(): void {
    if (this.state === 'paused') this.state = 'recording';
  }

  stop(): void {
    if (this.state === 'inactive') return;
    this.state = 'inactive';
    const last = this.pendingOnStop;
    this.pendingOnStop = null;
    queueMicrotask(() => {
      if (last !== null) this.#handlers.data(new Blob([last]));
      this.#handlers.stop();
    });
  }

  /** A timeslice elapsed: the browser hands over `text` as data (an empty string is an empty Blob). */
  emit(text: string): void {
    this.#handlers.data(new Blob([text]));
  }

  /** The browser's recorder failed: an error, then (as browsers do) it stops. */
  fail(error: unknown = new Error('encoder failed')): void {
    this.#handlers.error(error);
    this.stop();
  }
}

/** Makes FakeMediaRecorders and remembers them; supports the types in `supported`. */
export class FakeMediaRecorderFactory implements MediaRecorderFactory {
  readonly made: FakeMediaRecorder[] = [];
  readonly supported: Set<string>;
  /** When set, `create` throws it (a browser that cannot record this stream). */
  createError: unknown = null;

  constructor(supported: readonly string[] = ['video/webm;codecs=vp8,opus', 'video/webm']) {
    this.supported = new Set(supported);
  }

  get current(): FakeMediaRecorder {
    const recorder = this.made.at(-1);
    if (!recorder) throw new Error('no MediaRecorder was made');
    return recorder;
  }

  isTypeSupported(type: string): boolean {
    return this.supported.has(type);
  }

  create(
    _stream: MediaStream,
    options: MediaRecorderOptions,
    handlers: MediaRecorderHandlers,
  ): FakeMediaRecorder {
    if (this.createError !== null) throw this.createError;
    const recorder = new FakeMediaRecorder(options, handlers);
    this.made.push(recorder);
    return recorder;
  }
}
