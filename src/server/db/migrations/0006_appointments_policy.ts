import type { Kysely } from 'kysely';

/**
 * Per-hospital policy and what the admin's appointment tools need.
 *
 * `hospital_policies`: one row per hospital that changed a setting; a null column means "the server's
 * default" (the environment, config.ts), so an operator's new default reaches every hospital that never
 * chose otherwise.
 *
 * Call sessions keep the maximum length and idle timeout they started with: a policy change applies to the
 * next call, and the sweeper reads the limits from the rows it already reads, with no lookup per call.
 *
 * Appointments get a planned length (for the overlap warning) and a cancellation time and author.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hospital_policies')
    .addColumn('hospital_id', 'text', (c) => c.primaryKey().references('hospitals.id'))
    .addColumn('recording_allowed', 'integer')
    .addColumn('patients_see_recordings', 'integer')
    .addColumn('retention_days', 'integer')
    .addColumn('check_in_minutes', 'integer')
    .addColumn('max_call_minutes', 'integer')
    .addColumn('idle_timeout_minutes', 'integer')
    .addColumn('admins_read_chat', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  await db.schema.alterTable('call_sessions').addColumn('max_duration_ms', 'bigint').execute();
  await db.schema.alterTable('call_sessions').addColumn('idle_timeout_ms', 'bigint').execute();

  await db.schema.alterTable('appointments').addColumn('length_minutes', 'integer').execute();
  await db.schema.alterTable('appointments').addColumn('cancelled_at', 'bigint').execute();
  await db.schema.alterTable('appointments').addColumn('cancelled_by', 'text').execute();
}
