import type { UserView } from '../../../protocol/api.js';
import type { DashboardRow, DashboardSnapshot } from '../../../protocol/dashboard.js';
import type { ServerMessage } from '../../../protocol/messages.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { formatTime } from '../../lib/format.js';
import { appointmentPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { needsSignIn } from '../../ws/close-reasons.js';
import { type ReconnectingSocket, SocketRequestError } from '../../ws/reconnecting-socket.js';
import { redirectIfSignedOut, requireAdminSession, signOut } from '../session.js';
import {
  changeWords,
  type DashboardGroup,
  detailOf,
  GROUP_TITLES,
  GROUPS,
  groupOf,
  sortKey,
  withCall,
  withLobby,
} from './dashboard-rows.js';

export interface DashboardItem {
  id: string;
  href: string;
  patient: string;
  doctor: string;
  /** The scheduled time, and the same as an ISO string for <time>. */
  time: string;
  isoTime: string;
  detail: string;
}

export interface DashboardSection {
  group: DashboardGroup;
  title: string;
  items: DashboardItem[];
}

export interface DashboardState {
  phase: 'loading' | 'ready' | 'forbidden' | 'failed';
  user: UserView | null;
  /** The day shown, in words ("Friday 4 December 2026"). */
  dayLabel: string;
  sections: DashboardSection[];
  /** Whether updates are arriving; while not, the page says the figures may be behind. */
  live: boolean;
  /** The last change, for a polite live region. */
  announcement: string;
  error: string | null;
  signingOut: boolean;
}

/** What the hospital's channel brings (S28). */
type DashboardMessage = Extract<ServerMessage, { type: 'call-status' | 'lobby' | 'appointments-changed' }>;

function isDashboardMessage(message: ServerMessage): message is DashboardMessage {
  return (
    message.type === 'call-status' || message.type === 'lobby' || message.type === 'appointments-changed'
  );
}

const TICK_MS = 1000;
/** Several changes at once (an import) are read again once. */
const RELOAD_DELAY_MS = 150;

/** YYYY-MM-DD of `now` in the viewer's time zone (`tzOffsetMinutes` east of UTC). */
export function localDay(now: number, tzOffsetMinutes: number): string {
  return new Date(now + tzOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/**
 * A hospital admin's day at a glance (S28): the day's appointments read once, then kept up to date by the
 * `call-status` and `lobby` messages of the hospital's channel; booking changes read the day again. The
 * clocks ("waiting for 3 minutes", "in the call for 12:04") tick here, on the server's time.
 */
export class DashboardViewModel extends ViewModel<DashboardState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #socket: ReconnectingSocket;
  readonly #tzOffsetMinutes: number;
  readonly #locale: string | undefined;
  readonly #timeZone: string | undefined;
  #hospitalId = '';
  #day = '';
  #rows = new Map<string, DashboardRow>();
  /** The server's clock minus this browser's, from the last snapshot. */
  #skew = 0;
  /** Messages that arrived while the day was being read: applied on top of it, in order. */
  #pending: DashboardMessage[] | null = null;
  #reloading = false;
  #reloadAgain = false;
  #reloadTimer: unknown = null;
  /** Appointments of other days already looked for, so their messages do not read the day again and again. */
  readonly #notToday = new Set<string>();
  #disposers: Array<() => void> = [];

  constructor(
    api: ApiClient,
    platform: Platform,
    socket: ReconnectingSocket,
    options: { tzOffsetMinutes: number; locale?: string; timeZone?: string },
  ) {
    super({
      phase: 'loading',
      user: null,
      dayLabel: '',
      sections: GROUPS.map((group) => ({ group, title: GROUP_TITLES[group], items: [] })),
      live: false,
      announcement: '',
      error: null,
      signingOut: false,
    });
    this.#api = api;
    this.#platform = platform;
    this.#socket = socket;
    this.#tzOffsetMinutes = options.tzOffsetMinutes;
    this.#locale = options.locale;
    this.#timeZone = options.timeZone;
  }

  async load(): Promise<void> {
    try {
      const admin = await requireAdminSession(this.#api, this.#platform);
      if (!admin) return;
      const { user, hospitalId } = admin;
      if (!hospitalId) {
        this.update({ user, phase: 'forbidden' });
        return;
      }
      this.#hospitalId = hospitalId;
      this.update({ user });
      this.#connect();
    } catch (error) {
      this.update({ phase: 'failed', error: errorMessage(error) });
    }
  }

  dispose(): void {
    for (const dispose of this.#disposers) dispose();
    this.#disposers = [];
    this.#socket.close();
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    const failed = await signOut(this.#api, this.#platform, this.#socket);
    if (failed) this.update({ signingOut: false, error: failed });
  }

  /** The count shown beside a section's title. */
  count(group: DashboardGroup): number {
    return this.state.sections.find((s) => s.group === group)?.items.length ?? 0;
  }

  #now(): number {
    return this.#platform.now() + this.#skew;
  }

  #connect(): void {
    const socket = this.#socket;
    const timers = this.#platform.timers;
    const tick = timers.setInterval(() => this.#tick(), TICK_MS);
    this.#disposers.push(
      () => timers.clearInterval(tick),
      socket.events.on('ready', () => void this.#subscribe()),
      socket.events.on('down', () => this.update({ live: false })),
      socket.events.on('message', (message) => this.#receive(message)),
      socket.events.on('fatal', (fatal) => {
        this.update({ live: false });
        if (needsSignIn(fatal.code)) {
          redirectIfSignedOut(new ApiError(401, 'unauthenticated', fatal.message), this.#platform);
        } else {
          this.update({ error: fatal.message });
        }
      }),
    );
    socket.connect();
  }

  /**
   * After every (re)connection: subscribe, and read the day once the subscription is acknowledged, so no
   * change falls between the reading and the first message.
   */
  async #subscribe(): Promise<void> {
    this.#pending ??= [];
    try {
      await this.#socket.request({ type: 'subscribe-hospital', hospitalId: this.#hospitalId });
    } catch (error) {
      // A socket that went down again subscribes at its next `ready`; messages wait until then.
      if (error instanceof SocketRequestError && error.code === 'disconnected') return;
      this.#pending = null;
      this.update({ phase: this.state.phase === 'loading' ? 'failed' : 'ready', error: errorMessage(error) });
      return;
    }
    this.update({ live: true });
    await this.#reload();
  }

  /** Reads the day; a reading asked for while one runs follows it. */
  async #reload(): Promise<void> {
    if (this.#reloadTimer !== null) {
      this.#platform.timers.clearTimeout(this.#reloadTimer);
      this.#reloadTimer = null;
    }
    if (this.#reloading) {
      this.#reloadAgain = true;
      return;
    }
    this.#reloading = true;
    this.#pending ??= [];
    try {
      await this.#read();
    } finally {
      this.#reloading = false;
    }
    if (this.#reloadAgain) {
      this.#reloadAgain = false;
      await this.#reload();
    }
  }

  async #read(): Promise<void> {
    const day = localDay(this.#platform.now(), this.#tzOffsetMinutes);
    let snapshot: DashboardSnapshot;
    try {
      snapshot = await this.#api.getDashboard(this.#hospitalId, day, this.#tzOffsetMinutes);
    } catch (error) {
      this.#pending = null;
      if (redirectIfSignedOut(error, this.#platform)) return;
      this.update({ phase: this.state.phase === 'loading' ? 'failed' : 'ready', error: errorMessage(error) });
      return;
    }
    this.#day = day;
    this.#skew = snapshot.now - this.#platform.now();
    this.#rows = new Map(snapshot.rows.map((row) => [row.appointmentId, row]));
    const pending = this.#pending ?? [];
    this.#pending = null;
    for (const message of pending) this.#apply(message, false);
    this.update({
      phase: 'ready',
      error: null,
      dayLabel: new Intl.DateTimeFormat(this.#locale, { dateStyle: 'full', timeZone: 'UTC' }).format(
        new Date(`${day}T00:00:00Z`),
      ),
    });
    this.#render();
  }

  #scheduleReload(): void {
    if (this.#reloadTimer !== null) return;
    this.#reloadTimer = this.#platform.timers.setTimeout(() => {
      this.#reloadTimer = null;
      void this.#reload();
    }, RELOAD_DELAY_MS);
  }

  #receive(message: ServerMessage): void {
    if (!isDashboardMessage(message)) return;
    if (this.#pending) {
      this.#pending.push(message);
      return;
    }
    this.#apply(message, true);
    this.#render();
  }

  #apply(message: DashboardMessage, announce: boolean): void {
    if (message.type === 'appointments-changed') {
      if (message.hospitalId === this.#hospitalId) this.#scheduleReload();
      return;
    }
    const appointmentId =
      message.type === 'call-status' ? message.call.appointmentId : message.lobby.appointmentId;
    const before = this.#rows.get(appointmentId);
    if (!before) {
      // Not on today's list: an appointment of another day whose call starts now is read in once.
      if (!this.#notToday.has(appointmentId)) {
        this.#notToday.add(appointmentId);
        this.#scheduleReload();
      }
      return;
    }
    const after =
      message.type === 'call-status' ? withCall(before, message.call) : withLobby(before, message.lobby);
    this.#rows.set(appointmentId, after);
    if (!announce) return;
    const words = changeWords(before, after, this.#now());
    if (words) this.update({ announcement: words });
  }

  #tick(): void {
    if (this.state.phase !== 'ready') return;
    // A page left open overnight moves to the new day.
    if (localDay(this.#platform.now(), this.#tzOffsetMinutes) !== this.#day) {
      this.#scheduleReload();
      return;
    }
    this.#render();
  }

  #render(): void {
    const now = this.#now();
    const grouped = new Map<DashboardGroup, { row: DashboardRow; key: number }[]>(GROUPS.map((g) => [g, []]));
    for (const row of this.#rows.values()) {
      const group = groupOf(row, now);
      grouped.get(group)?.push({ row, key: sortKey(row, group) });
    }
    const sections = GROUPS.map((group) => ({
      group,
      title: GROUP_TITLES[group],
      items: (grouped.get(group) ?? [])
        .sort((a, b) => a.key - b.key)
        .map(({ row }) => this.#item(row, group, now)),
    }));
    this.update({ sections });
  }

  #item(row: DashboardRow, group: DashboardGroup, now: number): DashboardItem {
    return {
      id: row.appointmentId,
      href: appointmentPath(row.appointmentId),
      patient: row.patient.displayName,
      doctor: row.doctor.displayName,
      time: formatTime(row.scheduledAt, this.#locale, this.#timeZone),
      isoTime: new Date(row.scheduledAt).toISOString(),
      detail: detailOf(row, group, now),
    };
  }
}
