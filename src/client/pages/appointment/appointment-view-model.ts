import type { AppointmentPermissions, AppointmentView, UserView } from '../../../protocol/api.js';
import { isCallActive } from '../../../protocol/call-status.js';
import type { CallStatusView, ServerMessage } from '../../../protocol/messages.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { ChatController, type ChatState } from '../../chat/chat-controller.js';
import { callStatusWords, endReasonWords, formatDuration } from '../../lib/format.js';
import { appointmentTitle } from '../../lib/people.js';
import { appointmentIdFromPath, callPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { WaitingRoomWatch } from '../../waiting-room/waiting-room-watch.js';
import { needsSignIn } from '../../ws/close-reasons.js';
import type { ConnectionState, ReconnectingSocket } from '../../ws/reconnecting-socket.js';
import { copyInviteLink, IDLE_INVITE, type InviteState, rememberPatientLink } from '../invite-link.js';
import {
  type NotificationHelp,
  type NotificationOffer,
  notificationHelp,
  notificationOffer,
} from '../notifications.js';
import { redirectIfSignedOut, requireSession, signOut } from '../session.js';

export type CallAction =
  | { kind: 'start'; label: 'Start video call'; enabled: boolean }
  | { kind: 'enter'; label: 'Join video call'; enabled: true }
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
  /** Why the last call ended, when it was not a plain hang-up. */
  endReason: string | null;
  /** The patient's "Check in" link to the waiting room, from when check-in opens until the call starts. */
  checkInHref: string | null;
  /** The doctor's "Patient waiting · 3:12". */
  waitingRoomBadge: string | null;
  notifications: NotificationOffer;
  /** The doctor's invite link button, while the call is active. */
  invite: InviteState | null;
  action: CallAction | null;
  actionPending: boolean;
  actionError: string | null;
  /** About the live connection: reconnecting, or closed for good. */
  liveNotice: string | null;
  liveNoticeIsError: boolean;
  signingOut: boolean;
  /** The conversation, for a party (an admin has none). */
  chat: ChatState | null;
}

