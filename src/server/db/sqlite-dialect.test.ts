import SqliteDatabase from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { BetterSqliteDialect } from './sqlite-dialect.js';

interface Db {
  counter: { id: number; value: number };
}

describe('BetterSqliteDialect', () => {
  let db: Kysely<Db> | null = null;
  afterEach(async () => {
    await db?.destroy();
    db = null;
  });

  const open = () => {
    const sqlite = new SqliteDatabase(':memory:');
    let prepared = 0;
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((source: string) => {
      prepared++;
      return prepare(source);
    }) as typeof sqlite.prepare;
    db = new Kysely<Db>({ dialect: new BetterSqliteDialect(sqlite) });
    return { db, prepared: () => prepared };
  };

  it('runs concurrent transactions one after another, in the order they asked', async () => {
    const { db } = open();
    await sql`create table counter (id integer primary key, value integer not null)`.execute(db);
    await db.insertInto('counter').values({ id: 1, value: 0 }).execute();
    const order: number[] = [];
    // Each transaction reads, waits, then writes: interleaved, increments would be lost.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          const row = await trx
            .selectFrom('counter')
            .select('value')
            .where('id', '=', 1)
            .executeTakeFirstOrThrow();
          await new Promise((r) => setImmediate(r));
          await trx
            .updateTable('counter')
            .set({ value: row.value + 1 })
            .where('id', '=', 1)
            .execute();
          order.push(i);
        }),
      ),
    );
    const row = await db.selectFrom('counter').select('value').where('id', '=', 1).executeTakeFirstOrThrow();
    expect(row.value).toBe(50);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('prepares a statement once per SQL text', async () => {
    const { db, prepared } = open();
    await sql`create table counter (id integer primary key, value integer not null)`.execute(db);
    const before = prepared();
    for (let i = 0; i < 20; i++) await db.insertInto('counter').values({ id: i, value: i }).execute();
    for (let i = 0; i < 20; i++) await db.selectFrom('counter').selectAll().where('id', '=', i).execute();
    expect(prepared() - before).toBe(2);
  });

  it('reports affected rows and rolls back a failed transaction', async () => {
    const { db } = open();
    await sql`create table counter (id integer primary key, value integer not null)`.execute(db);
    await db.insertInto('counter').values({ id: 1, value: 1 }).execute();
    const r = await db.updateTable('counter').set({ value: 2 }).where('id', '=', 1).executeTakeFirst();
    expect(r.numUpdatedRows).toBe(1n);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('counter').set({ value: 3 }).where('id', '=', 1).execute();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const row = await db.selectFrom('counter').select('value').where('id', '=', 1).executeTakeFirstOrThrow();
    expect(row.value).toBe(2);
  });

  it('streams rows', async () => {
    const { db } = open();
    await sql`create table counter (id integer primary key, value integer not null)`.execute(db);
    await db
      .insertInto('counter')
      .values([
        { id: 1, value: 1 },
        { id: 2, value: 2 },
      ])
      .execute();
    const seen: number[] = [];
    for await (const row of db.selectFrom('counter').select('id').orderBy('id').stream()) seen.push(row.id);
    expect(seen).toEqual([1, 2]);
  });
});
