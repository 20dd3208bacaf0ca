// Loaded into a benchmarked node with `--import` (bench:signaling --sql-stats): counts and times every
// SQLite statement by its SQL text and writes the totals to <pid>.json in the folder
// $CARECALL_BENCH_SQL_STATS when the process exits. Plain JavaScript so that it also loads into the built server. Bench only: the product has no hook.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const out = process.env.CARECALL_BENCH_SQL_STATS;
if (out) {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1'));
  probe.close();
  const stats = new Map();
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = proto[method];
    proto[method] = function (...args) {
      const t0 = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const entry = stats.get(this.source) ?? { count: 0, ns: 0n };
        entry.count++;
        entry.ns += process.hrtime.bigint() - t0;
        stats.set(this.source, entry);
      }
    };
  }
  process.on('exit', () => {
    const rows = [...stats].map(([sql, e]) => ({ sql, count: e.count, ms: Number(e.ns) / 1e6 }));
    writeFileSync(join(out, `${process.pid}.json`), JSON.stringify(rows.sort((a, b) => b.ms - a.ms)));
  });
}