export function callAction(appointment: AppointmentView, user: UserView): CallAction | null {
  const active = isCallActive(appointment.videoCallStatus);
  if (user.id === appointment.doctor.id) {
    return active
      ? { kind: 'enter', label: 'Join video call', enabled: true }
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

function partyRole(appointment: AppointmentView, user: UserView): 'doctor' | 'patient' | null {
  if (user.id === appointment.doctor.id) return 'doctor';
  if (user.id === appointment.patient.id) return 'patient';
  return null;
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

export class AppointmentViewModel extends ViewModel<AppointmentPageState> {
  /** What to do once notifications are blocked, in this browser's settings (it never changes on a page). */
  readonly notificationHelp: NotificationHelp;
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #socket: ReconnectingSocket;
  #chat: ChatController | null = null;
  #appointmentId: string | null = null;
  #disposers: Array<() => void> = [];
  #waitingRoomWatch: WaitingRoomWatch | null = null;
  #checkInOpensAt: number | null = null;
  #checkInTimer: unknown = null;

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
      endReason: null,
      checkInHref: null,
      waitingRoomBadge: null,
      notifications: null,
      invite: null,
      action: null,
      actionPending: false,
      actionError: null,
      liveNotice: null,
      liveNoticeIsError: false,
      signingOut: false,
      chat: null,
    });
    this.#api = api;
    this.#platform = platform;
    this.notificationHelp = notificationHelp(platform.userAgent);
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
      const role = partyRole(detail.appointment, session.user);
      if (role === 'doctor') this.#watchWaitingRoom(detail.appointment);
      this.#applyAppointment(detail.appointment, session.user);
      this.update({ phase: 'ready', permissions: detail.permissions });
      this.#connectLive(id);
      if (role === 'patient') void this.#loadCheckIn(id);
      if (detail.permissions.canChat) {
        const chat = new ChatController({
          appointmentId: id,
          sender: { id: session.user.id, displayName: session.user.displayName, role: session.user.role },
          api: this.#api,
          signaling: this.#socket,
          newId: this.#platform.newId,
          now: this.#platform.now,
          visible: true,
          handleError: (error) => redirectIfSignedOut(error, this.#platform),
        });
        this.#chat = chat;
        this.#disposers.push(
          chat.subscribe((state) => this.update({ chat: state })),
          () => chat.dispose(),
        );
        this.update({ chat: chat.state });
        await chat.start();
      }
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      this.update({ phase: 'error', error: errorMessage(error) });
    }
  }

  dispose(): void {
    for (const dispose of this.#disposers) dispose();
    this.#disposers = [];
    this.#waitingRoomWatch?.dispose();
    if (this.#checkInTimer !== null) this.#platform.timers.clearTimeout(this.#checkInTimer);
    this.#checkInTimer = null;
    this.#socket.close();
  }

  /** Start sets the call cookie for this browser; the patient link it returns is kept for copying. */
  async startCall(): Promise<void> {
    await this.#callAction(async (id) => {
      const info = await this.#api.startCall(id);
      rememberPatientLink(this.#platform, id, info);
    });
  }

  async joinCall(): Promise<void> {
    await this.#callAction((id) => this.#api.joinCall(id));
  }

  /** The doctor's way into a running call from a browser without its call cookie. */
  async enterCall(): Promise<void> {
    await this.#callAction((id) => this.#api.enterCall(id));
  }

  async copyInviteLink(): Promise<void> {
    const id = this.#appointmentId;
    if (!id || this.state.invite?.status === 'pending') return;
    await copyInviteLink(this.#api, this.#platform, id, (invite) => this.update({ invite }));
  }

  async enableNotifications(): Promise<void> {
    const access = await this.#platform.requestNotificationPermission();
    this.update({ notifications: notificationOffer(access) });
  }

  setDraft(draft: string): void {
    this.#chat?.setDraft(draft);
  }

  sendDraft(): void {
    this.#chat?.send();
  }

  retry(clientId: string): void {
    this.#chat?.retry(clientId);
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
        if (reconnected) void this.#refreshAppointment();
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
    if (message.type === 'call-status' && message.call.appointmentId === this.#appointmentId) {
      const { appointment, user } = this.state;
      this.update({
        endReason: message.call.status === 'ended' ? endReasonWords(message.call.endReason ?? null) : null,
      });
      if (appointment && user) this.#applyAppointment(withCall(appointment, message.call), user);
    } else if (message.type === 'lobby' && message.lobby.appointmentId === this.#appointmentId) {
      this.#waitingRoomWatch?.apply(message.lobby);
    }
  }

  #watchWaitingRoom(appointment: AppointmentView): void {
    const platform = this.#platform;
    this.#waitingRoomWatch = new WaitingRoomWatch({
      now: platform.now,
      timers: platform.timers,
      alerts: platform,
      patientName: () => appointment.patient.displayName,
      onChange: () => {
        const id = this.#appointmentId;
        this.update({ waitingRoomBadge: id ? (this.#waitingRoomWatch?.badge(id) ?? null) : null });
      },
    });
    this.update({ notifications: notificationOffer(platform.notificationPermission()) });
  }

  /** Only the call context knows when check-in opens (VIDEO_CALL_CHECK_IN_MINUTES on the server). */
  async #loadCheckIn(id: string): Promise<void> {
    try {
      const context = await this.#api.getCallContext(id);
      this.#checkInOpensAt = context.checkInOpensAt;
      this.#updateCheckIn();
    } catch {
      // no Check in button; Join still works once the doctor starts
    }
  }

  #updateCheckIn(): void {
    const id = this.#appointmentId;
    const opensAt = this.#checkInOpensAt;
    const status = this.state.appointment?.videoCallStatus;
    if (!id || opensAt === null || status !== 'not_started') {
      if (this.state.checkInHref !== null) this.update({ checkInHref: null });
      return;
    }
    const wait = opensAt - this.#platform.now();
    if (wait <= 0) {
      this.update({ checkInHref: callPath(id) });
      return;
    }
    if (this.#checkInTimer !== null) this.#platform.timers.clearTimeout(this.#checkInTimer);
    this.#checkInTimer = this.#platform.timers.setTimeout(() => {
      this.#checkInTimer = null;
      this.#updateCheckIn();
    }, wait);
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
    const active = isCallActive(appointment.videoCallStatus);
    const isDoctor = user.id === appointment.doctor.id;
    this.update({
      appointment,
      title: appointmentTitle(appointment, user),
      statusWords: callStatusWords(appointment.videoCallStatus, user.role),
      lastCall: lastCallWords(appointment),
      action: callAction(appointment, user),
      invite: isDoctor && active ? (this.state.invite ?? IDLE_INVITE) : null,
    });
    this.#updateCheckIn();
  }
}
