import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, Migrator, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { entryHash } from '../../src/server/audit/audit-chain.js';
import { systemClock } from '../../src/server/clock.js';
import { type Db, migrateToLatest, openDatabase } from '../../src/server/db/database.js';
import { migrations } from '../../src/server/db/migrations/index.js';
import type { AuditEventTable } from '../../src/server/db/schema.js';
import { createStore, type Store } from '../../src/server/store.js';
import { postgresUrl, serviceAvailable } from '../support/suites.js';

/**
 * `carecall audit verify`, run as the operator runs it (a new process on the database), against a chain
 * that is then changed, cut and added to behind the application's back, on SQLite and PostgreSQL.
 */
interface Target {
  name: string;
  db: Db;
  /** Another node's connection to the same database. */
  another: () => Db;
  env: Record<string, string>;
  drop: () => Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'carecall-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Migrated to `upTo` (by default all the way). */
async function migrate(db: Db, upTo?: string): Promise<void> {
  if (!upTo) return void (await migrateToLatest(db));
  const schema =
    db.kind === 'postgres'
      ? (await sql<{ name: string }>`select current_schema() as name`.execute(db.kysely)).rows[0]?.name
      : undefined;
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error } = await migrator.migrateTo(upTo);
  if (error) throw error;
}

async function sqliteTarget(upTo?: string): Promise<Target> {
  const file = join(dir, `audit-${randomBytes(4).toString('hex')}.db`);
  const db = openDatabase({ kind: 'sqlite', file });
  await migrate(db, upTo);
  return {
    name: 'sqlite',
    db,
    another: () => openDatabase({ kind: 'sqlite', file }),
    env: { DATABASE_URL: `sqlite:${file}` },
    drop: async () => {},
  };
}

async function postgresTarget(url: string, upTo?: string): Promise<Target> {
  const schema = `cc_audit_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const db = openDatabase({ kind: 'postgres', url }, { schema });
  await migrate(db, upTo);
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema}`);
  return {
    name: 'postgres',
    db,
    another: () => openDatabase({ kind: 'postgres', url }, { schema }),
    env: { DATABASE_URL: withSchema.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}

const targets: { name: string; open: (upTo?: string) => Promise<Target> }[] = [
  { name: 'sqlite', open: sqliteTarget },
];
const url = postgresUrl();
if (serviceAvailable('postgres') && url) {
  targets.push({ name: 'postgres', open: (upTo) => postgresTarget(url, upTo) });
}

function verify(t: Target, args: string[] = []) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/server/main.ts', 'audit', 'verify', ...args],
    {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', ...t.env },
    },
  );
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

type Row = AuditEventTable;

async function chainRows(store: Store, chain: string): Promise<Row[]> {
  const rows = await store.db.kysely
    .selectFrom('audit_events')
    .selectAll()
    .where('chain', '=', chain)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq), at: Number(r.at) }));
}

/** A forged entry as someone who knows the format would write it: hashed, linked to `prev`. */
function forge(like: Row, id: string, seq: number, prevHash: string): Row {
  const row = { ...like, id, seq, prev_hash: prevHash, action: 'policy.update', outcome: 'ok' as const };
  return { ...row, hash: entryHash({ ...row, chain: row.chain ?? '', seq, prev_hash: prevHash }) };
}

