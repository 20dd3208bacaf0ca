import type { Kysely } from 'kysely';

/** Call links (tokens) and the call cookies they are exchanged for; the waiting room; call timers. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('call_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('appointment_id', 'text', (c) => c.notNull().references('appointments.id'))
    .addColumn('call_session_id', 'text', (c) => c.notNull().references('call_sessions.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('exchanged_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('call_links_session_idx')
    .on('call_links')
    .columns(['call_session_id', 'role'])
    .execute();

  await db.schema
    .createTable('call_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('appointment_id', 'text', (c) => c.notNull().references('appointments.id'))
    .addColumn('call_session_id', 'text', (c) => c.notNull().references('call_sessions.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.references('call_links.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('call_grants_session_idx')
    .on('call_grants')
    .column('call_session_id')
    .execute();
  await db.schema.createIndex('call_grants_link_idx').on('call_grants').column('link_id').execute();

  await db.schema.alterTable('appointments').addColumn('checked_in_at', 'bigint').execute();
  await db.schema.alterTable('call_sessions').addColumn('warned_at', 'bigint').execute();
  await db.schema.alterTable('call_sessions').addColumn('last_presence_at', 'bigint').execute();
  await db.schema
    .createIndex('appointments_status_idx')
    .on('appointments')
    .column('video_call_status')
    .execute();
}
