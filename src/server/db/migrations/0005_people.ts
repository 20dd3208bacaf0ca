import { type Kysely, sql } from 'kysely';

/**
 * People run from the browser: which hospitals a patient belongs to (a patient may be one of several;
 * doctors and admins keep their one `users.hospital_id`), and one-time "set your password" links, of
 * which only a hash of the token is kept, as for sessions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('patient_hospitals')
    .addColumn('patient_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('hospital_id', 'text', (c) => c.notNull().references('hospitals.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('patient_hospitals_pk', ['patient_id', 'hospital_id'])
    .execute();
  await db.schema
    .createIndex('patient_hospitals_hospital_idx')
    .on('patient_hospitals')
    .column('hospital_id')
    .execute();
  // Patients who already have appointments are that hospital's patients.
  await sql`INSERT INTO patient_hospitals (patient_id, hospital_id, created_at)
    SELECT patient_id, hospital_id, MIN(created_at) FROM appointments GROUP BY patient_id, hospital_id`.execute(
    db,
  );

  await db.schema
    .createTable('password_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('password_links_user_idx').on('password_links').column('user_id').execute();
  await db.schema.createIndex('users_hospital_idx').on('users').columns(['hospital_id', 'role']).execute();
}
