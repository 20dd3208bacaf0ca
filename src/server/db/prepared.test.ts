import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/clock.js';
import { seedWorld, type World } from '../../../test/support/fixtures.js';
import { testDatabases } from '../../../test/support/suites.js';
import type { Role } from '../../protocol/call-status.js';
import { createStore } from '../store.js';
import type { Db } from './database.js';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

describe.each(testDatabases())('prepared queries on $name', ({ open }) => {
  let db: Db;
  let world: World;
  const now = 1_800_000_000_000;

  beforeEach(async () => {
    db = await open();
    world = await seedWorld(createStore(db, new FakeClock(now)), now);
  });
  afterEach(async () => {
    await db.close();
  });

  it('binds each call’s arguments where the builder put them, around the values it fixed itself', async () => {
    // Arguments and literals interleaved, one argument used twice, a null argument.
    const build = (k: Kysely<Database>, role: Role, email: string, hospital: string | null) =>
      k
        .selectFrom('users')
        .select(['id', 'email'])
        .where('role', '=', role)
        .where('disabled_at', 'is', null)
        .where((eb) =>
          eb.or([eb('email', '=', email), eb('hospital_id', '=', hospital), eb('email', '=', email)]),
        )
        .where('created_at', '>=', 0)
        .orderBy('email');
    let builds = 0;
    const q = new PreparedQuery((k, role: Role, email: string, hospital: string | null) => {
      builds++;
      return build(k, role, email, hospital);
    });
    const rows = async (...args: [Role, string, string | null]) => (await q.execute(db.kysely, ...args)).rows;
    const cases: Array<[Role, string, string | null]> = [
      ['doctor', 'nobody@x.test', world.hospitalA],
      ['patient', 'patient@a.test', null],
      ['doctor', 'doctor@b.test', 'no-such-hospital'],
      ['admin', 'admin@a.test', world.hospitalB],
    ];
    for (const args of cases) {
      expect(await rows(...args)).toEqual(await build(db.kysely, ...args).execute());
    }
    expect((await rows('doctor', 'x', world.hospitalA)).map((r) => r.email)).toEqual(['doctor@a.test']);
    expect(builds).toBe(1);
  });

  it('runs inside a transaction, which commits or rolls back what it wrote', async () => {
    const rename = new PreparedQuery((k, name: string, id: string) =>
      k.updateTable('users').set({ display_name: name }).where('id', '=', id),
    );
    const changed = async (k: Kysely<Database>, name: string, id: string) =>
      Number((await rename.execute(k, name, id)).numAffectedRows);
    const name = async () =>
      (
        await db.kysely
          .selectFrom('users')
          .select('display_name')
          .where('id', '=', world.doctor.id)
          .executeTakeFirst()
      )?.display_name;
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        expect(await changed(trx, 'Rolled back', world.doctor.id)).toBe(1);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await name()).toBe('Dr. A');
    await db.kysely.transaction().execute(async (trx) => {
      await changed(trx, 'Dr. Renamed', world.doctor.id);
    });
    expect(await name()).toBe('Dr. Renamed');
    expect(await changed(db.kysely, 'x', 'no-such-user')).toBe(0);
  });

  it('refuses a builder that uses an argument other than as a bound value', async () => {
    const asIdentifier = new PreparedQuery((k, column: string) =>
      k.selectFrom('users').select('id').where(sql.ref(column), '=', 'x'),
    );
    await expect(asIdentifier.execute(db.kysely, 'email')).rejects.toThrow('into its SQL text');
    const unused = new PreparedQuery((k, _id: string) => k.selectFrom('users').select('id'));
    await expect(unused.execute(db.kysely, 'x')).rejects.toThrow('argument 0');
    const transformed = new PreparedQuery((k, email: string) =>
      k.selectFrom('users').select('id').where('email', 'like', `${email}%`),
    );
    await expect(transformed.execute(db.kysely, 'X')).rejects.toThrow('argument 0');
  });
});
