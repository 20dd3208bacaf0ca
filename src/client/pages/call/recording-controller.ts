import type { PartyRole } from '../../../protocol/call-status.js';
import type { RecordingView } from '../../../protocol/recording.js';
import { errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { type RecordingPanel, recordingPanel } from './recording-words.js';

/**
 * The doctor's capture, as the call page drives it from the server's view of the recording: the engine
 * (src/client/recording/) composes, records and uploads.
 */
export interface RecordingCapture {
  /** Capture for this recording: starts it (the next segment after what the server has) or resumes it. */
  capture(view: RecordingView): void;
  /** Holds capture while the patient is asked again. */
  pause(): void;
  /** The doctor's stop: the recorder's last chunk, every segment declared to the server, uploads go on. */
  finish(recordingId: string): Promise<void>;
  /**
   * The server stopped it (the call ended, storage): what this page captured is finished as above; a page
   * that captured nothing of it does nothing.
   */
  flush(recordingId: string): Promise<void>;
  /** Withdrawn, declined or discarded: capture stops at once and nothing more is sent. */
  abandon(recordingId: string): void;
  /** Resolves when every chunk kept in this browser was stored by the server, or after `ms`. */
  settle(ms: number): Promise<void>;
  close(): void;
}

export interface RecordingControllerDeps {
  api: Pick<ApiClient, 'askRecording' | 'answerRecording' | 'withdrawRecording'>;
  role: PartyRole;
  allowed: boolean;
  otherName: string;
  now: () => number;
  /** The doctor's capture; null on the patient's page. */
  capture: RecordingCapture | null;
  onChange: (panel: RecordingPanel | null) => void;
}

/**
 * The call's recording on one party's page (S29): the server's view (from `joined` and `recording`
 * messages), the doctor's Start and Stop, the patient's answers and withdrawal, and the capture the
 * doctor's page runs while the state says so. The clock counts recorded time from the view's `elapsedMs`
 * plus the time since it arrived while recording, so a reload or a reconnect shows the same time.
 */
export class RecordingController {
  readonly #deps: RecordingControllerDeps;
  #view: RecordingView | null = null;
  #receivedAt = 0;
  #inCall = false;
  #busy = false;
  #problem: string | null = null;
  /** The recording whose capture this page finished or abandoned: it is not restarted. */
  readonly #done = new Set<string>();

  constructor(deps: RecordingControllerDeps) {
    this.#deps = deps;
  }

  get view(): RecordingView | null {
    return this.#view;
  }

  /** The server's view (null: the call has none open); the doctor's capture follows it. */
  apply(view: RecordingView | null): void {
    // An older view of the same recording (a replay racing an answer) does not undo a newer one.
    if (view && this.#view && view.id === this.#view.id && view.elapsedMs < this.#view.elapsedMs) {
      if (view.state === this.#view.state) return;
    }
    this.#view = view;
    this.#receivedAt = this.#deps.now();
    if (view?.state === 'recording' || view?.state === 'paused') this.#problem = null;
    this.#follow(view);
    this.#render();
  }

  /** The call is joined with the other party there (the doctor's Start shows). */
  setInCall(inCall: boolean): void {
    if (inCall === this.#inCall) return;
    this.#inCall = inCall;
    this.#render();
  }

  /** An upload or capture problem the doctor must see. */
  report(problem: string | null): void {
    this.#problem = problem;
    this.#render();
  }

  /** The indicator's clock moves once a second. */
  tick(): void {
    if (this.#view?.state === 'recording') this.#render();
  }

  /** The doctor's one button: asks when there is no open recording, else stops it. */
  async toggle(): Promise<void> {
    if (this.#deps.role !== 'doctor' || this.#busy) return;
    const view = this.#view;
    const open = view && (view.state === 'asking' || view.state === 'recording' || view.state === 'paused');
    if (open && view) {
      await this.#run(async () => {
        await this.#deps.capture?.finish(view.id);
        this.#done.add(view.id);
      });
      return;
    }
    const appointmentId = this.#appointmentId;
    if (!appointmentId) return;
    await this.#run(async () => this.apply(await this.#deps.api.askRecording(appointmentId)));
  }

  async answer(answer: 'allow' | 'decline'): Promise<void> {
    const view = this.#view;
    if (this.#deps.role !== 'patient' || !view || this.#busy) return;
    await this.#run(async () => this.apply(await this.#deps.api.answerRecording(view.id, answer)));
  }

  /** The patient's Stop recording: their consent is withdrawn and capture stops at once. */
  async withdraw(): Promise<void> {
    const view = this.#view;
    if (this.#deps.role !== 'patient' || !view || this.#busy) return;
    await this.#run(async () => this.apply(await this.#deps.api.withdrawRecording(view.id)));
  }

  /** Before the page goes: the doctor's last chunks get a few seconds to reach the server. */
  async settle(ms: number): Promise<void> {
    await this.#deps.capture?.settle(ms);
  }

  close(): void {
    this.#deps.capture?.close();
  }

  /** The appointment the page is for (set by the page before the first view). */
  #appointmentId: string | null = null;
  setAppointment(id: string): void {
    this.#appointmentId = id;
  }

  #follow(view: RecordingView | null): void {
    const capture = this.#deps.capture;
    if (!capture || !view || this.#done.has(view.id)) return;
    switch (view.state) {
      case 'recording':
        capture.capture(view);
        return;
      case 'paused':
        capture.pause();
        return;
      case 'stopped':
        if (view.stopReason === 'withdrawn' || view.stopReason === 'declined') {
          this.#done.add(view.id);
          capture.abandon(view.id);
        } else {
          this.#done.add(view.id);
          void capture.flush(view.id).catch((error: unknown) => this.report(errorMessage(error)));
        }
        return;
      case 'declined':
      case 'discarded':
      case 'deleted':
        this.#done.add(view.id);
        capture.abandon(view.id);
        return;
      default:
        return;
    }
  }

  async #run(action: () => Promise<void>): Promise<void> {
    this.#busy = true;
    this.#problem = null;
    this.#render();
    try {
      await action();
    } catch (error) {
      this.#problem = errorMessage(error);
    } finally {
      this.#busy = false;
      this.#render();
    }
  }

  #elapsedMs(): number {
    const view = this.#view;
    if (!view) return 0;
    const running = view.state === 'recording' ? Math.max(0, this.#deps.now() - this.#receivedAt) : 0;
    return view.elapsedMs + running;
  }

  #render(): void {
    const { role, allowed, otherName } = this.#deps;
    const panel = recordingPanel(this.#view, {
      role,
      allowed,
      otherName,
      inCall: this.#inCall,
      busy: this.#busy,
      problem: this.#problem,
      elapsedMs: this.#elapsedMs(),
    });
    const visible =
      panel.control !== null ||
      panel.indicator !== null ||
      panel.question !== null ||
      panel.notice !== null ||
      panel.announcement !== '';
    this.#deps.onChange(visible ? panel : null);
  }
}
