import type { Kysely } from 'kysely';

/**
 * Call quality (issue 17, src/protocol/call-quality.ts).
 *
 * `call_quality_windows`: every summary a party's browser sent (one per ~10 s of a call), kept so the
 * medians below are exact and can be recomputed. `summary` is the validated JSON of `QualitySummary`.
 *
 * `call_quality`: one row per call session and party, rewritten from its windows after each one arrives:
 * medians and worst figures, time at each level, reconnects and audio-only time. The doctor's report after
 * a call and the admin's analytics read these rows.
 *
 * `call_sessions.patient_checked_in_at`: when the patient checked in to the waiting room before this call
 * started (the appointment's check-in, which the start clears), so the admin's "wait before the doctor
 * joined" counts the time in the waiting room (docs/analytics.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('call_sessions').addColumn('patient_checked_in_at', 'bigint').execute();

  await db.schema
    .createTable('call_quality_windows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('call_session_id', 'text', (c) => c.notNull().references('call_sessions.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('call_quality_windows_session_idx')
    .on('call_quality_windows')
    .columns(['call_session_id', 'role'])
    .execute();

  await db.schema
    .createTable('call_quality')
    .addColumn('call_session_id', 'text', (c) => c.notNull().references('call_sessions.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('windows', 'integer', (c) => c.notNull())
    .addColumn('measured_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('rtt_median_ms', 'integer')
    .addColumn('rtt_worst_ms', 'integer')
    .addColumn('jitter_median_ms', 'integer')
    .addColumn('jitter_worst_ms', 'integer')
    .addColumn('loss_median_pct', 'double precision')
    .addColumn('loss_worst_pct', 'double precision')
    .addColumn('send_kbps_median', 'integer')
    .addColumn('send_kbps_worst', 'integer')
    .addColumn('recv_kbps_median', 'integer')
    .addColumn('recv_kbps_worst', 'integer')
    .addColumn('recv_height_median', 'integer')
    .addColumn('recv_height_worst', 'integer')
    .addColumn('recv_fps_median', 'integer')
    .addColumn('recv_fps_worst', 'integer')
    .addColumn('relayed', 'integer', (c) => c.notNull())
    .addColumn('candidate_type', 'text')
    .addColumn('excellent_ms', 'bigint', (c) => c.notNull())
    .addColumn('good_ms', 'bigint', (c) => c.notNull())
    .addColumn('poor_ms', 'bigint', (c) => c.notNull())
    .addColumn('lost_ms', 'bigint', (c) => c.notNull())
    .addColumn('reconnects', 'integer', (c) => c.notNull())
    .addColumn('audio_only_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_quality_pk', ['call_session_id', 'role'])
    .execute();
}
