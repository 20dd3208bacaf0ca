import type { AppointmentView, UserView } from '../../../protocol/api.js';
import { type CallStatus, isCallActive } from '../../../protocol/call-status.js';
import type { ServerMessage } from '../../../protocol/messages.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { appointmentStatusWords, formatClock, formatDateTime } from '../../lib/format.js';
import { otherParty } from '../../lib/people.js';
import { appointmentPath, callPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { WaitingRoomWatch } from '../../waiting-room/waiting-room-watch.js';
import { needsSignIn } from '../../ws/close-reasons.js';
import type { ReconnectingSocket } from '../../ws/reconnecting-socket.js';
import {
  type NotificationHelp,
  type NotificationOffer,
  notificationHelp,
  notificationOffer,
} from '../notifications.js';
import { redirectIfSignedOut, requireSession, signOut } from '../session.js';
import { openCallSession } from '../start-call.js';

export interface AppointmentItem {
  id: string;
  href: string;
  /** The other party, or both for an admin. */
  title: string;
  when: string;
  isoDate: string;
  reason: string;
  /** The hospital's name, when the list spans several hospitals (a patient of more than one); else null. */
  hospital: string | null;
  status: CallStatus | 'cancelled';
  statusWords: string;
  /** "Patient waiting · 3:12" on a doctor's list. */
  waitingRoomBadge: string | null;
  /** A doctor may start this appointment's call from the list (no call is running). */
  canStart: boolean;
}

/** A patient in a waiting room, on the doctor's queue: longest wait first. */
export interface QueueEntry {
  id: string;
  href: string;
  name: string;
  reason: string;
  /** "3:12", or null when the server did not say when they checked in. */
  waited: string | null;
}

export interface AppointmentsState {
  phase: 'loading' | 'ready' | 'error';
  user: UserView | null;
  items: AppointmentItem[];
  error: string | null;
  signingOut: boolean;
  notifications: NotificationOffer;
  /** The doctor's queue of checked-in patients (empty for everybody else). */
  queue: QueueEntry[];
  /** The appointment whose call is being started from the list. */
  starting: string | null;
  startError: string | null;
}

/** Each subscription costs the server a fan-out entry; a list watches at most this many. */
export const MAX_LIVE_APPOINTMENTS = 50;

/** The appointments to watch live: those nearest to now, where a patient is most likely to be waiting. */
export function appointmentsToWatch(appointments: readonly AppointmentView[], now: number): string[] {
  return [...appointments]
    .sort((a, b) => Math.abs(a.scheduledAt - now) - Math.abs(b.scheduledAt - now))
    .slice(0, MAX_LIVE_APPOINTMENTS)
    .map((a) => a.id);
}

export function toItem(appointment: AppointmentView, user: UserView, locale?: string): AppointmentItem {
  return {
    id: appointment.id,
    href: appointmentPath(appointment.id),
    title: otherParty(appointment, user),
    when: formatDateTime(appointment.scheduledAt, locale),
    isoDate: new Date(appointment.scheduledAt).toISOString(),
    reason: appointment.reason,
    hospital: null,
    status: appointment.cancelledAt !== null ? 'cancelled' : appointment.videoCallStatus,
    statusWords: appointmentStatusWords(appointment, user.role),
    waitingRoomBadge: null,
    canStart:
      user.role === 'doctor' &&
      !isCallActive(appointment.videoCallStatus) &&
      appointment.cancelledAt === null,
  };
}

export class AppointmentsViewModel extends ViewModel<AppointmentsState> {
  /** What to do once notifications are blocked, in this browser's settings (it never changes on a page). */
  readonly notificationHelp: NotificationHelp;
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #socket: ReconnectingSocket;
  #user: UserView | null = null;
  #appointments: AppointmentView[] = [];
  #waitingRoomWatch: WaitingRoomWatch | null = null;
  #disposers: Array<() => void> = [];

  constructor(api: ApiClient, platform: Platform, socket: ReconnectingSocket) {
    super({
      phase: 'loading',
      user: null,
      items: [],
      error: null,
      signingOut: false,
      notifications: null,
      queue: [],
      starting: null,
      startError: null,
    });
    this.#api = api;
    this.#platform = platform;
    this.notificationHelp = notificationHelp(platform.userAgent);
    this.#socket = socket;
  }

  async load(): Promise<void> {
    try {
      const session = await requireSession(this.#api, this.#platform);
      if (!session) return;
      this.update({ user: session.user });
      const { appointments } = await this.#api.listAppointments();
      this.#user = session.user;
      this.#appointments = appointments;
      if (session.user.role === 'doctor') this.#watchWaitingRooms();
      this.update({ phase: 'ready' });
      this.#render();
      this.#connectLive(appointmentsToWatch(appointments, this.#platform.now()));
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      this.update({ phase: 'error', error: errorMessage(error) });
    }
  }

  /** The doctor's Start from the list, straight into the call page. */
  async startCall(appointmentId: string): Promise<void> {
    if (this.state.starting) return;
    this.update({ starting: appointmentId, startError: null });
    try {
      await openCallSession(this.#api, this.#platform, appointmentId);
      this.#platform.navigate(callPath(appointmentId));
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      const who = this.#appointments.find((a) => a.id === appointmentId);
      const name = who && this.#user ? otherParty(who, this.#user) : 'this appointment';
      this.update({
        starting: null,
        startError: `The call with ${name} could not start: ${errorMessage(error)}`,
      });
    }
  }

  async enableNotifications(): Promise<void> {
    const access = await this.#platform.requestNotificationPermission();
    this.update({ notifications: notificationOffer(access) });
  }

  dispose(): void {
    for (const dispose of this.#disposers) dispose();
    this.#disposers = [];
    this.#waitingRoomWatch?.dispose();
    this.#socket.close();
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    const failed = await signOut(this.#api, this.#platform, this.#socket);
    if (failed) this.update({ signingOut: false, error: failed });
  }

  #watchWaitingRooms(): void {
    const platform = this.#platform;
    this.#waitingRoomWatch = new WaitingRoomWatch({
      now: platform.now,
      timers: platform.timers,
      alerts: platform,
      patientName: (id) => this.#appointments.find((a) => a.id === id)?.patient.displayName ?? null,
      onChange: () => this.#render(),
    });
    this.update({ notifications: notificationOffer(platform.notificationPermission()) });
  }

  #connectLive(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const socket = this.#socket;
    this.#disposers.push(
      ...ids.map((id) => socket.retain(`subscribe:${id}`, { type: 'subscribe', appointmentId: id })),
      socket.events.on('message', (message) => this.#onMessage(message)),
      socket.events.on('fatal', (fatal) => {
        if (needsSignIn(fatal.code)) {
          redirectIfSignedOut(new ApiError(401, 'unauthenticated', fatal.message), this.#platform);
        }
      }),
    );
    socket.connect();
  }

  #onMessage(message: ServerMessage): void {
    if (message.type === 'lobby') {
      this.#waitingRoomWatch?.apply(message.lobby);
    } else if (message.type === 'call-status') {
      const { call } = message;
      if (!this.#appointments.some((a) => a.id === call.appointmentId)) return;
      this.#appointments = this.#appointments.map((a) =>
        a.id === call.appointmentId ? { ...a, videoCallStatus: call.status, roomId: call.roomId } : a,
      );
      this.#render();
    }
  }

  #render(): void {
    const user = this.#user;
    if (!user) return;
    const watch = this.#waitingRoomWatch;
    const byId = new Map(this.#appointments.map((a) => [a.id, a]));
    const queue: QueueEntry[] = [];
    for (const { appointmentId, waitedMs } of watch?.queue() ?? []) {
      const appointment = byId.get(appointmentId);
      if (!appointment) continue;
      queue.push({
        id: appointmentId,
        href: appointmentPath(appointmentId),
        name: appointment.patient.displayName,
        reason: appointment.reason,
        waited: waitedMs === null ? null : formatClock(waitedMs),
      });
    }
    const severalHospitals = new Set(this.#appointments.map((a) => a.hospital.id)).size > 1;
    this.update({
      items: this.#appointments.map((a) => ({
        ...toItem(a, user),
        hospital: severalHospitals ? a.hospital.name : null,
        waitingRoomBadge: watch?.badge(a.id) ?? null,
      })),
      queue,
    });
  }
}
