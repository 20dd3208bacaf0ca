import { type Kysely, type Selectable, type SqlBool, sql, type Updateable } from 'kysely';
import type { AppointmentView } from '../../protocol/api.js';
import { DEFAULT_APPOINTMENT_LENGTH_MINUTES } from '../../protocol/dashboard.js';
import type { Clock } from '../clock.js';
import { PreparedQuery } from '../db/prepared.js';
import type { AppointmentTable, Database } from '../db/schema.js';
import { newId } from '../ids.js';

export type AppointmentRow = Selectable<AppointmentTable>;

function withNames(db: Kysely<Database>) {
  return db
    .selectFrom('appointments as a')
    .innerJoin('hospitals as h', 'h.id', 'a.hospital_id')
    .innerJoin('users as d', 'd.id', 'a.doctor_id')
    .innerJoin('users as p', 'p.id', 'a.patient_id')
    .selectAll('a')
    .select(['h.name as hospital_name', 'd.display_name as doctor_name', 'p.display_name as patient_name']);
}

const appointmentById = new PreparedQuery((db, id: string) => withNames(db).where('a.id', '=', id));
const appointmentRowById = new PreparedQuery((db, id: string) =>
  db.selectFrom('appointments').selectAll().where('id', '=', id),
);

/** An appointment without a planned length is taken to last this long (overlap warnings, no-shows). */
export const DEFAULT_LENGTH_MINUTES = DEFAULT_APPOINTMENT_LENGTH_MINUTES;
/** The longest planned length; bounds the overlap search to an index range. */
export const MAX_LENGTH_MINUTES = 480;

export interface AppointmentSearch {
  hospitalId: string;
  from?: number;
  to?: number;
  doctorId?: string;
  callStatus?: AppointmentRow['video_call_status'];
  /** Whether the patient checked in (to the coming call) or joined one of its calls. */
  checkedIn?: boolean;
  /** Planned end passed, not cancelled, and no call of it ever connected both parties. */
  noShow?: boolean;
  cancelled?: boolean;
  /** Part of the patient's name or email. */
  patient?: string;
  now: number;
  limit: number;
  offset: number;
}

function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface AppointmentWithNames extends AppointmentRow {
  hospital_name: string;
  doctor_name: string;
  patient_name: string;
}

export interface NewAppointment {
  hospitalId: string;
  doctorId: string;
  patientId: string;
  scheduledAt: number;
  reason: string;
  /** Planned length in minutes. */
  lengthMinutes?: number | null;
}

/** Whether the appointment, planned as it is, overlaps [start, end). */
export function overlaps(
  a: Pick<AppointmentRow, 'scheduled_at' | 'length_minutes'>,
  start: number,
  end: number,
) {
  const aEnd = a.scheduled_at + (a.length_minutes ?? DEFAULT_LENGTH_MINUTES) * 60_000;
  return a.scheduled_at < end && aEnd > start;
}

export function toAppointmentView(a: AppointmentWithNames): AppointmentView {
  return {
    id: a.id,
    hospital: { id: a.hospital_id, name: a.hospital_name },
    doctor: { id: a.doctor_id, displayName: a.doctor_name },
    patient: { id: a.patient_id, displayName: a.patient_name },
    scheduledAt: a.scheduled_at,
    reason: a.reason,
    videoCallStatus: a.video_call_status,
    roomId: a.room_id,
    videoCallStartedAt: a.video_call_started_at,
    videoCallEndedAt: a.video_call_ended_at,
    callDurationSeconds: a.call_duration_seconds,
    recordingEnabled: a.recording_enabled === 1,
    screenSharingActive: a.screen_sharing_active === 1,
    lengthMinutes: a.length_minutes,
    cancelledAt: a.cancelled_at,
  };
}

