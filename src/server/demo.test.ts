import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/clock.js';
import { verifyPassword } from './accounts/passwords.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { DEMO_ACCOUNTS, seedDemo } from './demo.js';
import { createStore } from './store.js';

describe('demo data', () => {
  it('creates the hospital, three accounts and an appointment today; a second start reuses them', async () => {
    const db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    await migrateToLatest(db);
    const now = new Date(2026, 10, 22, 14, 37).getTime();
    const clock = new FakeClock(now);
    const store = createStore(db, clock);

    const first = await seedDemo(store, clock, null);
    expect(first.generated).toBe(true);
    expect(first.password.length).toBeGreaterThanOrEqual(12);
    for (const a of DEMO_ACCOUNTS) {
      const u = await store.users.findByEmail(a.email);
      expect(u?.role).toBe(a.role);
      expect(await verifyPassword(first.password, u?.password_hash ?? '')).toBe(true);
    }
    const doctor = await store.users.findByEmail('doctor@demo.test');
    const [appt] = await store.appointments.listForDoctor(doctor?.id ?? '');
    expect(new Date(appt?.scheduled_at ?? 0).toDateString()).toBe(new Date(now).toDateString());
    expect(appt?.hospital_name).toBe('Demo Hospital');

    const second = await seedDemo(store, clock, 'fixed-demo-pw');
    expect(second).toEqual({ password: 'fixed-demo-pw', generated: false, createdAppointment: false });
    expect(
      await verifyPassword(
        'fixed-demo-pw',
        (await store.users.findByEmail('patient@demo.test'))?.password_hash ?? '',
      ),
    ).toBe(true);
    expect(await store.users.count()).toBe(3);

    clock.advance(86_400_000);
    expect((await seedDemo(store, clock, 'fixed-demo-pw')).createdAppointment).toBe(true);
    expect(await store.appointments.listForDoctor(doctor?.id ?? '')).toHaveLength(2);
    await db.close();
  });
});
