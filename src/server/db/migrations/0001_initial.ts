import { type Kysely, sql } from 'kysely';

// Migrations take Kysely<unknown>: they must not depend on today's schema types.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hospitals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sqlIn('role', ['doctor', 'patient', 'admin'])))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('hospital_id', 'text', (c) => c.references('hospitals.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .addCheckConstraint('users_staff_have_hospital', rawSql("role = 'patient' OR hospital_id IS NOT NULL"))
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('appointments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('hospital_id', 'text', (c) => c.notNull().references('hospitals.id'))
    .addColumn('doctor_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('patient_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('scheduled_at', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('room_id', 'text', (c) => c.unique())
    .addColumn('video_call_status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('not_started')
        .check(sqlIn('video_call_status', ['not_started', 'waiting', 'in_progress', 'ended'])),
    )
    .addColumn('video_call_started_at', 'bigint')
    .addColumn('video_call_ended_at', 'bigint')
    .addColumn('call_duration_seconds', 'integer')
    .addColumn('recording_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('screen_sharing_active', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('doctor_token_hash', 'text')
    .addColumn('patient_token_hash', 'text')
    .addColumn('token_created_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('appointments_doctor_idx')
    .on('appointments')
    .columns(['doctor_id', 'scheduled_at'])
    .execute();
  await db.schema
    .createIndex('appointments_patient_idx')
    .on('appointments')
    .columns(['patient_id', 'scheduled_at'])
    .execute();
  await db.schema
    .createIndex('appointments_hospital_idx')
    .on('appointments')
    .columns(['hospital_id', 'scheduled_at'])
    .execute();

  await db.schema
    .createTable('call_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('appointment_id', 'text', (c) => c.notNull().references('appointments.id'))
    .addColumn('room_id', 'text', (c) => c.notNull().unique())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('connected_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('duration_seconds', 'integer')
    .addColumn('doctor_joined_at', 'bigint')
    .addColumn('patient_joined_at', 'bigint')
    .addColumn('end_reason', 'text')
    .addColumn('ended_by', 'text')
    .execute();
  await db.schema
    .createIndex('call_sessions_appointment_idx')
    .on('call_sessions')
    .columns(['appointment_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('chat_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('appointment_id', 'text', (c) => c.notNull().references('appointments.id'))
    .addColumn('sender_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('chat_messages_idempotency', ['appointment_id', 'sender_id', 'client_id'])
    .execute();
  await db.schema
    .createIndex('chat_messages_appointment_idx')
    .on('chat_messages')
    .columns(['appointment_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('appointment_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('audit_events_at_idx').on('audit_events').column('at').execute();
}

function rawSql(expr: string) {
  return sql.raw(expr);
}

function sqlIn(column: string, values: string[]) {
  return sql.raw(`${column} IN (${values.map((v) => `'${v}'`).join(', ')})`);
}
