import type {
  AppointmentPermissions,
  AppointmentView,
  CallEntryView,
  UserView,
} from '../../../protocol/api.js';
import { isCallActive } from '../../../protocol/call-status.js';
import type { CallStatusView, ServerMessage } from '../../../protocol/messages.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { ChatController, type ChatState } from '../../chat/chat-controller.js';
import { appointmentStatusWords, endReasonWords, formatDuration, formatTime } from '../../lib/format.js';
import { appointmentTitle } from '../../lib/people.js';
import { appointmentIdFromPath, callPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { WaitingRoomWatch } from '../../waiting-room/waiting-room-watch.js';
import { needsSignIn } from '../../ws/close-reasons.js';
import type { ConnectionState, ReconnectingSocket } from '../../ws/reconnecting-socket.js';
import { copyInviteLink, IDLE_INVITE, type InviteState } from '../invite-link.js';
import {
  type NotificationHelp,
  type NotificationOffer,
  notificationHelp,
  notificationOffer,
} from '../notifications.js';
import { redirectIfSignedOut, requireSession, signOut } from '../session.js';
import { openCallSession } from '../start-call.js';
import { type CallHistoryItem, callHistoryItems } from './call-history.js';
import { type CallQualityItem, callQualityItems } from './call-quality-report.js';
import { type RecordingsSection, recordingsSection } from './recordings.js';

/** While a recording is being saved, the list is read again this often. */
const RECORDINGS_RECHECK_MS = 3_000;

/**
 * The one way into the call the page offers, for the state it is in. The doctor starts, or returns to a
 * running call; the patient checks in, joins, or rejoins a call it left (a party leaves, only the doctor
 * ends, S15). Nothing is offered greyed out: when there is nothing to do, `callHint` says why.
 */
export type CallAction =
  | { kind: 'start'; label: 'Start video call' }
  | { kind: 'enter'; label: 'Join video call' }
  | { kind: 'check-in'; label: 'Check in'; href: string }
  | { kind: 'join'; label: 'Join video call' }
  | { kind: 'rejoin'; label: 'Rejoin' };

export interface CallChoice {
  action: CallAction | null;
  /** What the patient waits for when there is nothing to press, or what happened. */
  hint: string | null;
}

export const CALL_HINTS = {
  ended: 'The call has ended.',
  cancelled: 'This appointment was cancelled: there is no call.',
  waitForDoctor: 'You can join once the doctor starts the call.',
  checkInOpens: (time: string) => `You can check in from ${time}.`,
} as const;

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
  /** The doctor's "Patient waiting · 3:12". */
  waitingRoomBadge: string | null;
  notifications: NotificationOffer;
  /** The doctor's invite link button, while the call is active. */
  invite: InviteState | null;
  /** The one call action (Check in, Join video call, Rejoin, Start video call), or none. */
  action: CallAction | null;
  /** Why there is no action, or what the patient waits for. */
  callHint: string | null;
  actionPending: boolean;
  actionError: string | null;
  /** About the live connection: reconnecting, or closed for good. */
  liveNotice: string | null;
  liveNoticeIsError: boolean;
  signingOut: boolean;
  /** The conversation, for a party (an admin has none). */
  chat: ChatState | null;
  /** Every call of the appointment, for the hospital's admins (null for the parties). */
  callHistory: CallHistoryItem[] | null;
  /** The doctor's report of each ended call's quality (S30; null for everyone else, or until read). */
  callQuality: CallQualityItem[] | null;
  /** The appointment's recordings and their consent log (null until read, or when it could not be). */
  recordings: RecordingsSection | null;
}

/**
 * `entry` is what the server said about this party's way in (null for an admin, or not known yet);
 * `now` decides whether check-in is open.
 */
