import type { AppointmentView, UserView } from '../../../protocol/api.js';
import type { CallStatus } from '../../../protocol/call-status.js';
import { errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { callStatusWords, formatDateTime } from '../../lib/format.js';
import { otherParty } from '../../lib/people.js';
import { appointmentPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { Store } from '../../ui/store.js';
import { redirectIfSignedOut, requireSession, signOut } from '../session.js';

export interface AppointmentItem {
  id: string;
  href: string;
  /** The other party, or both for an admin. */
  title: string;
  when: string;
  isoDate: string;
  reason: string;
  hospital: string;
  status: CallStatus;
  statusWords: string;
}

export interface AppointmentsState {
  phase: 'loading' | 'ready' | 'error';
  user: UserView | null;
  items: AppointmentItem[];
  error: string | null;
  signingOut: boolean;
}

export function toItem(appointment: AppointmentView, user: UserView, locale?: string): AppointmentItem {
  return {
    id: appointment.id,
    href: appointmentPath(appointment.id),
    title: otherParty(appointment, user),
    when: formatDateTime(appointment.scheduledAt, locale),
    isoDate: new Date(appointment.scheduledAt).toISOString(),
    reason: appointment.reason,
    hospital: appointment.hospital.name,
    status: appointment.videoCallStatus,
    statusWords: callStatusWords(appointment.videoCallStatus, user.role),
  };
}

export class AppointmentsViewModel extends Store<AppointmentsState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;

  constructor(api: ApiClient, platform: Platform) {
    super({ phase: 'loading', user: null, items: [], error: null, signingOut: false });
    this.#api = api;
    this.#platform = platform;
  }

  async load(): Promise<void> {
    try {
      const session = await requireSession(this.#api, this.#platform);
      if (!session) return;
      this.update({ user: session.user });
      const { appointments } = await this.#api.listAppointments();
      this.update({ phase: 'ready', items: appointments.map((a) => toItem(a, session.user)) });
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      this.update({ phase: 'error', error: errorMessage(error) });
    }
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    try {
      await signOut(this.#api, this.#platform);
    } catch (error) {
      this.update({ signingOut: false, error: errorMessage(error) });
    }
  }
}
