// Loaded into a benchmarked node with `--import` (bench:signaling --sql-stats): counts and times every
// SQLite statement by its SQL text (statement-stats.mjs) and writes the totals to <pid>.json in the folder
// $CARECALL_BENCH_SQL_STATS when the process exits.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordStatements } from './statement-stats.mjs';

const out = process.env.CARECALL_BENCH_SQL_STATS;
if (out) {
  const stats = recordStatements();
  process.on('exit', () => {
    const rows = [...stats.bySql].map(([sql, e]) => ({ sql, count: e.count, ms: Number(e.ns) / 1e6 }));
    writeFileSync(join(out, `${process.pid}.json`), JSON.stringify(rows.sort((a, b) => b.ms - a.ms)));
  });
}
