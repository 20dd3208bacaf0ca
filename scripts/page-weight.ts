// Page weight budget: `tsx scripts/page-weight.ts [clientDir]`, run by `npm run build:client` after
// `vite build`. For every HTML page of dist/client it weighs the JavaScript the page can load (module
// scripts, modulepreloads and every chunk they import, dynamic imports included) and its CSS, gzipped as
// the server sends them; prints a table, writes bench/results/page-weight-latest.json, and exits 1 when a
// page is over its budget.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR } from '../bench/lib/results.js';
import { formatTable, kb } from '../bench/lib/table.js';
import { type Budget, checkBudgets, measureClient } from './lib/page-weight.js';

/**
 * The budgets, gzip, 1 KB = 1000 bytes. The call page's 60 KB is the product's promise: a patient on a
 * phone over a poor network joins with at most that much JavaScript. Its lazy chunk, the recording engine,
 * is loaded only by a doctor who records (issue 16), so it has a budget of its own. The others leave room to grow (about
 * twice their size in 2026-11: login 11, appointments 17, appointment 21, device test 26 KB); raise one
 * only with a reason in the commit.
 */
export const PAGE_BUDGETS: Readonly<Record<string, Budget>> = {
  call: { jsGzip: 60_000, cssGzip: 10_000, lazyJsGzip: 12_000 },
  login: { jsGzip: 25_000, cssGzip: 10_000 },
  'set-password': { jsGzip: 25_000, cssGzip: 10_000 },
  people: { jsGzip: 40_000, cssGzip: 10_000 },
  dashboard: { jsGzip: 40_000, cssGzip: 10_000 },
  policy: { jsGzip: 40_000, cssGzip: 10_000 },
  // The admin's reports: uPlot (~22 KB) is loaded lazily, once there is a period to draw.
  analytics: { jsGzip: 40_000, cssGzip: 11_000, lazyJsGzip: 30_000 },
  audit: { jsGzip: 40_000, cssGzip: 10_000 },
  appointments: { jsGzip: 40_000, cssGzip: 10_000 },
  appointment: { jsGzip: 50_000, cssGzip: 10_000 },
  'device-test': { jsGzip: 50_000, cssGzip: 10_000 },
};

/** A page added without a budget of its own is held to this until it gets one. */
export const DEFAULT_BUDGET: Budget = { jsGzip: 60_000, cssGzip: 10_000 };

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function main(): void {
  const clientDir = process.argv[2] ?? join(ROOT, 'dist', 'client');
  const pages = measureClient(clientDir);
  const results = checkBudgets(pages, PAGE_BUDGETS, DEFAULT_BUDGET);
  const rows = pages.map((page) => {
    const result = results.find((r) => r.page === page.page);
    const budget = result?.budget ?? DEFAULT_BUDGET;
    return [
      page.page,
      kb(page.totals.jsGzip),
      `${kb(budget.jsGzip)}${budget.lazyJsGzip !== undefined ? ' eager' : ''}${result?.defaultBudget ? ' (default)' : ''}`,
      kb(page.totals.jsBrotli),
      kb(page.totals.jsRaw),
      `${page.totals.jsLazyGzip > 0 ? kb(page.totals.jsLazyGzip) : '—'}${budget.lazyJsGzip !== undefined ? ` (budget ${kb(budget.lazyJsGzip)})` : ''}`,
      kb(page.totals.cssGzip),
      kb(budget.cssGzip),
      page.totals.prefetchGzip > 0 ? kb(page.totals.prefetchGzip) : '—',
      String(page.js.length),
      result && result.problems.length > 0 ? 'OVER' : 'ok',
    ];
  });
  console.log(
    '\nPage weight: what each page downloads (JavaScript incl. lazy chunks, CSS), gzip level 9; prefetches are fetched when idle and not budgeted\n',
  );
  console.log(
    formatTable(
      [
        'page',
        'JS gzip',
        'JS budget',
        'JS brotli',
        'JS raw',
        'of which lazy',
        'CSS gzip',
        'CSS budget',
        'prefetched for next page',
        'JS files',
        'status',
      ],
      rows,
    ),
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'page-weight-latest.json');
  writeFileSync(
    file,
    `${JSON.stringify({ bench: 'page-weight', date: new Date().toISOString(), clientDir, budgets: PAGE_BUDGETS, defaultBudget: DEFAULT_BUDGET, results, pages }, null, 2)}\n`,
  );
  console.log(`\nresults: ${file}`);
  const over = results.filter((r) => r.problems.length > 0);
  for (const result of over) {
    for (const problem of result.problems) console.error(`page-weight: ${result.page}: ${problem}`);
  }
  if (over.length > 0) {
    console.error('page-weight: FAILED: over budget (budgets in scripts/page-weight.ts)');
    process.exit(1);
  }
}

main();
