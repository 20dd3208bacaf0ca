import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
import type { Role } from '../../protocol/call-status.js';
import type { Clock } from '../clock.js';
import type { Database, PasswordLinkTable } from '../db/schema.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import type { UserRow } from './users-repo.js';

export type PasswordLinkRow = Selectable<PasswordLinkTable>;

/**
 * The one rule for "a patient of this hospital", as a condition on `users as u`: a patient row names no
 * hospital of its own (a patient may be seen at several), so a patient belongs to a hospital whose admin
 * added them (`patient_hospitals`), that set their `hospital_id`, or where they have had an appointment.
 */
export function patientOfHospital(
  eb: ExpressionBuilder<Database & { u: Database['users'] }, 'u'>,
  hospitalId: string,
) {
  return eb.and([
    eb('u.role', '=', 'patient'),
    eb.or([
      eb('u.hospital_id', '=', hospitalId),
      eb.exists(
        eb
          .selectFrom('patient_hospitals as ph')
          .select('ph.patient_id')
          .whereRef('ph.patient_id', '=', 'u.id')
          .where('ph.hospital_id', '=', hospitalId),
      ),
      eb.exists(
        eb
          .selectFrom('appointments as a')
          .select('a.id')
          .whereRef('a.patient_id', '=', 'u.id')
          .where('a.hospital_id', '=', hospitalId),
      ),
    ]),
  ]);
}

export interface PeopleFilter {
  /** Part of a name or an email, any case. */
  query?: string | undefined;
  role?: Role | undefined;
  status?: 'active' | 'deactivated' | undefined;
  page: number;
  pageSize: number;
}

export interface FutureAppointmentRow {
  id: string;
  scheduled_at: number;
  reason: string;
  patient_id: string;
  patient_name: string;
}

/** `%`, `_` and the escape itself match only themselves in a LIKE pattern. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Who belongs to a hospital, and one-time set-password links. */
export class PeopleRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /**
   * A hospital's people: its doctors and admins, and its patients (linked to it by an admin, or with an
   * appointment there), filtered and paged, by name.
   */
  async search(hospitalId: string, f: PeopleFilter): Promise<{ rows: UserRow[]; total: number }> {
    let q = this.db
      .selectFrom('users as u')
      .where((eb) =>
        eb.or([
          eb.and([eb('u.role', '!=', 'patient'), eb('u.hospital_id', '=', hospitalId)]),
          patientOfHospital(eb, hospitalId),
        ]),
      );
    if (f.role) q = q.where('u.role', '=', f.role);
    if (f.status === 'active') q = q.where('u.disabled_at', 'is', null);
    if (f.status === 'deactivated') q = q.where('u.disabled_at', 'is not', null);
    const text = f.query?.trim();
    if (text) {
      const pattern = likePattern(text);
      q = q.where((eb) =>
        eb.or([
          sql<boolean>`lower(${eb.ref('u.display_name')}) LIKE ${pattern} ESCAPE '\\'`,
          sql<boolean>`${eb.ref('u.email')} LIKE ${pattern} ESCAPE '\\'`,
        ]),
      );
    }
    const count = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirst();
    const rows = await q
      .selectAll('u')
      .orderBy('u.display_name')
      .orderBy('u.id')
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize)
      .execute();
    return { rows, total: Number(count?.n ?? 0) };
  }

  async isPatientOf(patientId: string, hospitalId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('users as u')
      .select('u.id')
      .where('u.id', '=', patientId)
      .where((eb) => patientOfHospital(eb, hospitalId))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The hospitals, other than this one, a patient belongs to. */
  async otherHospitalsOf(patientId: string, hospitalId: string): Promise<string[]> {
    const linked = await this.db
      .selectFrom('patient_hospitals')
      .select('hospital_id')
      .where('patient_id', '=', patientId)
      .where('hospital_id', '!=', hospitalId)
      .execute();
    const booked = await this.db
      .selectFrom('appointments')
      .select('hospital_id')
      .distinct()
      .where('patient_id', '=', patientId)
      .where('hospital_id', '!=', hospitalId)
      .execute();
    return [...new Set([...linked, ...booked].map((r) => r.hospital_id))];
  }

  async linkPatient(patientId: string, hospitalId: string, db: Kysely<Database> = this.db): Promise<void> {
    await db
      .insertInto('patient_hospitals')
      .values({ patient_id: patientId, hospital_id: hospitalId, created_at: this.clock.now() })
      .onConflict((oc) => oc.columns(['patient_id', 'hospital_id']).doNothing())
      .execute();
  }

  async setDisabled(userId: string, disabledAt: number | null): Promise<void> {
    await this.db.updateTable('users').set({ disabled_at: disabledAt }).where('id', '=', userId).execute();
  }

  /** A doctor's appointments from `from` on that are not over, soonest first. */
  futureAppointmentsOf(doctorId: string, from: number): Promise<FutureAppointmentRow[]> {
    return this.db
      .selectFrom('appointments as a')
      .innerJoin('users as p', 'p.id', 'a.patient_id')
      .select(['a.id', 'a.scheduled_at', 'a.reason', 'a.patient_id', 'p.display_name as patient_name'])
      .where('a.doctor_id', '=', doctorId)
      .where('a.scheduled_at', '>=', from)
      .where('a.video_call_status', '!=', 'ended')
      .orderBy('a.scheduled_at')
      .execute();
  }

  /**
   * A new one-time link for this person; any older unused one stops working. Returns the token, of which
   * only the hash is stored.
   */
  async createLink(
    userId: string,
    createdBy: string | null,
    ttlMs: number,
    db: Kysely<Database> = this.db,
  ): Promise<{ token: string; row: PasswordLinkRow }> {
    const now = this.clock.now();
    const token = newSecret();
    const row: PasswordLinkRow = {
      id: newId(),
      user_id: userId,
      token_hash: hashSecret(token),
      created_by: createdBy,
      created_at: now,
      expires_at: now + ttlMs,
      used_at: null,
      revoked_at: null,
    };
    await db
      .updateTable('password_links')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    await db.insertInto('password_links').values(row).execute();
    return { token, row };
  }

  findLink(token: string): Promise<PasswordLinkRow | undefined> {
    return this.db
      .selectFrom('password_links')
      .selectAll()
      .where('token_hash', '=', hashSecret(token))
      .executeTakeFirst();
  }

  /** Uses the link once: false if it was used or replaced meanwhile (another request won). */
  async useLink(id: string, at: number, db: Kysely<Database> = this.db): Promise<boolean> {
    const r = await db
      .updateTable('password_links')
      .set({ used_at: at })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
