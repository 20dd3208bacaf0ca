import { type Compilable, CompiledQuery } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/clock.js';
import { seedWorld, type World } from '../../test/support/fixtures.js';
import { testDatabases } from '../../test/support/suites.js';
import type { Db } from './db/database.js';
import { migrateToLatest } from './db/database.js';
import { createStore, type Store } from './store.js';

// One contract, every database: the same assertions run against SQLite and PostgreSQL.
describe.each(testDatabases())('store contract on $name', ({ open }) => {
  let db: Db;
  let store: Store;
  let world: World;
  const clock = new FakeClock(1_800_000_000_000);

  beforeEach(async () => {
    db = await open();
    store = createStore(db, clock);
    world = await seedWorld(store, clock.now());
  });
  afterEach(async () => {
    await db.close();
  });

  it('migrations are idempotent', async () => {
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('looks up call links, call cookies and audit events by appointment through an index, not a table scan', async () => {
    if (db.kind !== 'sqlite') return; // PostgreSQL plans a scan for tables this small whatever the indexes.
    const plan = async (query: Compilable) => {
      const { sql, parameters } = query.compile();
      const explained = await db.kysely.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
      );
      return explained.rows.map((r) => r.detail).join('; ');
    };
    for (const table of ['call_links', 'call_grants'] as const) {
      const revoke = db.kysely
        .updateTable(table)
        .set({ revoked_at: clock.now() })
        .where('appointment_id', '=', world.appointment.id)
        .where('call_session_id', '!=', 'x')
        .where('revoked_at', 'is', null);
      expect(await plan(revoke)).toContain(`USING INDEX ${table}_appointment_idx`);
    }
    const audit = db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('appointment_id', '=', world.appointment.id);
    expect(await plan(audit)).toContain('USING INDEX audit_events_appointment_idx');
  });

  it('finds users by email case-insensitively and keeps roles and hospitals', async () => {
    const u = await store.users.findByEmail('  DOCTOR@A.test ');
    expect(u?.id).toBe(world.doctor.id);
    expect(u?.hospital_id).toBe(world.hospitalA);
    expect(world.patient.hospital_id).toBeNull();
  });

  it('rejects a second user with the same email', async () => {
    await expect(
      store.users.create({
        email: 'Doctor@a.test',
        passwordHash: 'x',
        role: 'patient',
        displayName: 'Dup',
        hospitalId: null,
      }),
    ).rejects.toThrow();
  });

  it('refuses a doctor without a hospital at the database level too', async () => {
    await expect(
      db.kysely
        .insertInto('users')
        .values({
          id: 'x',
          email: 'x@x.test',
          password_hash: 'x',
          role: 'doctor',
          display_name: 'X',
          hospital_id: null,
          created_at: clock.now(),
          disabled_at: null,
        })
        .execute(),
    ).rejects.toThrow();
  });

  it('sessions: lookup by token, expiry, revocation; only the hash is stored', async () => {
    const s = await store.sessions.create(world.doctor.id, 60_000);
    const found = await store.sessions.lookup(s.token);
    expect(found?.user.id).toBe(world.doctor.id);
    expect(found?.csrfToken).toBe(s.csrfToken);
    const rows = await db.kysely.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(s.token);
    expect(await store.sessions.lookup('forged-token')).toBeNull();
    clock.advance(60_001);
    expect(await store.sessions.lookup(s.token)).toBeNull();
    clock.advance(-60_001);
    await store.sessions.revoke(s.idHash);
    expect(await store.sessions.lookup(s.token)).toBeNull();
  });

  it('lists appointments per doctor, patient and hospital with names', async () => {
    const mine = await store.appointments.listForDoctor(world.doctor.id);
    expect(mine.map((a) => a.id)).toEqual([world.appointment.id]);
    expect(mine[0]?.patient_name).toBe('Patient A');
    expect((await store.appointments.listForPatient(world.patient.id)).map((a) => a.id)).toEqual([
      world.appointment.id,
    ]);
    expect((await store.appointments.listForHospital(world.hospitalB)).map((a) => a.id)).toEqual([
      world.otherAppointment.id,
    ]);
  });

  it('updateIfVersion writes once per version (optimistic lock)', async () => {
    const a = world.appointment;
    expect(await store.appointments.updateIfVersion(a.id, a.version, { video_call_status: 'waiting' })).toBe(
      true,
    );
    expect(await store.appointments.updateIfVersion(a.id, a.version, { video_call_status: 'ended' })).toBe(
      false,
    );
    const after = await store.appointments.get(a.id);
    expect(after?.video_call_status).toBe('waiting');
    expect(after?.version).toBe(a.version + 1);
  });

  it('rejects an unknown call status', async () => {
    await expect(
      db.kysely
        .updateTable('appointments')
        .set({ video_call_status: 'bogus' as never })
        .where('id', '=', world.appointment.id)
        .execute(),
    ).rejects.toThrow();
  });

  it('chat: stores once per clientId, lists oldest first, pages backwards', async () => {
    const first = await store.chat.add({
      appointmentId: world.appointment.id,
      senderId: world.patient.id,
      clientId: 'c1',
      body: 'hello',
    });
    expect(first.created).toBe(true);
    const again = await store.chat.add({
      appointmentId: world.appointment.id,
      senderId: world.patient.id,
      clientId: 'c1',
      body: 'hello',
    });
    expect(again.created).toBe(false);
    expect(again.message.id).toBe(first.message.id);
    clock.advance(1000);
    await store.chat.add({
      appointmentId: world.appointment.id,
      senderId: world.doctor.id,
      clientId: 'c1',
      body: 'hi <b>there</b>',
    });
    const all = await store.chat.list(world.appointment.id, { limit: 10 });
    expect(all.map((m) => [m.senderRole, m.body])).toEqual([
      ['patient', 'hello'],
      ['doctor', 'hi <b>there</b>'],
    ]);
    expect(await store.chat.list(world.appointment.id, { limit: 10, before: clock.now() })).toHaveLength(1);
    expect(await store.chat.list(world.otherAppointment.id, { limit: 10 })).toEqual([]);
  });

  it('audit events keep actor, action and outcome in order', async () => {
    await store.audit.record({
      actorId: world.doctor.id,
      action: 'call.start',
      appointmentId: world.appointment.id,
      outcome: 'ok',
    });
    await store.audit.record({
      actorId: null,
      action: 'auth.login',
      outcome: 'denied',
      detail: { code: 'x' },
    });
    const events = await store.audit.list();
    expect(events.map((e) => [e.action, e.outcome])).toEqual([
      ['call.start', 'ok'],
      ['auth.login', 'denied'],
    ]);
    expect(await store.audit.list({ appointmentId: world.appointment.id })).toHaveLength(1);
  });
});
