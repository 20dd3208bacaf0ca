import type { Kysely } from 'kysely';

/**
 * Which sign-in session obtained a call cookie, so that signing out (or signing in again over it) revokes
 * the call cookies that session's browser was given: on a shared computer the next person must not
 * inherit the consultation. Link-only guests have none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('call_grants').addColumn('session_hash', 'text').execute();
  await db.schema
    .createIndex('call_grants_session_hash_idx')
    .on('call_grants')
    .column('session_hash')
    .execute();
}
