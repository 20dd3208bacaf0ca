import type { CallContext, IceServerView } from '../../../protocol/api.js';
import { isCallActive } from '../../../protocol/call-status.js';
import type { ServerMessage, WaitingRoomView } from '../../../protocol/messages.js';
import { ApiError } from '../../api/api-error.js';
import { formatClock, formatTime } from '../../lib/format.js';
import type { Platform } from '../../platform/platform.js';
import type { ReconnectingSocket } from '../../ws/reconnecting-socket.js';
import type { WaitingRoomState } from './call-page-types.js';
import { checkInOpensWords } from './call-words.js';

/** A refused check-in (clock skew against the server) is tried again after this long. */
export const CHECK_IN_RETRY_MS = 30_000;

export interface WaitingRoomOptions {
  appointmentId: string;
  /** When check-in opens, and the waiting room as the call context found it. */
  context: Pick<CallContext, 'checkInOpensAt' | 'lobby'>;
  socket: Pick<ReconnectingSocket, 'retain' | 'events'>;
  platform: Pick<Platform, 'now' | 'timers'>;
  /** What the waiting room shows changed. */
  onChange: (state: WaitingRoomState) => void;
  /** The doctor started the call: this browser's call cookie, and the ICE servers that come with it. */
  grant: () => Promise<IceServerView[]>;
  /** In with a call cookie: the page leaves the waiting room for the call. */
  onAdmitted: (iceServers: IceServerView[]) => void;
  onFailed: (error: unknown) => void;
}

/**
 * The patient's waiting room (S20), from `start` until `close`: checks in when check-in opens (again after
 * a refusal), shows how long the patient has waited, and gets the patient in when the doctor starts.
 */
export class WaitingRoomController {
  readonly #options: WaitingRoomOptions;
  #view: WaitingRoomView;
  #shown: WaitingRoomState | null = null;
  #open = false;
  #joining = false;
  #checkInTimer: unknown = null;
  /** Set while checked in: stops re-sending the check-in after reconnects. */
  #releaseCheckIn: (() => void) | null = null;
  #stopListening: (() => void) | null = null;

  constructor(options: WaitingRoomOptions) {
    this.#options = options;
    this.#view = options.context.lobby;
  }

  start(): void {
    const { context, socket, platform } = this.#options;
    this.#open = true;
    this.#stopListening = socket.events.on('message', (message) => this.#onMessage(message));
    const wait = context.checkInOpensAt - platform.now();
    if (wait <= 0) this.#checkIn();
    else this.#scheduleCheckIn(wait);
    this.#render();
  }

  /** Another second waited. */
  tick(): void {
    this.#render();
  }

  close(): void {
    this.#open = false;
    this.#stopListening?.();
    this.#stopListening = null;
    this.#stopCheckIn();
  }

  #onMessage(message: ServerMessage): void {
    const id = this.#options.appointmentId;
    if (message.type === 'lobby' && message.lobby.appointmentId === id) {
      this.#view = message.lobby;
      this.#render();
    } else if (message.type === 'call-status' && message.call.appointmentId === id) {
      if (isCallActive(message.call.status)) void this.#join();
    } else if (message.type === 'error' && message.code === 'check_in_not_open') {
      this.#stopCheckIn();
      this.#scheduleCheckIn(CHECK_IN_RETRY_MS);
      this.#render();
    }
  }

  async #join(): Promise<void> {
    if (this.#joining) return;
    this.#joining = true;
    this.#stopCheckIn();
    let iceServers: IceServerView[];
    try {
      iceServers = await this.#options.grant();
    } catch (error) {
      this.#joining = false;
      if (error instanceof ApiError && error.code === 'call_not_active') {
        // Ended again before we got in: keep waiting for the next start.
        this.#checkIn();
        return;
      }
      this.#options.onFailed(error);
      return;
    }
    this.#options.onAdmitted(iceServers);
  }

  #scheduleCheckIn(ms: number): void {
    const { timers } = this.#options.platform;
    if (this.#checkInTimer !== null) timers.clearTimeout(this.#checkInTimer);
    this.#checkInTimer = timers.setTimeout(() => {
      this.#checkInTimer = null;
      this.#checkIn();
    }, ms);
  }

  /** Retained, so it is sent again after every reconnect: the server forgets a socket's check-in with it. */
  #checkIn(): void {
    if (!this.#open) return;
    const id = this.#options.appointmentId;
    this.#releaseCheckIn?.();
    this.#releaseCheckIn = this.#options.socket.retain(`check-in:${id}`, {
      type: 'check-in',
      appointmentId: id,
    });
    this.#render();
  }

  #stopCheckIn(): void {
    this.#releaseCheckIn?.();
    this.#releaseCheckIn = null;
    if (this.#checkInTimer !== null) this.#options.platform.timers.clearTimeout(this.#checkInTimer);
    this.#checkInTimer = null;
  }

  #render(): void {
    if (!this.#open) return;
    const { context, platform } = this.#options;
    const checkedInAt = this.#view.checkedInAt;
    const opensAt =
      this.#releaseCheckIn === null ? checkInOpensWords(formatTime(context.checkInOpensAt)) : null;
    const state: WaitingRoomState = {
      opensAt,
      waited: opensAt === null && checkedInAt !== null ? formatClock(platform.now() - checkedInAt) : null,
    };
    const shown = this.#shown;
    if (shown?.opensAt === state.opensAt && shown?.waited === state.waited) return;
    this.#shown = state;
    this.#options.onChange(state);
  }
}