export class AppointmentsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async create(input: NewAppointment, db: Kysely<Database> = this.db): Promise<AppointmentRow> {
    const row = this.newRow(input);
    await db.insertInto('appointments').values(row).execute();
    return row;
  }

  /** A new appointment's row, not yet written. */
  newRow(input: NewAppointment): AppointmentRow {
    const now = this.clock.now();
    const row: AppointmentRow = {
      id: newId(),
      hospital_id: input.hospitalId,
      doctor_id: input.doctorId,
      patient_id: input.patientId,
      scheduled_at: input.scheduledAt,
      reason: input.reason,
      room_id: null,
      video_call_status: 'not_started',
      video_call_started_at: null,
      video_call_ended_at: null,
      call_duration_seconds: null,
      recording_enabled: 0,
      screen_sharing_active: 0,
      doctor_token_hash: null,
      patient_token_hash: null,
      token_created_at: null,
      version: 0,
      created_at: now,
      updated_at: now,
      checked_in_at: null,
      length_minutes: input.lengthMinutes ?? null,
      cancelled_at: null,
      cancelled_by: null,
    };
    return row;
  }

  private withNames() {
    return withNames(this.db);
  }

  /** With the names pages show. */
  get(id: string): Promise<AppointmentWithNames | undefined> {
    return appointmentById.first(this.db, id);
  }

  /** The row alone, without the names: what signaling and the call lifecycle read (prepared, db/prepared.ts). */
  getRow(id: string): Promise<AppointmentRow | undefined> {
    return appointmentRowById.first(this.db, id);
  }

  listForDoctor(doctorId: string): Promise<AppointmentWithNames[]> {
    return this.withNames().where('a.doctor_id', '=', doctorId).orderBy('a.scheduled_at').execute();
  }

  listForPatient(patientId: string): Promise<AppointmentWithNames[]> {
    return this.withNames().where('a.patient_id', '=', patientId).orderBy('a.scheduled_at').execute();
  }

  /** The doctor's appointments, not cancelled, overlapping [start, end). */
  async findOverlapping(
    doctorId: string,
    start: number,
    end: number,
    excludeId?: string,
  ): Promise<AppointmentRow | undefined> {
    const rows = await this.doctorsBetween([doctorId], start, end);
    return rows.find((r) => r.id !== excludeId && overlaps(r, start, end));
  }

  /** The doctors' appointments, not cancelled, that may overlap [from, to): one index range per doctor. */
  doctorsBetween(doctorIds: readonly string[], from: number, to: number): Promise<AppointmentRow[]> {
    if (doctorIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('appointments')
      .selectAll()
      .where('doctor_id', 'in', [...new Set(doctorIds)])
      .where('scheduled_at', '>', from - MAX_LENGTH_MINUTES * 60_000)
      .where('scheduled_at', '<', to)
      .where('cancelled_at', 'is', null)
      .orderBy('scheduled_at')
      .execute();
  }

  /** The hospital's appointments matching the filter, a page of them, and how many match in all. */
  async search(f: AppointmentSearch): Promise<{ rows: AppointmentWithNames[]; total: number }> {
    let q = this.withNames().where('a.hospital_id', '=', f.hospitalId);
    if (f.from !== undefined) q = q.where('a.scheduled_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('a.scheduled_at', '<', f.to);
    if (f.doctorId !== undefined) q = q.where('a.doctor_id', '=', f.doctorId);
    if (f.callStatus !== undefined) q = q.where('a.video_call_status', '=', f.callStatus);
    if (f.cancelled !== undefined) q = q.where('a.cancelled_at', f.cancelled ? 'is not' : 'is', null);
    if (f.patient) {
      const pattern = likePattern(f.patient);
      q = q.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['p.display_name']), 'like', sql<string>`${pattern} escape '\\'`),
          eb(eb.fn('lower', ['p.email']), 'like', sql<string>`${pattern} escape '\\'`),
        ]),
      );
    }
    if (f.checkedIn !== undefined) {
      q = q.where((eb) => {
        const joined = eb.exists(
          eb
            .selectFrom('call_sessions as s')
            .select('s.id')
            .whereRef('s.appointment_id', '=', 'a.id')
            .where('s.patient_joined_at', 'is not', null),
        );
        const yes = eb.or([eb('a.checked_in_at', 'is not', null), joined]);
        return f.checkedIn ? yes : eb.not(yes);
      });
    }
    if (f.noShow !== undefined) {
      q = q.where((eb) => {
        const ended = sql<SqlBool>`a.scheduled_at + coalesce(a.length_minutes, ${DEFAULT_LENGTH_MINUTES}) * 60000 < ${f.now}`;
        const connected = eb.exists(
          eb
            .selectFrom('call_sessions as s')
            .select('s.id')
            .whereRef('s.appointment_id', '=', 'a.id')
            .where('s.connected_at', 'is not', null),
        );
        const yes = eb.and([eb('a.cancelled_at', 'is', null), ended, eb.not(connected)]);
        return f.noShow ? yes : eb.not(yes);
      });
    }
    const total = await q
      .clearSelect()
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    const rows = await q.orderBy('a.scheduled_at').orderBy('a.id').limit(f.limit).offset(f.offset).execute();
    return { rows, total: Number(total?.n ?? 0) };
  }

  /** Inserts many (an import), in `db`'s transaction, a few hundred rows per statement. */
  async insertMany(rows: AppointmentRow[], db: Kysely<Database> = this.db): Promise<void> {
    for (let i = 0; i < rows.length; i += 400) {
      await db
        .insertInto('appointments')
        .values(rows.slice(i, i + 400))
        .execute();
    }
  }

  listForHospital(hospitalId: string): Promise<AppointmentWithNames[]> {
    return this.withNames().where('a.hospital_id', '=', hospitalId).orderBy('a.scheduled_at').execute();
  }

  /**
   * Writes only if nobody else changed the row since `expectedVersion` was read (optimistic lock),
   * so two nodes applying call events at once cannot both win.
   */
  async updateIfVersion(
    id: string,
    expectedVersion: number,
    changes: Omit<Updateable<AppointmentTable>, 'id' | 'version' | 'updated_at'>,
    db: Kysely<Database> = this.db,
  ): Promise<boolean> {
    const r = await db
      .updateTable('appointments')
      .set({ ...changes, version: expectedVersion + 1, updated_at: this.clock.now() })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Whether the doctor is sharing a screen in the call of this room. Only the live call's room counts;
   * the end of a call clears it.
   */
  async setScreenSharing(roomId: string, active: boolean): Promise<void> {
    await this.db
      .updateTable('appointments')
      .set({ screen_sharing_active: active ? 1 : 0, updated_at: this.clock.now() })
      .where('room_id', '=', roomId)
      .where('video_call_status', 'in', ['waiting', 'in_progress'])
      .where('screen_sharing_active', '=', active ? 0 : 1)
      .execute();
  }

  /**
   * How many calls are waiting or in progress, per status, across the cluster (the metrics' calls gauge,
   * read at each scrape): one grouped count over the status index.
   */
  async countLiveCalls(): Promise<Partial<Record<'waiting' | 'in_progress', number>>> {
    const rows = await this.db
      .selectFrom('appointments')
      .select(['video_call_status as status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('video_call_status', 'in', ['waiting', 'in_progress'])
      .groupBy('video_call_status')
      .execute();
    const counts: Partial<Record<'waiting' | 'in_progress', number>> = {};
    for (const r of rows) {
      if (r.status === 'waiting' || r.status === 'in_progress') counts[r.status] = Number(r.n);
    }
    return counts;
  }

  /** Keeps the first check-in time (the waited time counts from it); returns the stored time. */
  async markCheckedIn(id: string, now: number): Promise<number> {
    await this.db
      .updateTable('appointments')
      .set({ checked_in_at: now })
      .where('id', '=', id)
      .where('checked_in_at', 'is', null)
      .execute();
    const row = await this.db
      .selectFrom('appointments')
      .select('checked_in_at')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.checked_in_at ?? now;
  }

  /**
   * Calls the server may have to end or warn about (S19, S24), with their current session. Only the
   * columns the sweep reads: every node runs this every few seconds over every active call.
   */
  listActiveCalls(): Promise<
    Array<
      Pick<AppointmentRow, 'id' | 'room_id'> & {
        session_id: string;
        connected_at: number | null;
        warned_at: number | null;
        last_presence_at: number | null;
        started_at: number;
        max_duration_ms: number | null;
        idle_timeout_ms: number | null;
      }
    >
  > {
    return this.db
      .selectFrom('appointments as a')
      .innerJoin('call_sessions as s', 's.room_id', 'a.room_id')
      .select([
        'a.id',
        'a.room_id',
        's.id as session_id',
        's.connected_at',
        's.warned_at',
        's.last_presence_at',
        's.started_at',
        's.max_duration_ms',
        's.idle_timeout_ms',
      ])
      .where('a.video_call_status', 'in', ['waiting', 'in_progress'])
      .execute();
  }

  /** Appointments whose waiting room may hold a patient (S20). */
  listCheckedIn(): Promise<AppointmentRow[]> {
    return this.db
      .selectFrom('appointments')
      .selectAll()
      .where('checked_in_at', 'is not', null)
      .where('video_call_status', 'in', ['not_started', 'ended'])
      .execute();
  }
}
