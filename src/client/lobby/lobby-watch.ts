import type { LobbyView } from '../../protocol/messages.js';
import { formatClock } from '../lib/format.js';
import type { Timers } from '../lib/timers.js';

export interface LobbyAlerts {
  playChime(): void;
  showNotification(title: string): void;
}

export interface LobbyWatchOptions {
  now: () => number;
  timers: Timers;
  alerts: LobbyAlerts;
  /** The patient's name for the notification. */
  patientName: (appointmentId: string) => string | null;
  /** The badges changed (a lobby message, or another second waited). */
  onChange: () => void;
}

/**
 * The waiting rooms of the appointments a doctor's page shows (S20): a badge with the time waited, and a
 * chime and a notification when a patient arrives while the page is open. The state sent on subscribe is
 * not an arrival: only a change from "not waiting" is.
 */
export class LobbyWatch {
  readonly #options: LobbyWatchOptions;
  readonly #lobbies = new Map<string, LobbyView>();
  #ticker: unknown = null;

  constructor(options: LobbyWatchOptions) {
    this.#options = options;
  }

  apply(lobby: LobbyView): void {
    const before = this.#lobbies.get(lobby.appointmentId);
    this.#lobbies.set(lobby.appointmentId, lobby);
    if (before && !before.patientWaiting && lobby.patientWaiting) this.#alert(lobby.appointmentId);
    this.#tick();
    this.#options.onChange();
  }

  isWaiting(appointmentId: string): boolean {
    return this.#lobbies.get(appointmentId)?.patientWaiting ?? false;
  }

  /** "Patient waiting · 3:12", or null when nobody waits. */
  badge(appointmentId: string): string | null {
    const lobby = this.#lobbies.get(appointmentId);
    if (!lobby?.patientWaiting) return null;
    if (lobby.checkedInAt === null) return 'Patient waiting';
    return `Patient waiting · ${formatClock(this.#options.now() - lobby.checkedInAt)}`;
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
    const anyoneWaiting = [...this.#lobbies.values()].some((l) => l.patientWaiting);
    if (anyoneWaiting && this.#ticker === null) {
      this.#ticker = this.#options.timers.setInterval(() => this.#options.onChange(), 1000);
    } else if (!anyoneWaiting) {
      this.dispose();
    }
  }
}