export function callChoice(
  appointment: AppointmentView,
  user: UserView,
  entry: CallEntryView | null,
  now: number,
): CallChoice {
  const active = isCallActive(appointment.videoCallStatus);
  if (appointment.cancelledAt !== null && !active) return { action: null, hint: CALL_HINTS.cancelled };
  if (user.id === appointment.doctor.id) {
    return {
      action: active
        ? { kind: 'enter', label: 'Join video call' }
        : { kind: 'start', label: 'Start video call' },
      hint: null,
    };
  }
  if (user.id !== appointment.patient.id) return { action: null, hint: null };
  if (active) {
    const beenIn = appointment.roomId !== null && entry?.joinedRoomId === appointment.roomId;
    return {
      action: beenIn ? { kind: 'rejoin', label: 'Rejoin' } : { kind: 'join', label: 'Join video call' },
      hint: null,
    };
  }
  if (appointment.videoCallStatus === 'ended') return { action: null, hint: CALL_HINTS.ended };
  if (entry && now >= entry.checkInOpensAt) {
    return { action: { kind: 'check-in', label: 'Check in', href: callPath(appointment.id) }, hint: null };
  }
  return {
    action: null,
    hint: entry ? CALL_HINTS.checkInOpens(formatTime(entry.checkInOpensAt)) : CALL_HINTS.waitForDoctor,
  };
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
  #recordingsTimer: unknown = null;
  #waitingRoomWatch: WaitingRoomWatch | null = null;
  #callEntry: CallEntryView | null = null;
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
      callHint: null,
      waitingRoomBadge: null,
      notifications: null,
      invite: null,
      action: null,
      actionPending: false,
      actionError: null,
      liveNotice: null,
      liveNoticeIsError: false,
      signingOut: false,
      callHistory: null,
      callQuality: null,
      recordings: null,
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
      this.#callEntry = detail.callEntry;
      this.#applyAppointment(detail.appointment, session.user);
      this.update({ phase: 'ready', permissions: detail.permissions });
      this.#connectLive(id);
      await this.#readCallHistory();
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
    if (this.#recordingsTimer !== null) this.#platform.timers.clearTimeout(this.#recordingsTimer);
    this.#recordingsTimer = null;
    if (this.#checkInTimer !== null) this.#platform.timers.clearTimeout(this.#checkInTimer);
    this.#checkInTimer = null;
    this.#socket.close();
  }

  /** Start sets the call cookie for this browser; the patient link it returns is kept for copying. */
  async startCall(): Promise<void> {
    await this.#callAction((id) => openCallSession(this.#api, this.#platform, id));
  }

  /** Join and Rejoin alike: the patient's call cookie for the current call, then the call page. */
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
    const failed = await signOut(this.#api, this.#platform, this.#socket);
    if (failed) this.update({ signingOut: false, actionError: failed });
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
      // A call that starts or ends is a new line, or a finished one, in the admin's call history.
      if (message.call.status === 'waiting' || message.call.status === 'ended') void this.#readCallHistory();
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

  /** Check-in opens while the page is open: the choice is made again at that moment. */
  #scheduleCheckIn(): void {
    if (this.#checkInTimer !== null) this.#platform.timers.clearTimeout(this.#checkInTimer);
    this.#checkInTimer = null;
    const { appointment, user, action } = this.state;
    const opensAt = this.#callEntry?.checkInOpensAt;
    if (!appointment || !user || opensAt === undefined || action !== null) return;
    if (appointment.videoCallStatus !== 'not_started' || user.id !== appointment.patient.id) return;
    const wait = opensAt - this.#platform.now();
    if (wait <= 0) return;
    this.#checkInTimer = this.#platform.timers.setTimeout(() => {
      this.#checkInTimer = null;
      const current = this.state;
      if (current.appointment && current.user) this.#applyAppointment(current.appointment, current.user);
    }, wait);
  }

  async #refreshAppointment(): Promise<void> {
    const { user } = this.state;
    if (!this.#appointmentId || !user) return;
    try {
      const detail = await this.#api.getAppointment(this.#appointmentId);
      this.#callEntry = detail.callEntry;
      this.#applyAppointment(detail.appointment, user);
      this.update({ permissions: detail.permissions });
      await this.#readCallHistory();
    } catch (error) {
      redirectIfSignedOut(error, this.#platform);
    }
  }

  /**
   * The recordings and their consent log (S29), for everyone who sees the appointment; a recording being
   * saved is read again shortly. A failed read leaves the last list shown.
   */
  async #readRecordings(): Promise<void> {
    const id = this.#appointmentId;
    if (!id) return;
    try {
      const section = recordingsSection(await this.#api.listRecordings(id));
      this.update({ recordings: section });
      if (this.#recordingsTimer !== null) this.#platform.timers.clearTimeout(this.#recordingsTimer);
      this.#recordingsTimer = section.saving
        ? this.#platform.timers.setTimeout(() => {
            this.#recordingsTimer = null;
            void this.#readRecordings();
          }, RECORDINGS_RECHECK_MS)
        : null;
    } catch (error) {
      redirectIfSignedOut(error, this.#platform);
    }
  }

  /** The hospital's admins see every call session; a failed read leaves the last one shown. */
  async #readCallHistory(): Promise<void> {
    void this.#readRecordings();
    void this.#readCallQuality();
    const id = this.#appointmentId;
    if (!id || this.state.user?.role !== 'admin') return;
    try {
      const { calls } = await this.#api.getCallHistory(id);
      this.update({ callHistory: callHistoryItems(calls) });
    } catch (error) {
      redirectIfSignedOut(error, this.#platform);
    }
  }

  /** The appointment's doctor sees how each ended call went (S30); a failed read leaves the last shown. */
  async #readCallQuality(): Promise<void> {
    const id = this.#appointmentId;
    const user = this.state.user;
    if (!id || !user || user.role !== 'doctor') return;
    try {
      const { calls } = await this.#api.getCallQuality(id);
      this.update({ callQuality: callQualityItems(calls) });
    } catch (error) {
      redirectIfSignedOut(error, this.#platform);
    }
  }

  #applyAppointment(appointment: AppointmentView, user: UserView): void {
    const active = isCallActive(appointment.videoCallStatus);
    const isDoctor = user.id === appointment.doctor.id;
    const choice = callChoice(appointment, user, this.#callEntry, this.#platform.now());
    this.update({
      appointment,
      title: appointmentTitle(appointment, user),
      statusWords: appointmentStatusWords(appointment, user.role),
      lastCall: lastCallWords(appointment),
      action: choice.action,
      callHint: choice.hint,
      invite: isDoctor && active ? (this.state.invite ?? IDLE_INVITE) : null,
    });
    this.#scheduleCheckIn();
  }
}
