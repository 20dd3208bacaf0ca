import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/clock.js';
import { verifyPassword } from './accounts/passwords.js';
import { PeopleService } from './accounts/people-service.js';
import { RevocationService } from './accounts/revocation-service.js';
import { MemoryBus } from './bus/memory-bus.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { DEMO_ACCOUNTS, ensureDemoRecordingsKey, seedDemo } from './demo.js';
import { Broadcaster } from './realtime/broadcaster.js';
import { createStore } from './store.js';

describe('demo data', () => {
  it('creates the hospital, three accounts (through the people service) and an appointment today; a second start reuses them', async () => {
    const db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    await migrateToLatest(db);
    const now = new Date(2026, 10, 22, 14, 37).getTime();
    const clock = new FakeClock(now);
    const store = createStore(db, clock);
    const bus = new MemoryBus();
    const revocation = new RevocationService(store, new Broadcaster(bus), clock);
    const people = new PeopleService({
      store,
      clock,
      revocation,
      mailer: null,
      publicOrigin: 'http://127.0.0.1:1',
      linkTtlMs: 3_600_000,
    });
    const demo = { store, people, clock };

    const first = await seedDemo(demo, null);
    expect(first.generated).toBe(true);
    expect(first.password.length).toBeGreaterThanOrEqual(12);
    for (const a of DEMO_ACCOUNTS) {
      const u = await store.users.findByEmail(a.email);
      expect(u?.role).toBe(a.role);
      expect(await verifyPassword(first.password, u?.password_hash ?? '')).toBe(true);
    }
    // Made as an admin makes people: each audited, the patient a patient of the demo hospital.
    const made = (await store.audit.list()).filter((e) => e.action === 'people.create');
    expect(made.map((e) => e.actor_id)).toEqual([null, null, null]);
    const patient = await store.users.findByEmail('patient@demo.test');
    const hospital = await store.users.findHospitalByName('Demo Hospital');
    expect(await store.people.isPatientOf(patient?.id ?? '', hospital?.id ?? '')).toBe(true);
    const doctor = await store.users.findByEmail('doctor@demo.test');
    const [appt] = await store.appointments.listForDoctor(doctor?.id ?? '');
    expect(new Date(appt?.scheduled_at ?? 0).toDateString()).toBe(new Date(now).toDateString());
    expect(appt?.hospital_name).toBe('Demo Hospital');

    const second = await seedDemo(demo, 'fixed-demo-pw');
    expect(second).toEqual({ password: 'fixed-demo-pw', generated: false, createdAppointment: false });
    expect(
      await verifyPassword(
        'fixed-demo-pw',
        (await store.users.findByEmail('patient@demo.test'))?.password_hash ?? '',
      ),
    ).toBe(true);
    expect(await store.users.count()).toBe(3);

    clock.advance(86_400_000);
    expect((await seedDemo(demo, 'fixed-demo-pw')).createdAppointment).toBe(true);
    expect(await store.appointments.listForDoctor(doctor?.id ?? '')).toHaveLength(2);
    await bus.close();
    await db.close();
  });

  it('the demo hospital allows recording (seen by its patient too) unless its admin changed the policy', async () => {
    const db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    await migrateToLatest(db);
    const clock = new FakeClock();
    const store = createStore(db, clock);
    const revocation = new RevocationService(store, new Broadcaster(new MemoryBus()), clock);
    const people = new PeopleService({
      store,
      clock,
      revocation,
      mailer: null,
      publicOrigin: 'http://127.0.0.1:1',
      linkTtlMs: 3_600_000,
    });
    await seedDemo({ store, people, clock }, 'fixed-demo-pw');
    const hospital = await store.users.findHospitalByName('Demo Hospital');
    const row = await store.policies.find(hospital?.id ?? '');
    expect(row).toMatchObject({ recording_allowed: 1, patients_see_recordings: 1 });
    await store.policies.save({ ...(row as NonNullable<typeof row>), recording_allowed: 0 });
    await seedDemo({ store, people, clock }, 'fixed-demo-pw');
    expect((await store.policies.find(hospital?.id ?? ''))?.recording_allowed).toBe(0);
    await db.close();
  });

  it('makes its recordings key once, readable by its owner only, and keeps it across starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'carecall-demo-'));
    try {
      const file = ensureDemoRecordingsKey(join(dir, 'recordings'));
      expect(file).toBe(join(dir, 'recordings.key'));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readFileSync(file, 'utf8').trim();
      expect(Buffer.from(key, 'base64url')).toHaveLength(32);
      ensureDemoRecordingsKey(join(dir, 'recordings'));
      expect(readFileSync(file, 'utf8').trim()).toBe(key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
