import type { Kysely, Selectable } from 'kysely';
import type { Database, HospitalPolicyTable } from '../db/schema.js';

export type HospitalPolicyRow = Selectable<HospitalPolicyTable>;
export type PolicyColumns = Omit<HospitalPolicyRow, 'hospital_id' | 'updated_at' | 'updated_by'>;

export class PolicyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  find(hospitalId: string, db: Kysely<Database> = this.db): Promise<HospitalPolicyRow | undefined> {
    return db
      .selectFrom('hospital_policies')
      .selectAll()
      .where('hospital_id', '=', hospitalId)
      .executeTakeFirst();
  }

  /** Writes the hospital's whole row (one per hospital), inserting it the first time. */
  async save(row: HospitalPolicyRow, db: Kysely<Database> = this.db): Promise<void> {
    const { hospital_id: _id, ...changes } = row;
    await db
      .insertInto('hospital_policies')
      .values(row)
      .onConflict((oc) => oc.column('hospital_id').doUpdateSet(changes))
      .execute();
  }
}