// Each case runs the CLI several times, each a new Node process compiling TypeScript through tsx.
describe.each(targets)('carecall audit verify ($name)', { timeout: 240_000 }, ({ open }) => {
  it('passes an intact chain, then names a modified, a deleted and an inserted row and exits 1', async () => {
    const t = await open();
    const store = createStore(t.db, systemClock);
    try {
      const h = await store.users.createHospital('Audited');
      const other = await store.users.createHospital('Elsewhere');
      const actions = ['auth.login', 'people.create', 'policy.update', 'call.start', 'call.end'];
      for (const action of actions) {
        await store.audit.record({
          actorId: null,
          hospitalId: h.id,
          action,
          outcome: 'ok',
          target: `hospital:${h.id}`,
        });
      }
      await store.audit.record({ actorId: null, hospitalId: other.id, action: 'auth.login', outcome: 'ok' });
      await store.audit.record({ actorId: null, action: 'auth.login', outcome: 'denied' });
      const rows = await chainRows(store, h.id);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      const k = t.db.kysely;

      const ok = verify(t);
      expect(ok.code).toBe(0);
      expect(ok.out).toContain(`hospital ${h.id}: 5 entries OK`);
      expect(ok.out).toContain(`hospital ${other.id}: 1 entries OK`);
      expect(ok.out).toContain('system: 1 entries OK');

      // Modified: seq 3's outcome changed.
      const third = rows[2] as Row;
      await k.updateTable('audit_events').set({ outcome: 'denied' }).where('id', '=', third.id).execute();
      const modified = verify(t);
      expect(modified.code).toBe(1);
      expect(modified.out).toContain(`hospital ${h.id}: BROKEN at entry ${third.id} (seq 3)`);
      expect(modified.out).toContain('modified');
      expect(modified.out).toContain(`hospital ${other.id}: 1 entries OK`);
      await k.updateTable('audit_events').set({ outcome: 'ok' }).where('id', '=', third.id).execute();
      expect(verify(t).code).toBe(0);

      // Deleted: seq 2 goes; the entry after the gap is named.
      const second = rows[1] as Row;
      await k.deleteFrom('audit_events').where('id', '=', second.id).execute();
      const deleted = verify(t, ['--hospital', h.id]);
      expect(deleted.code).toBe(1);
      expect(deleted.out).toContain(`BROKEN at entry ${third.id} (seq 3): seq 2 is missing`);
      expect(deleted.out).toContain('deleted');
      expect(deleted.out).not.toContain(other.id);
      await k.insertInto('audit_events').values(second).execute();
      expect(verify(t).code).toBe(0);

      // Deleted at the end: the head remembers seq 5.
      const fifth = rows[4] as Row;
      await k.deleteFrom('audit_events').where('id', '=', fifth.id).execute();
      const cut = verify(t);
      expect(cut.code).toBe(1);
      expect(cut.out).toContain(`hospital ${h.id}: BROKEN at the end of the chain: seq 5 is missing`);
      await k.insertInto('audit_events').values(fifth).execute();

      // Inserted, hashed and linked as the real entry at seq 3 is: named whichever sorts first.
      for (const id of ['00000000-forged', 'zzzzzzzz-forged']) {
        await k
          .insertInto('audit_events')
          .values(forge(third, id, 3, second.hash ?? ''))
          .execute();
        const inserted = verify(t);
        expect(inserted.code).toBe(1);
        expect(inserted.out).toContain(`BROKEN at entry ${id} (seq 3)`);
        expect(inserted.out).toContain('inserted');
        await k.deleteFrom('audit_events').where('id', '=', id).execute();
      }
      // Inserted after the last entry, linked to it, without the head.
      await k
        .insertInto('audit_events')
        .values(forge(fifth, 'appended-forged', 6, fifth.hash ?? ''))
        .execute();
      const appended = verify(t);
      expect(appended.code).toBe(1);
      expect(appended.out).toContain('BROKEN at entry appended-forged (seq 6)');
      expect(appended.out).toContain('inserted');
      await k.deleteFrom('audit_events').where('id', '=', 'appended-forged').execute();

      // A row written around the chain entirely.
      await k
        .insertInto('audit_events')
        .values({
          id: 'loose',
          at: 1,
          actor_id: null,
          action: 'x',
          appointment_id: null,
          outcome: 'ok',
          detail: null,
        })
        .execute();
      const loose = verify(t);
      expect(loose.code).toBe(1);
      expect(loose.out).toContain('1 entries in no chain, first loose');
      await k.deleteFrom('audit_events').where('id', '=', 'loose').execute();

      expect(verify(t).code).toBe(0);
      expect(verify(t, ['--hospital', 'no-such-hospital'])).toMatchObject({
        code: 2,
        err: 'no hospital with that id',
      });
      expect(verify(t, [])).toMatchObject({ code: 0 });
    } finally {
      await t.db.close();
      await t.drop();
    }
  });

  it('many writers at once, on two connections (two nodes), give each chain one unbroken order', async ({
    task,
  }) => {
    const t = await open();
    const nodeA = createStore(t.db, systemClock);
    // SQLite is one node's file (one writer); PostgreSQL is shared by every node.
    const second = t.name === 'postgres' ? t.another() : null;
    const nodeB = second ? createStore(second, systemClock) : nodeA;
    try {
      const h = await nodeA.users.createHospital('Busy');
      const other = await nodeA.users.createHospital('Also busy');
      const writers: Promise<void>[] = [];
      for (let i = 0; i < 120; i++) {
        const store = i % 2 === 0 ? nodeA : nodeB;
        const hospitalId = i % 3 === 0 ? other.id : h.id;
        const write = async () => {
          // Half of them inside a transaction with other work, as call and policy changes are.
          if (i % 4 < 2) {
            await store.audit.record({ actorId: null, hospitalId, action: `load.${i}`, outcome: 'ok' });
          } else {
            await store.db.kysely.transaction().execute(async (trx) => {
              await trx.selectFrom('hospitals').select('id').where('id', '=', hospitalId).execute();
              await store.audit.record(
                { actorId: null, hospitalId, action: `load.${i}`, outcome: 'ok' },
                trx,
              );
            });
          }
        };
        writers.push(write());
      }
      await Promise.all(writers);
      const main = await nodeA.audit.verify(h.id);
      const side = await nodeA.audit.verify(other.id);
      expect(main).toMatchObject({ ok: true, checked: 80 });
      expect(side).toMatchObject({ ok: true, checked: 40 });
      const cli = verify(t);
      expect(cli.code, `${task.name}: ${cli.out}`).toBe(0);
      expect(cli.out).toContain(`hospital ${h.id}: 80 entries OK`);
    } finally {
      await second?.close();
      await t.db.close();
      await t.drop();
    }
  });

  it('chains the entries written before 0008_audit_chain, oldest first, each in its hospital’s chain', async () => {
    const t = await open('0007_recordings');
    const k = t.db.kysely as unknown as Kysely<LegacyDb>;
    try {
      await k
        .insertInto('hospitals')
        .values([
          { id: 'h-a', name: 'A', created_at: 1 },
          { id: 'h-b', name: 'B', created_at: 1 },
        ])
        .execute();
      const person = (id: string, role: string, hospital_id: string | null) => ({
        id,
        email: `${id}@x.test`,
        password_hash: 'x',
        role,
        display_name: id,
        hospital_id,
        created_at: 1,
        disabled_at: null,
      });
      await k
        .insertInto('users')
        .values([
          person('doc-a', 'doctor', 'h-a'),
          person('admin-b', 'admin', 'h-b'),
          person('pat', 'patient', null),
        ])
        .execute();
      await k
        .insertInto('appointments')
        .values({
          id: 'appt-a',
          hospital_id: 'h-a',
          doctor_id: 'doc-a',
          patient_id: 'pat',
          scheduled_at: 5,
          reason: '',
          room_id: null,
          video_call_status: 'not_started',
          video_call_started_at: null,
          video_call_ended_at: null,
          call_duration_seconds: null,
          recording_enabled: 0,
          screen_sharing_active: 0,
          doctor_token_hash: null,
          patient_token_hash: null,
          token_created_at: null,
          version: 1,
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      const legacy = (
        id: string,
        at: number,
        actor_id: string | null,
        action: string,
        appointment_id: string | null,
        detail: string | null,
      ) => ({ id, at, actor_id, action, appointment_id, outcome: 'ok', detail });
      await k
        .insertInto('audit_events')
        .values([
          legacy('e3', 30, 'pat', 'call.join', 'appt-a', null), // the appointment's hospital: A
          legacy('e1', 10, 'pat', 'auth.login', null, null), // a patient: system
          legacy('e2', 20, 'admin-b', 'people.create', null, '{"subject":"x","hospital":"h-b"}'), // B
          legacy('e4', 30, 'doc-a', 'auth.login', null, null), // the doctor's hospital: A
        ])
        .execute();

      await migrateToLatest(t.db);
      const store = createStore(t.db, systemClock);
      const rows = await t.db.kysely
        .selectFrom('audit_events')
        .select(['id', 'chain', 'seq', 'target'])
        .orderBy('id')
        .execute();
      expect(rows.map((r) => ({ ...r, seq: Number(r.seq) }))).toEqual([
        { id: 'e1', chain: 'system', seq: 1, target: null },
        { id: 'e2', chain: 'h-b', seq: 1, target: 'user:x' },
        { id: 'e3', chain: 'h-a', seq: 1, target: 'appointment:appt-a' },
        { id: 'e4', chain: 'h-a', seq: 2, target: null },
      ]);
      for (const chain of ['system', 'h-a', 'h-b']) {
        expect(await store.audit.verify(chain)).toMatchObject({ ok: true });
      }
      // New entries carry on each chain.
      await store.audit.record({ actorId: 'doc-a', action: 'auth.logout', outcome: 'ok' });
      expect(await store.audit.verify('h-a')).toMatchObject({ ok: true, checked: 3 });
      expect(verify(t)).toMatchObject({ code: 0 });
    } finally {
      await t.db.close();
      await t.drop();
    }
  });
});

/** The tables as they were at 0007, loosely typed for writing rows as they were then. */
interface LegacyDb {
  hospitals: { id: string; name: string; created_at: number };
  users: Record<string, string | number | null>;
  appointments: Record<string, string | number | null>;
  audit_events: Record<string, string | number | null>;
}
