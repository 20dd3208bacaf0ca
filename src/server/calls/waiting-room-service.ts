import { isCallActive } from '../../protocol/call-status.js';
import type { WaitingRoomView } from '../../protocol/messages.js';
import { type PartyAccess, requireRole } from '../access/appointment-access.js';
import type { AppointmentRow } from '../appointments/appointments-repo.js';
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import { decodePresence, isFresh, ownerPrefix, presenceKeys } from '../realtime/presence.js';
import type { Store } from '../store.js';

/**
 * The waiting room of an appointment (S20): from when its patient may check in, the check-in itself,
 * and the view its doctor's pages get. Who is waiting is presence (realtime/presence.ts): signaling
 * claims the patient's place for the connection that checked in.
 */
export class WaitingRoomService {
  constructor(
    private readonly deps: {
      store: Store;
      bus: Bus;
      broadcaster: Broadcaster;
      clock: Clock;
      /** How long before the scheduled time the patient may check in: the hospital's policy. */
      policy: { checkInMs(hospitalId: string): Promise<number> };
    },
  ) {}

  async checkInOpensAt(a: Pick<AppointmentRow, 'scheduled_at' | 'hospital_id'>): Promise<number> {
    return a.scheduled_at - (await this.deps.policy.checkInMs(a.hospital_id));
  }

  /** The waiting room as the doctor sees it. */
  async view(a: AppointmentRow): Promise<WaitingRoomView> {
    const { bus, clock } = this.deps;
    const now = clock.now();
    const entry = decodePresence((await bus.members(presenceKeys.waitingRoom(a.id)))['patient']);
    // A patient in the call's room waits no more, even while the socket that checked in has its grace.
    const inRoom = async () => {
      if (!a.room_id) return false;
      const member = decodePresence((await bus.members(presenceKeys.room(a.room_id)))['patient']);
      return member !== null && isFresh(member, now);
    };
    const waiting = entry !== null && isFresh(entry, now) && !(await inRoom());
    return { appointmentId: a.id, patientWaiting: waiting, checkedInAt: a.checked_in_at };
  }

  /**
   * Checks in `party` (checked by the caller) if it is the patient, the call is not active and the
   * window is open; returns when the patient first checked in, which is kept (the waited time counts
   * from it).
   */
  async checkIn(party: PartyAccess): Promise<number> {
    requireRole(party, 'patient', 'onlyPatientChecksIn');
    const a = party.appointment;
    if (a.cancelled_at !== null) throw new AppError('appointment_cancelled');
    if (isCallActive(a.video_call_status)) {
      throw new AppError('illegal_transition', { message: 'The call has started: join it.' });
    }
    const now = this.deps.clock.now();
    const opensAt = await this.checkInOpensAt(a);
    if (now < opensAt) {
      throw new AppError('check_in_not_open', {
        message: `Check-in opens ${Math.ceil((opensAt - now) / 60_000)} minutes before the appointment.`,
      });
    }
    return this.deps.store.appointments.markCheckedIn(a.id, now);
  }

  /** Tells the appointment's subscribers (S20) and its hospital's dashboards (S28). */
  announce(view: WaitingRoomView, hospitalId: string): Promise<void> {
    return this.deps.broadcaster.waitingRoom(view, hospitalId);
  }

  /** Tells the appointment's subscribers the waiting room as it is now. */
  async announceCurrent(appointmentId: string): Promise<void> {
    const a = await this.deps.store.appointments.getRow(appointmentId);
    if (a) await this.announce(await this.view(a), a.hospital_id);
  }

  /** Frees the place of a patient whose node stopped refreshing it (it died), and says so. */
  async releaseIfStale(a: Pick<AppointmentRow, 'id' | 'checked_in_at' | 'hospital_id'>): Promise<void> {
    const { bus, clock } = this.deps;
    const key = presenceKeys.waitingRoom(a.id);
    const entry = decodePresence((await bus.members(key))['patient']);
    if (!entry || isFresh(entry, clock.now())) return;
    if (await bus.release(key, 'patient', ownerPrefix(entry.connectionId))) {
      await this.announce(
        { appointmentId: a.id, patientWaiting: false, checkedInAt: a.checked_in_at },
        a.hospital_id,
      );
    }
  }
}
