import type { Kysely } from 'kysely';

/**
 * Recording with consent (docs/recordings.md).
 *
 * `recordings`: one row per request to record a call. The terms the patient was shown are copied into the
 * row when the doctor asks, so a later policy change never alters what someone agreed to. `running_since`
 * is set only while capturing (`elapsed_ms` holds the time recorded before it); `version` guards every
 * transition (two nodes, or a doctor and a patient at once, cannot both win). `declared_chunks` is the
 * doctor's Stop (JSON `{segment: chunks}`), `last_chunk_at` lets the sweep seal a recording whose
 * uploads stopped for good. The data key is kept wrapped by the operator's key; bytes live in the vault.
 *
 * `recording_segments`: the figures of each sealed playable file. `recording_events`: the consent trail
 * shown on the appointment (who asked, allowed, declined, withdrew; what the server did).
 *
 * `hospital_policies.recording_on_withdraw`: what a withdrawal does to what was recorded ('keep' or
 * 'discard'; null: the server's default, RECORDING_ON_WITHDRAW).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recordings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('appointment_id', 'text', (c) => c.notNull().references('appointments.id'))
    .addColumn('hospital_id', 'text', (c) => c.notNull().references('hospitals.id'))
    .addColumn('call_session_id', 'text', (c) => c.notNull().references('call_sessions.id'))
    .addColumn('requested_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('stop_reason', 'text')
    .addColumn('patient_consent', 'text')
    .addColumn('retention_days', 'integer', (c) => c.notNull())
    .addColumn('patient_may_see', 'integer', (c) => c.notNull())
    .addColumn('on_withdraw', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('stopped_at', 'bigint')
    .addColumn('elapsed_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('running_since', 'bigint')
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('segments_seen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('declared_chunks', 'text')
    .addColumn('last_chunk_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('recordings_appointment_idx')
    .on('recordings')
    .columns(['appointment_id', 'requested_at'])
    .execute();
  await db.schema.createIndex('recordings_session_idx').on('recordings').column('call_session_id').execute();
  // The sweeps look for stopped ones to seal and finished ones past their time.
  await db.schema
    .createIndex('recordings_state_idx')
    .on('recordings')
    .columns(['state', 'expires_at'])
    .execute();

  await db.schema
    .createTable('recording_segments')
    .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
    .addColumn('segment', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('missing_chunks', 'integer', (c) => c.notNull())
    .addColumn('sealed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('recording_segments_pk', ['recording_id', 'segment'])
    .execute();

  await db.schema
    .createTable('recording_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
    .addColumn('appointment_id', 'text', (c) => c.notNull().references('appointments.id'))
    .addColumn('hospital_id', 'text', (c) => c.notNull().references('hospitals.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.references('users.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('recording_events_appointment_idx')
    .on('recording_events')
    .columns(['appointment_id', 'id'])
    .execute();

  await db.schema.alterTable('hospital_policies').addColumn('recording_on_withdraw', 'text').execute();
}
