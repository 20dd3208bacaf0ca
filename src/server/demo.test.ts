import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/clock.js';
import { verifyPassword } from './accounts/passwords.js';
import { PeopleService } from './accounts/people-service.js';
import { RevocationService } from './accounts/revocation-service.js';
import { MemoryBus } from './bus/memory-bus.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { DEMO_ACCOUNTS, seedDemo } from './demo.js';
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
});
