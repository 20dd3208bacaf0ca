import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { entryHash } from '../../src/server/audit/audit-chain.js';
import { systemClock } from '../../src/server/clock.js';
import { type Db, migrateToLatest, openDatabase } from '../../src/server/db/database.js';
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
  env: Record<string, string>;
  drop: () => Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'carecall-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sqliteTarget(): Promise<Target> {
  const file = join(dir, `audit-${randomBytes(4).toString('hex')}.db`);
  const db = openDatabase({ kind: 'sqlite', file });
  await migrateToLatest(db);
  return { name: 'sqlite', db, env: { DATABASE_URL: `sqlite:${file}` }, drop: async () => {} };
}

async function postgresTarget(url: string): Promise<Target> {
  const schema = `cc_audit_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const db = openDatabase({ kind: 'postgres', url }, { schema });
  await migrateToLatest(db);
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema}`);
  return {
    name: 'postgres',
    db,
    env: { DATABASE_URL: withSchema.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}

const targets: { name: string; open: () => Promise<Target> }[] = [{ name: 'sqlite', open: sqliteTarget }];
const url = postgresUrl();
if (serviceAvailable('postgres') && url) targets.push({ name: 'postgres', open: () => postgresTarget(url) });

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
});
