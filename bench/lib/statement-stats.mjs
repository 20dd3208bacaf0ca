// Counts and times every better-sqlite3 statement this process runs, by its SQL text, by patching the
// statement methods once. Plain JavaScript so that bench/lib/sql-stats-preload.mjs can load it into the
// built server too. Bench only: the product has no hook.
import { createRequire } from 'node:module';

/** @type {{ count: number, bySql: Map<string, { count: number, ns: bigint }> } | null} */
let stats = null;

export function recordStatements() {
  if (stats) return stats;
  const recorded = { count: 0, bySql: new Map() };
  stats = recorded;
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1'));
  probe.close();
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = proto[method];
    proto[method] = function (...args) {
      const t0 = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        recorded.count++;
        const entry = recorded.bySql.get(this.source) ?? { count: 0, ns: 0n };
        entry.count++;
        entry.ns += process.hrtime.bigint() - t0;
        recorded.bySql.set(this.source, entry);
      }
    };
  }
  return recorded;
}
