import type { AppointmentView } from '../../protocol/api.js';
import { isCallActive } from '../../protocol/call-status.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { Store } from '../store.js';
import {
  type AppointmentRow,
  type AppointmentWithNames,
  DEFAULT_LENGTH_MINUTES,
  type NewAppointment,
  toAppointmentView,
} from './appointments-repo.js';
import { isPatientOfHospital } from './patients-of-hospital.js';

export interface AppointmentInput {
  doctorId: string;
  patientId: string;
  scheduledAt: number;
  lengthMinutes: number;
  reason: string;
}

/** Why an appointment needs `confirm: true`: it is in the past, or overlaps another of the doctor's. */
export type AppointmentWarning =
  | { code: 'in_past' }
  | { code: 'overlaps'; appointment: AppointmentView | { id: string; scheduledAt: number; row?: number } };

const MAX_ATTEMPTS = 3;

/**
 * Making, moving and cancelling appointments, for a hospital's admins (routes check who) and the CLI.
 * A past time or an overlap with the doctor's other appointments is a warning the caller confirms; a
 * doctor of another hospital, a patient who is not the hospital's, a call under way are refusals.
 */
export class AppointmentService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /**
     * Tells the hospital's dashboards, and every node when an appointment's parties change (S28); the
     * command line, which reaches no node, has none.
     */
    private readonly realtime: Pick<Broadcaster, 'appointmentsChanged' | 'control'> | null = null,
  ) {}

  /**
   * `operator`: the command line, run by whoever runs the server; its first appointment is what makes a
   * patient the hospital's (today's schema has no other link).
   */
  async create(
    actorId: string | null,
    hospitalId: string,
    input: AppointmentInput,
    options: { confirm: boolean; operator?: boolean },
  ): Promise<AppointmentRow> {
    await this.checkPeople(hospitalId, input, options.operator ?? false);
    await this.checkWarnings(input, options.confirm);
    const newAppointment: NewAppointment = { hospitalId, ...input };
    const created = await this.store.db.kysely.transaction().execute(async (trx) => {
      const row = await this.store.appointments.create(newAppointment, trx);
      await this.store.audit.record(
        {
          actorId,
          action: 'appointment.create',
          appointmentId: row.id,
          outcome: 'ok',
          detail: {
            scheduledAt: row.scheduled_at,
            lengthMinutes: input.lengthMinutes,
            confirmed: options.confirm,
          },
        },
        trx,
      );
      return row;
    });
    await this.changed(hospitalId);
    return created;
  }

  private async changed(hospitalId: string): Promise<void> {
    await this.realtime?.appointmentsChanged(hospitalId);
  }

  /** Moves an appointment (checked by the caller) that is not cancelled and whose call is not under way. */
  reschedule(
    actorId: string,
    appointmentId: string,
    change: { scheduledAt: number; lengthMinutes?: number | undefined; confirm: boolean },
  ): Promise<AppointmentWithNames> {
    return this.change(actorId, appointmentId, 'appointment.reschedule', change.confirm, (a) => ({
      doctorId: a.doctor_id,
      scheduledAt: change.scheduledAt,
      lengthMinutes: change.lengthMinutes ?? a.length_minutes ?? DEFAULT_LENGTH_MINUTES,
      // A check-in was for the old time.
      clearCheckIn: true,
    }));
  }

  /**
   * Gives an appointment (checked by the caller) to another active doctor of its hospital, at the same
   * time: an overlap with the new doctor's appointments is a warning; a doctor of another hospital, a
   * deactivated one or a non-doctor is refused, as is a cancelled appointment or one whose call is under
   * way. The patient's check-in stays: they wait for the same appointment.
   */
  async reassign(
    actorId: string,
    appointmentId: string,
    change: { doctorId: string; confirm: boolean },
  ): Promise<AppointmentWithNames> {
    const current = await this.changeable(appointmentId);
    try {
      await this.checkDoctor(current.hospital_id, change.doctorId);
    } catch (err) {
      // A 400 is not audited by the routes' plumbing; an attempt to hand a patient to the wrong person is.
      await this.store.audit.record({
        actorId,
        action: 'appointment.reassign',
        appointmentId,
        outcome: 'denied',
        detail: { code: 'doctor_not_in_hospital', doctorId: change.doctorId },
      });
      throw err;
    }
    if (current.doctor_id === change.doctorId) return current;
    return this.change(actorId, appointmentId, 'appointment.reassign', change.confirm, (a) => ({
      doctorId: change.doctorId,
      scheduledAt: a.scheduled_at,
      lengthMinutes: a.length_minutes ?? DEFAULT_LENGTH_MINUTES,
      clearCheckIn: false,
    }));
  }

  /**
   * One change of doctor, time or length: warnings for the doctor at the new time unless confirmed, then a
   * write guarded by the row's version with its audit event (old and new values) in the same transaction.
   */
  private async change(
    actorId: string,
    appointmentId: string,
    action: 'appointment.reschedule' | 'appointment.reassign',
    confirm: boolean,
    next: (a: AppointmentWithNames) => {
      doctorId: string;
      scheduledAt: number;
      lengthMinutes: number;
      clearCheckIn: boolean;
    },
  ): Promise<AppointmentWithNames> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const a = await this.changeable(appointmentId);
      const n = next(a);
      await this.checkWarnings(n, confirm, a.id);
      const done = await this.store.db.kysely.transaction().execute(async (trx) => {
        const written = await this.store.appointments.updateIfVersion(
          a.id,
          a.version,
          {
            doctor_id: n.doctorId,
            scheduled_at: n.scheduledAt,
            length_minutes: n.lengthMinutes,
            ...(n.clearCheckIn ? { checked_in_at: null } : {}),
          },
          trx,
        );
        if (!written) return false;
        const detail: Record<string, string | number | boolean | null> = { confirmed: confirm };
        if (n.doctorId !== a.doctor_id) {
          detail['doctorId.old'] = a.doctor_id;
          detail['doctorId.new'] = n.doctorId;
        }
        if (action === 'appointment.reschedule') {
          detail['scheduledAt.old'] = a.scheduled_at;
          detail['scheduledAt.new'] = n.scheduledAt;
          detail['lengthMinutes.old'] = a.length_minutes;
          detail['lengthMinutes.new'] = n.lengthMinutes;
        }
        await this.store.audit.record({ actorId, action, appointmentId: a.id, outcome: 'ok', detail }, trx);
        return true;
      });
      if (done) {
        if (n.doctorId !== a.doctor_id) {
          await this.realtime?.control({
            type: 'appointment-parties',
            appointmentId: a.id,
            doctorId: n.doctorId,
            patientId: a.patient_id,
          });
        }
        await this.changed(a.hospital_id);
        return this.required(a.id);
      }
    }
    throw new AppError('internal', { message: 'The appointment changed too often to change it; try again.' });
  }

  /** Cancels an appointment (checked by the caller) whose call is not under way; cancelling twice is a no-op. */
  async cancel(actorId: string, appointmentId: string): Promise<AppointmentWithNames> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const a = await this.required(appointmentId);
      if (a.cancelled_at !== null) return a;
      if (isCallActive(a.video_call_status)) throw new AppError('appointment_in_call');
      const now = this.clock.now();
      const done = await this.store.db.kysely.transaction().execute(async (trx) => {
        const written = await this.store.appointments.updateIfVersion(
          a.id,
          a.version,
          { cancelled_at: now, cancelled_by: actorId, checked_in_at: null },
          trx,
        );
        if (!written) return false;
        await this.store.audit.record(
          { actorId, action: 'appointment.cancel', appointmentId: a.id, outcome: 'ok' },
          trx,
        );
        return true;
      });
      if (done) {
        await this.changed(a.hospital_id);
        return this.required(a.id);
      }
    }
    throw new AppError('internal', { message: 'The appointment changed too often to cancel it; try again.' });
  }

  private async required(id: string): Promise<AppointmentWithNames> {
    const a = await this.store.appointments.get(id);
    if (!a) throw new AppError('not_found');
    return a;
  }

  private async changeable(id: string): Promise<AppointmentWithNames> {
    const a = await this.required(id);
    if (a.cancelled_at !== null) throw new AppError('appointment_cancelled');
    if (isCallActive(a.video_call_status)) throw new AppError('appointment_in_call');
    return a;
  }

  /** An active doctor of this hospital, or `doctor_not_in_hospital`. */
  private async checkDoctor(hospitalId: string, doctorId: string): Promise<void> {
    const doctor = await this.store.users.findById(doctorId);
    if (doctor?.role !== 'doctor' || doctor.hospital_id !== hospitalId || doctor.disabled_at !== null) {
      throw new AppError('doctor_not_in_hospital');
    }
  }

  private async checkPeople(hospitalId: string, input: AppointmentInput, operator: boolean): Promise<void> {
    await this.checkDoctor(hospitalId, input.doctorId);
    const patient = await this.store.users.findById(input.patientId);
    if (patient?.role !== 'patient' || patient.disabled_at !== null)
      throw new AppError('patient_not_in_hospital');
    if (!operator && !(await isPatientOfHospital(this.store.db.kysely, patient.id, hospitalId))) {
      throw new AppError('patient_not_in_hospital');
    }
  }

  /** The warnings of a time for the doctor; thrown (409) unless confirmed. */
  async warningsFor(
    input: Pick<AppointmentInput, 'doctorId' | 'scheduledAt' | 'lengthMinutes'>,
    excludeId?: string,
  ): Promise<AppointmentWarning[]> {
    const warnings: AppointmentWarning[] = [];
    if (input.scheduledAt < this.clock.now()) warnings.push({ code: 'in_past' });
    const end = input.scheduledAt + input.lengthMinutes * 60_000;
    const other = await this.store.appointments.findOverlapping(
      input.doctorId,
      input.scheduledAt,
      end,
      excludeId,
    );
    if (other) {
      const named = await this.store.appointments.get(other.id);
      if (named) warnings.push({ code: 'overlaps', appointment: toAppointmentView(named) });
    }
    return warnings;
  }

  private async checkWarnings(
    input: Pick<AppointmentInput, 'doctorId' | 'scheduledAt' | 'lengthMinutes'>,
    confirm: boolean,
    excludeId?: string,
  ): Promise<void> {
    if (confirm) return;
    const warnings = await this.warningsFor(input, excludeId);
    if (warnings.length > 0) throw new AppError('appointment_needs_confirmation', { details: { warnings } });
  }
}
