import type { Kysely } from 'kysely';
import type { AppointmentRow } from '../appointments/appointments-repo.js';
import type { Database } from '../db/schema.js';

export interface DashboardAppointment extends AppointmentRow {
  doctor_name: string;
  patient_name: string;
  /** 0/1 in SQLite, a boolean in PostgreSQL: read it with Boolean(Number(…)). */
  connected: number | boolean;
}

/**
 * The hospital's appointments scheduled in [from, to), and those whose call is under way whatever their
 * day (a call the dashboard must not miss), with the names and whether a call of each ever connected.
 */
export function dashboardAppointments(
  db: Kysely<Database>,
  hospitalId: string,
  from: number,
  to: number,
): Promise<DashboardAppointment[]> {
  return db
    .selectFrom('appointments as a')
    .innerJoin('users as d', 'd.id', 'a.doctor_id')
    .innerJoin('users as p', 'p.id', 'a.patient_id')
    .selectAll('a')
    .select(['d.display_name as doctor_name', 'p.display_name as patient_name'])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('call_sessions as s')
            .select('s.id')
            .whereRef('s.appointment_id', '=', 'a.id')
            .where('s.connected_at', 'is not', null),
        )
        .as('connected'),
    )
    .where('a.hospital_id', '=', hospitalId)
    .where((eb) =>
      eb.or([
        eb.and([eb('a.scheduled_at', '>=', from), eb('a.scheduled_at', '<', to)]),
        eb('a.video_call_status', 'in', ['waiting', 'in_progress']),
      ]),
    )
    .orderBy('a.scheduled_at')
    .orderBy('a.id')
    .execute() as Promise<DashboardAppointment[]>;
}
