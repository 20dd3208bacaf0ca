/**
 * What the hash chain costs an audit append (docs/audit.md): the plain insert that was written before the
 * chain ("plain": one INSERT, as `AuditRepo.record` did) against the chained append (resolve the
 * hospital, lock the chain's head, hash, insert, move the head, in a transaction), one writer at a time and
 * with several concurrent writers on one hospital's chain, on SQLite (a file, as in production) and on
 * PostgreSQL (a fresh schema). Afterwards every chain is verified, and the verification is timed too.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { systemClock } from '../src/server/clock.js';
import { type Db, migrateToLatest, openDatabase } from '../src/server/db/database.js';
import { newId } from '../src/server/ids.js';
import { createStore } from '../src/server/store.js';
import { parseOptions } from './lib/args.js';
import { machineInfo, runBenchmark, writeResults } from './lib/results.js';
import { percentile } from './lib/stats.js';
import { formatTable } from './lib/table.js';

const { postgres, appends, writers } = parseOptions({
  name: 'bench:audit',
  usage: 'node --import tsx bench/audit.ts [options]',
  options: {
    postgres: {
      type: 'string',
      default: '',
      env: ['DATABASE_URL_TEST'],
      value: 'URL',
      help: 'a PostgreSQL to measure on too (a schema of its own is made and dropped)',
    },
    appends: { type: 'number', default: 1000, help: 'appends per pass' },
    writers: { type: 'number', default: 8, help: 'concurrent writers in the concurrent pass' },
  },
  notes: 'audit append cost before and after the hash chain, one writer and several, SQLite and PostgreSQL',
});

interface Pass {
  database: string;
  mode: string;
  writers: number;
  appends: number;
  perSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

async function timed(
  n: number,
  concurrency: number,
  op: () => Promise<void>,
): Promise<{ total: number; each: number[] }> {
  const each: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const t = performance.now();
        await op();
        each.push(performance.now() - t);
      }
    }),
  );
  return { total: performance.now() - start, each };
}

async function measure(
  name: string,
  db: Db,
): Promise<{ passes: Pass[]; verifyMs: number; verified: number }> {
  const store = createStore(db, systemClock);
  const hospital = await store.users.createHospital('Bench');
  const passes: Pass[] = [];
  const plain = () =>
    db.kysely
      .insertInto('audit_events')
      .values({
        id: newId(),
        at: Date.now(),
        actor_id: null,
        action: 'bench.plain',
        appointment_id: null,
        outcome: 'ok',
        detail: '{"code":"x"}',
      })
      .execute()
      .then(() => undefined);
  const chained = () =>
    store.audit.record({
      actorId: null,
      hospitalId: hospital.id,
      action: 'bench.chained',
      outcome: 'ok',
      detail: { code: 'x' },
    });
  for (const [mode, op] of [
    ['plain insert (before)', plain],
    ['chained append (after)', chained],
  ] as const) {
    for (const w of name === 'sqlite' ? [1] : [1, writers]) {
      const r = await timed(appends, w, op);
      passes.push({
        database: name,
        mode,
        writers: w,
        appends,
        perSecond: Math.round((appends / r.total) * 1000),
        p50Ms: percentile(r.each, 50),
        p99Ms: percentile(r.each, 99),
      });
    }
  }
  // The plain rows are outside every chain by design: remove them before verifying.
  await db.kysely.deleteFrom('audit_events').where('action', '=', 'bench.plain').execute();
  const t = performance.now();
  const verdict = await store.audit.verify(hospital.id);
  const verifyMs = performance.now() - t;
  if (!verdict.ok) throw new Error(`the chain does not verify: ${verdict.message}`);
  return { passes, verifyMs, verified: verdict.checked };
}

async function main(): Promise<void> {
  const results: Record<string, { passes: Pass[]; verifyMs: number; verified: number }> = {};
  const dir = mkdtempSync(join(tmpdir(), 'carecall-bench-audit-'));
  try {
    const sqlite = openDatabase({ kind: 'sqlite', file: join(dir, 'bench.db') });
    await migrateToLatest(sqlite);
    results['sqlite'] = await measure('sqlite', sqlite);
    await sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (postgres) {
    const schema = `cc_bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgres });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const db = openDatabase({ kind: 'postgres', url: postgres }, { schema });
    try {
      await migrateToLatest(db);
      results['postgres'] = await measure('postgres', db);
    } finally {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }
  const f = (v: number | null) => (v === null ? '—' : v.toFixed(2));
  const rows = Object.values(results).flatMap((r) =>
    r.passes.map((p) => [
      p.database,
      p.mode,
      String(p.writers),
      String(p.appends),
      String(p.perSecond),
      f(p.p50Ms),
      f(p.p99Ms),
    ]),
  );
  const verifyRows = Object.entries(results).map(([name, r]) => [
    name,
    String(r.verified),
    r.verifyMs.toFixed(0),
  ]);
  const machine = machineInfo();
  process.stdout.write(
    `audit append, ${machine.cpus} cores, Node ${machine.node}, load ${machine.loadAverage.join(' ')}\n` +
      `${formatTable(['database', 'append', 'writers', 'appends', 'per second', 'p50 ms', 'p99 ms'], rows)}\n\n` +
      `${formatTable(['database', 'entries verified', 'verify ms'], verifyRows)}\n`,
  );
  const file = writeResults('audit', { benchmark: 'audit', machine, appends, writers, results });
  process.stdout.write(`results: ${file}\n`);
}

runBenchmark('audit', main);
