// The README's test command: unit + integration (Vitest), then browser tests (Playwright in a
// loopback-only namespace). Prints every skipped suite by name and one closing count line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const required = new Set(
  (process.env.CARECALL_REQUIRE ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const work = mkdtempSync(join(tmpdir(), 'carecall-test-'));
const skipped = [];
let passed = 0;
let failed = 0;
let skippedTests = 0;
let ok = true;

function run(cmd, args, env = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(
    `\n[test] ${cmd} ${args.join(' ')} finished in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${r.status})\n`,
  );
  return r.status ?? 1;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

// Service suites decide for themselves (test/support/suites.ts); this only names what will be skipped.
const pg = process.env.DATABASE_URL_TEST ?? process.env.DATABASE_URL;
if (!pg?.startsWith('postgres')) skipped.push('postgres (set DATABASE_URL_TEST=postgres://…)');
if (!(process.env.REDIS_URL_TEST ?? process.env.REDIS_URL))
  skipped.push('redis (set REDIS_URL_TEST=redis://…)');
if (!existsSync('/usr/bin/turnserver')) skipped.push('coturn (apt-get install coturn)');
if (!existsSync('/usr/bin/prometheus') || !existsSync('/usr/bin/promtool'))
  skipped.push('prometheus (apt-get install prometheus)');
// The e2e runner names any other reason (no veth pair in the namespace) on its own "SKIPPED" line.
if (!existsSync('/usr/bin/firefox-esr')) skipped.push('firefox (apt-get install firefox-esr)');

const unitJson = join(work, 'vitest.json');
const unitExit = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${unitJson}`,
]);
const unit = readJson(unitJson);
if (unit) {
  passed += unit.numPassedTests;
  failed += unit.numFailedTests;
  skippedTests += unit.numPendingTests + unit.numTodoTests;
}
if (unitExit !== 0 || !unit) {
  ok = false;
  if (!unit) failed += 1;
}

if (process.argv.includes('--no-e2e')) {
  skipped.push('browser (--no-e2e)');
} else {
  const e2eJson = join(work, 'playwright.json');
  const e2eExit = run('node', ['scripts/e2e.mjs', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson,
  });
  const e2e = existsSync(e2eJson) ? readJson(e2eJson) : null;
  if (e2eExit === 3) {
    skipped.push('browser (no loopback-only namespace or no /usr/bin/chromium; see above)');
    if (required.has('browser')) ok = false;
  } else {
    if (e2e?.stats) {
      passed += e2e.stats.expected + (e2e.stats.flaky ?? 0);
      failed += e2e.stats.unexpected;
      skippedTests += e2e.stats.skipped;
    }
    if (e2eExit !== 0 || !e2e?.stats) {
      ok = false;
      if (!e2e?.stats) failed += 1;
    }
  }
}

for (const s of skipped) console.log(`SKIPPED SUITE: ${s}`);
const missing = skipped.filter((s) => required.has(s.split(' ')[0]));
if (missing.length > 0) {
  console.log(
    `Required suites were skipped (CARECALL_REQUIRE=${[...required].join(',')}): ${missing.join('; ')}`,
  );
  ok = false;
}
console.log(`${passed} passed, ${failed} failed, ${skippedTests} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
