import type { Kysely } from 'kysely';

/**
 * Indexes for lookups by appointment that scanned whole tables: a call start revokes the earlier calls'
 * links and call cookies (`revokeEarlier`), and the audit trail is read per appointment. Both tables grow
 * with every call a hospital has ever held, so without these every call start got slower over time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('call_links_appointment_idx')
    .on('call_links')
    .column('appointment_id')
    .execute();
  await db.schema
    .createIndex('call_grants_appointment_idx')
    .on('call_grants')
    .column('appointment_id')
    .execute();
  await db.schema
    .createIndex('audit_events_appointment_idx')
    .on('audit_events')
    .columns(['appointment_id', 'at'])
    .execute();
}
