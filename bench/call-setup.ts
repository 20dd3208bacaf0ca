// Call setup time: `npm run bench:call-setup [-- --runs 10 --warmup 1 --tune … --build auto]`.
//
// In Debian's Chromium inside a loopback-only network namespace (re-executed under `unshare` like
// scripts/e2e.mjs), a doctor starts the call and joins; the patient clicks "Join video call" on the
// appointment page, then "Join now" on the pre-join screen; the bench measures, on each side, when each
// phase of the setup happens after that Join now click, through an init script that wraps getUserMedia, WebSocket and RTCPeerConnection and watches the
// remote <video> (bench/lib/call-probe.ts). Prints tables (median and p90) and writes
// bench/results/call-setup-<timestamp>.json and call-setup-latest.json.
//
// bench/call-setup/: options.ts (the command line), milestones.ts (what is measured from the marks),
// runner.ts (one run in the browser), report.ts (summary, tables, results files).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../scripts/lib/ensure-built.mjs';
import { enterLoopbackNamespace } from '../scripts/lib/loopback-namespace.mjs';
import { CHROMIUM_PATH } from '../test/e2e/support/chromium.js';
import { callSetupOptions, type Options, ROOT } from './call-setup/options.js';
import { gitState, mergeResults, reportRuns } from './call-setup/report.js';
import { log, runCalls } from './call-setup/runner.js';
import { machineInfo } from './lib/results.js';

const SELF = fileURLToPath(import.meta.url);
const INSIDE_MARKER = 'CARECALL_BENCH_NETNS';
const EXIT_SKIPPED = 3;

async function main(options: Options): Promise<void> {
  if (options.appRoot === ROOT) ensureBuilt({ root: ROOT, mode: options.build, variable: '--build', log });
  else log(`running the app built in ${options.appRoot}/dist`);
  const machine = machineInfo();
  const git = gitState();
  const runs = await runCalls(options);
  const summary = reportRuns(runs, options, machine, git);
  if (summary.measuredRuns === 0) process.exit(1);
}

const argv = process.argv.slice(2);
const options = callSetupOptions(argv);
if (options.merge.length > 0) {
  mergeResults(options);
  process.exit(0);
}
const skip = (reason: string): never => {
  log(`SKIPPED: ${reason}`);
  process.exit(EXIT_SKIPPED);
};
if (!existsSync(CHROMIUM_PATH)) skip(`${CHROMIUM_PATH} is missing (apt-get install -y chromium)`);
const inside = enterLoopbackNamespace({
  argv: [process.execPath, ...process.execArgv, SELF, ...argv],
  marker: INSIDE_MARKER,
  cannotRun: skip,
  log,
});
if (inside) {
  main(options).catch((error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
