import type { RecordingView } from '../../../protocol/recording.js';
import type { CallMedia } from '../../recording/layout.js';
import type { RecordingSession, RecordingSessionState } from '../../recording/recording-session.js';
import type { RecordingUploadApi } from '../../recording/upload-queue.js';
import type { CaptureSources } from './call-view-model.js';
import type { RecordingCapture } from './recording-controller.js';

/** Opens the doctor's recording engine (the browser's: a lazy chunk, so a patient's page never loads it). */
export type OpenSession = () => Promise<RecordingSession>;

/**
 * The doctor's capture as the call page drives it (recording-controller.ts), over the recording engine
 * (src/client/recording/): one session per recording, started after what a previous page left in this
 * browser, fed the call's media as they change, its problems reported in the doctor's words.
 */
export class SessionCapture implements RecordingCapture {
  readonly #open: OpenSession;
  readonly #api: Pick<RecordingUploadApi, 'stopRecording'>;
  readonly #report: (problem: string | null) => void;
  #media: CallMedia<MediaStream> = { remote: null, local: null, screen: null };
  /** The recording being captured and its session (opening); null before the first. */
  #current: { id: string; session: Promise<RecordingSession | null> } | null = null;
  #paused = false;

  constructor(options: {
    open: OpenSession;
    api: Pick<RecordingUploadApi, 'stopRecording'>;
    report: (problem: string | null) => void;
  }) {
    this.#open = options.open;
    this.#api = options.api;
    this.#report = options.report;
  }

  setSources(sources: CaptureSources): void {
    this.#media = { remote: sources.remote, local: sources.local, screen: sources.screen };
    void this.#current?.session.then((session) => session?.setSources(this.#media));
  }

  capture(view: RecordingView): void {
    if (this.#current?.id === view.id) {
      if (this.#paused) {
        this.#paused = false;
        void this.#current.session.then((session) => session?.resume());
      }
      return;
    }
    this.#current?.session.then((session) => session?.close());
    this.#paused = false;
    this.#current = { id: view.id, session: this.#start(view) };
  }

  pause(): void {
    if (!this.#current || this.#paused) return;
    this.#paused = true;
    void this.#current.session.then((session) => session?.pause());
  }

  async finish(recordingId: string): Promise<void> {
    const session = this.#current?.id === recordingId ? await this.#current.session : null;
    if (session && session.state.phase !== 'idle') {
      await session.stop();
      return;
    }
    // Nothing captured on this page (the patient had not answered yet): the ask is simply stopped.
    await this.#api.stopRecording(recordingId, { segments: [] });
  }

  async flush(recordingId: string): Promise<void> {
    const session = this.#current?.id === recordingId ? await this.#current.session : null;
    await session?.stop();
  }

  abandon(recordingId: string): void {
    if (this.#current?.id !== recordingId) return;
    void this.#current.session.then((session) => session?.abort());
  }

  async settle(ms: number): Promise<void> {
    const session = await this.#current?.session;
    if (!session) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      session.drain(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }

  close(): void {
    void this.#current?.session.then((session) => session?.close());
  }

  async #start(view: RecordingView): Promise<RecordingSession | null> {
    try {
      const session = await this.#open();
      session.events.on('change', (state) => this.#report(problemOf(state)));
      const next = await session.recover(view.id, view.segments);
      session.start(view.id, this.#media, next);
      if (this.#paused) session.pause();
      return session;
    } catch (error) {
      this.#report(
        `This browser cannot record the call: ${error instanceof Error ? error.message : String(error)}`,
      );
      return null;
    }
  }
}

function problemOf(state: RecordingSessionState): string | null {
  return state.error ? state.error.message : null;
}
