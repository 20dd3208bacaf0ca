import type { DashboardRow, DashboardSnapshot } from '../../protocol/dashboard.js';
import type { CallService } from '../calls/call-service.js';
import type { WaitingRoomService } from '../calls/waiting-room-service.js';
import type { Clock } from '../clock.js';
import type { Store } from '../store.js';
import { type DashboardAppointment, dashboardAppointments } from './dashboard-repo.js';

/**
 * A hospital's day at a glance for its admins (S28): each appointment with its call status and waiting
 * room, as the `call-status` and `lobby` messages on the hospital's channel then keep it up to date.
 */
export class DashboardService {
  constructor(
    private readonly deps: {
      store: Store;
      calls: CallService;
      waitingRoom: WaitingRoomService;
      clock: Clock;
    },
  ) {}

  /** The caller has checked that the asker is an admin of `hospitalId`. */
  async snapshot(hospitalId: string, from: number, to: number): Promise<DashboardSnapshot> {
    const now = this.deps.clock.now();
    const appointments = await dashboardAppointments(this.deps.store.db.kysely, hospitalId, from, to);
    const rows = await Promise.all(appointments.map((a) => this.row(a)));
    return { hospitalId, from, to, now, rows };
  }

  private async row(a: DashboardAppointment): Promise<DashboardRow> {
    const { calls, waitingRoom } = this.deps;
    const [call, lobby] = await Promise.all([calls.viewOf(a), waitingRoom.view(a)]);
    return {
      appointmentId: a.id,
      scheduledAt: a.scheduled_at,
      lengthMinutes: a.length_minutes,
      doctor: { id: a.doctor_id, displayName: a.doctor_name },
      patient: { id: a.patient_id, displayName: a.patient_name },
      cancelledAt: a.cancelled_at,
      connected: Boolean(Number(a.connected)),
      call,
      lobby,
    };
  }
}
