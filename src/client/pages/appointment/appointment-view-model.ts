import type { AppointmentPermissions, AppointmentView, UserView } from '../../../protocol/api.js';
import { isCallActive } from '../../../protocol/call-status.js';
import type { CallStatusView, ServerMessage } from '../../../protocol/messages.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { type ChatEntry, ChatLog } from '../../chat/chat-log.js';
import { ChatOutbox, MAX_MESSAGE_CHARS } from '../../chat/chat-outbox.js';
import { callStatusWords, formatDuration } from '../../lib/format.js';
import { appointmentTitle } from '../../lib/people.js';
import { appointmentIdFromPath, callPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { Store } from '../../ui/store.js';
import { needsSignIn } from '../../ws/close-reasons.js';
import {
  type ConnectionState,
  type ReconnectingSocket,
  SocketRequestError,
} from '../../ws/reconnecting-socket.js';
import { redirectIfSignedOut, requireSession, signOut } from '../session.js';

export type CallAction =
  | { kind: 'start'; label: 'Start video call'; enabled: boolean }
  | { kind: 'rejoin'; label: 'Return to video call'; enabled: true }
  | { kind: 'join'; label: 'Join video call'; enabled: boolean; hint: string | null };

export interface AppointmentPageState {
  phase: 'loading' | 'ready' | 'error';
  error: string | null;
  title: string;
  user: UserView | null;
  appointment: AppointmentView | null;
  permissions: AppointmentPermissions | null;
  statusWords: string;
  lastCall: string | null;
  action: CallAction | null;
  actionPending: boolean;
  actionError: string | null;
  /** About the live connection: reconnecting, or closed for good. */
  liveNotice: string | null;
  liveNoticeIsError: boolean;
  signingOut: boolean;
  chatEnabled: boolean;
  chatLoading: boolean;
  chatEntries: readonly ChatEntry[];
  chatError: string | null;
  draft: string;
}

export function callAction(appointment: AppointmentView, user: UserView): CallAction | null {
  const active = isCallActive(appointment.videoCallStatus);
  if (user.id === appointment.doctor.id) {
    return active
      ? { kind: 'rejoin', label: 'Return to video call', enabled: true }
      : { kind: 'start', label: 'Start video call', enabled: true };
  }
  if (user.id === appointment.patient.id) {
    const hint = active
      ? null
      : appointment.videoCallStatus === 'ended'
        ? 'The call has ended.'
        : 'You can join once the doctor starts the call.';
    return { kind: 'join', label: 'Join video call', enabled: active, hint };
  }
  return null;
}

export function lastCallWords(appointment: AppointmentView): string | null {
  const seconds = appointment.callDurationSeconds;
  return seconds === null ? null : `Last call: ${formatDuration(seconds)}`;
}

function withCall(appointment: AppointmentView, call: CallStatusView): AppointmentView {
  return {
    ...appointment,
    videoCallStatus: call.status,
    roomId: call.roomId,
    videoCallStartedAt: call.startedAt,
    videoCallEndedAt: call.endedAt,
    callDurationSeconds: call.durationSeconds ?? appointment.callDurationSeconds,
  };
}

const LIVE_WORDS: Partial<Record<ConnectionState, string>> = {
  reconnecting: 'Reconnecting to live updates…',
};

export class AppointmentViewModel extends Store<AppointmentPageState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #socket: ReconnectingSocket;
  readonly #log = new ChatLog();
  #outbox: ChatOutbox | null = null;
  #appointmentId: string | null = null;
  #disposers: Array<() => void> = [];

  constructor(api: ApiClient, platform: Platform, socket: ReconnectingSocket) {
    super({
      phase: 'loading',
      error: null,
      title: 'Appointment',
      user: null,
      appointment: null,
      permissions: null,
      statusWords: '',
      lastCall: null,
      action: null,
      actionPending: false,
      actionError: null,
      liveNotice: null,
      liveNoticeIsError: false,
      signingOut: false,
      chatEnabled: false,
      chatLoading: false,
      chatEntries: [],
      chatError: null,
      draft: '',
    });
    this.#api = api;
    this.#platform = platform;
    this.#socket = socket;
  }

  async load(): Promise<void> {
    const id = appointmentIdFromPath(this.#platform.pathname);
    if (!id) {
      this.update({ phase: 'error', error: 'This appointment address is not valid.' });
      return;
    }
    this.#appointmentId = id;
    try {
      const session = await requireSession(this.#api, this.#platform);
      if (!session) return;
      this.update({ user: session.user });
      const detail = await this.#api.getAppointment(id);
      this.#applyAppointment(detail.appointment, session.user);
      this.update({
        phase: 'ready',
        permissions: detail.permissions,
        chatEnabled: detail.permissions.canChat,
      });
      this.#connectLive(id);
      if (detail.permissions.canChat) {
        this.#outbox = new ChatOutbox({
          appointmentId: id,
          log: this.#log,
          sender: { id: session.user.id, displayName: session.user.displayName, role: session.user.role },
          newClientId: () => this.#platform.newId(),
          now: () => this.#platform.now(),
          onChange: () => this.update({ chatEntries: this.#log.entries }),
          transport: {
            socketReady: () => this.#socket.isReady,
            sendViaSocket: async (message) => {
              const ack = await this.#socket.request({ type: 'chat', ...message });
              if (!ack.message)
                throw new ApiError(0, 'unexpected_response', 'The server did not store the message.');
              return ack.message;
            },
            sendViaHttp: (message) =>
              this.#api.postMessage(message.appointmentId, message.clientId, message.body),
            isTransient: (error) => error instanceof SocketRequestError && error.isTransient,
          },
        });
        await this.#loadHistory();
      }
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      this.update({ phase: 'error', error: errorMessage(error) });
    }
  }

  dispose(): void {
    for (const dispose of this.#disposers) dispose();
    this.#disposers = [];
    this.#socket.close();
  }

  async startCall(): Promise<void> {
    await this.#callAction((id) => this.#api.startCall(id));
  }

  async joinCall(): Promise<void> {
    await this.#callAction((id) => this.#api.joinCall(id));
  }

  returnToCall(): void {
    if (this.#appointmentId) this.#platform.navigate(callPath(this.#appointmentId));
  }

  setDraft(draft: string): void {
    this.update({ draft });
  }

  sendDraft(): void {
    if (!this.#outbox) return;
    const result = this.#outbox.send(this.state.draft);
    if (result.ok) this.update({ draft: '', chatError: null });
    else if (result.reason === 'too_long') {
      this.update({ chatError: `Messages can be at most ${MAX_MESSAGE_CHARS} characters.` });
    }
  }

  retry(clientId: string): void {
    this.#outbox?.retry(clientId);
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    // Signing out closes this session's sockets (4004); that close is expected, not news for the user.
    this.#socket.close();
    try {
      await signOut(this.#api, this.#platform);
    } catch (error) {
      this.update({ signingOut: false, actionError: errorMessage(error) });
    }
  }

  async #callAction(request: (id: string) => Promise<unknown>): Promise<void> {
    const id = this.#appointmentId;
    if (!id || this.state.actionPending) return;
    this.update({ actionPending: true, actionError: null });
    try {
      await request(id);
      this.#platform.navigate(callPath(id));
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      this.update({ actionPending: false, actionError: errorMessage(error) });
      void this.#refreshAppointment();
    }
  }

  #connectLive(id: string): void {
    const socket = this.#socket;
    this.#disposers.push(
      socket.retain(`subscribe:${id}`, { type: 'subscribe', appointmentId: id }),
      socket.events.on('message', (message) => this.#onMessage(message)),
      socket.events.on('state', (state) =>
        this.update({ liveNotice: LIVE_WORDS[state] ?? null, liveNoticeIsError: false }),
      ),
      socket.events.on('ready', ({ reconnected }) => {
        if (!reconnected) return;
        void this.#refreshAppointment();
        if (this.state.chatEnabled) void this.#loadHistory();
      }),
      socket.events.on('fatal', (fatal) => {
        if (needsSignIn(fatal.code)) {
          redirectIfSignedOut(new ApiError(401, 'unauthenticated', fatal.message), this.#platform);
          return;
        }
        this.update({ liveNotice: fatal.message, liveNoticeIsError: true });
      }),
    );
    socket.connect();
  }

  #onMessage(message: ServerMessage): void {
    if (message.type === 'chat' && message.message.appointmentId === this.#appointmentId) {
      this.#log.merge([message.message]);
      this.update({ chatEntries: this.#log.entries });
    } else if (message.type === 'call-status' && message.call.appointmentId === this.#appointmentId) {
      const { appointment, user } = this.state;
      if (appointment && user) this.#applyAppointment(withCall(appointment, message.call), user);
    }
  }

  async #loadHistory(): Promise<void> {
    const id = this.#appointmentId;
    if (!id) return;
    this.update({ chatLoading: this.#log.entries.length === 0 });
    try {
      const history = await this.#api.getMessages(id);
      this.#log.merge(history.messages);
      this.update({ chatLoading: false, chatEntries: this.#log.entries });
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      this.update({
        chatLoading: false,
        chatError: `The messages could not be loaded. ${errorMessage(error)}`,
      });
    }
  }

  async #refreshAppointment(): Promise<void> {
    const { user } = this.state;
    if (!this.#appointmentId || !user) return;
    try {
      const detail = await this.#api.getAppointment(this.#appointmentId);
      this.#applyAppointment(detail.appointment, user);
      this.update({ permissions: detail.permissions });
    } catch (error) {
      redirectIfSignedOut(error, this.#platform);
    }
  }

  #applyAppointment(appointment: AppointmentView, user: UserView): void {
    this.update({
      appointment,
      title: appointmentTitle(appointment, user),
      statusWords: callStatusWords(appointment.videoCallStatus, user.role),
      lastCall: lastCallWords(appointment),
      action: callAction(appointment, user),
    });
  }
}
