import type { WaitingRoomView } from '../../protocol/messages.js';
import { formatClock } from '../lib/format.js';
import type { Timers } from '../lib/timers.js';

export interface WaitingRoomAlerts {
  playChime(): void;
  showNotification(title: string): void;
}

export interface WaitingRoomWatchOptions {
  now: () => number;
  timers: Timers;
  alerts: WaitingRoomAlerts;
  /** The patient's name for the notification. */
  patientName: (appointmentId: string) => string | null;
  /** The badges changed (a `lobby` message, or another second waited). */
  onChange: () => void;
}

/**
 * The waiting rooms of the appointments a doctor's page shows (S20): a badge with the time waited, and a
 * chime and a notification when a patient arrives while the page is open. The state sent on subscribe is
 * not an arrival: only a change from "not waiting" is.
 */
export class WaitingRoomWatch {
  readonly #options: WaitingRoomWatchOptions;
  readonly #rooms = new Map<string, WaitingRoomView>();
  #ticker: unknown = null;

  constructor(options: WaitingRoomWatchOptions) {
    this.#options = options;
  }

  apply(room: WaitingRoomView): void {
    const before = this.#rooms.get(room.appointmentId);
    this.#rooms.set(room.appointmentId, room);
    if (before && !before.patientWaiting && room.patientWaiting) this.#alert(room.appointmentId);
    this.#tick();
    this.#options.onChange();
  }

  isWaiting(appointmentId: string): boolean {
    return this.#rooms.get(appointmentId)?.patientWaiting ?? false;
  }

  /** "Patient waiting · 3:12", or null when nobody waits. */
  badge(appointmentId: string): string | null {
    const room = this.#rooms.get(appointmentId);
    if (!room?.patientWaiting) return null;
    if (room.checkedInAt === null) return 'Patient waiting';
    return `Patient waiting · ${formatClock(this.#options.now() - room.checkedInAt)}`;
  }

  /** Who waits now, longest first: the doctor's queue. A wait of unknown start sorts last. */
  queue(): { appointmentId: string; waitedMs: number | null }[] {
    const now = this.#options.now();
    return [...this.#rooms.values()]
      .filter((room) => room.patientWaiting)
      .map((room) => ({
        appointmentId: room.appointmentId,
        waitedMs: room.checkedInAt === null ? null : Math.max(0, now - room.checkedInAt),
      }))
      .sort((a, b) => (b.waitedMs ?? -1) - (a.waitedMs ?? -1));
  }

  dispose(): void {
    if (this.#ticker !== null) this.#options.timers.clearInterval(this.#ticker);
    this.#ticker = null;
  }

  #alert(appointmentId: string): void {
    const { alerts, patientName } = this.#options;
    alerts.playChime();
    const name = patientName(appointmentId);
    alerts.showNotification(name ? `Patient waiting: ${name}` : 'A patient is waiting');
  }

  /** The badges count seconds only while someone waits. */
  #tick(): void {
    const anyoneWaiting = [...this.#rooms.values()].some((room) => room.patientWaiting);
    if (anyoneWaiting && this.#ticker === null) {
      this.#ticker = this.#options.timers.setInterval(() => this.#options.onChange(), 1000);
    } else if (!anyoneWaiting) {
      this.dispose();
    }
  }
}
