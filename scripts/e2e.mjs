#!/usr/bin/env node
// The browser-test runner: `node scripts/e2e.mjs [playwright test args…]`.
//
// Browser tests run only inside a network namespace this run made (TESTING.md): WebRTC gathers candidates
// on every interface, so running a browser on the open interface would put test traffic on the real
// network. Outside a loopback-only namespace this script re-executes itself under `unshare -n` (root) or
// `unshare -rn` (unprivileged user namespace) and brings `lo` up. Firefox gathers no ICE candidate with
// `lo` alone, so inside the namespace it then adds a veth pair whose both ends stay in the namespace
// (scripts/lib/contained-veth.mjs). It builds the app when `dist/` is missing or older than its sources,
// then runs `playwright test` and exits with its code.
//
// Exit codes: Playwright's own (0 passed, 1 failed); 3 = suite SKIPPED (reason printed on a line that
// starts with "e2e: SKIPPED"). Where the suite is required (CI=true, or CARECALL_REQUIRE lists
// "browser") a reason to skip is a failure (exit 1) instead. Without /usr/bin/firefox-esr or the veth
// pair only the Firefox specs are skipped, unless Firefox is required (CI=true, or CARECALL_REQUIRE
// lists "browser" or "firefox"): then the run fails before it starts.
//
// CARECALL_E2E_BUILD=auto (default: build when dist/ is missing or older than src/) | always | never
// (leave dist/ alone; a spec that needs the app then fails with a clear message).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addContainedVethPair } from './lib/contained-veth.mjs';
import { ensureBuilt } from './lib/ensure-built.mjs';
import {
  enterLoopbackNamespace,
  exitLike,
  forwardSignals,
  networkInterfaces,
} from './lib/loopback-namespace.mjs';

const EXIT_SKIPPED = 3;
const CHROMIUM = '/usr/bin/chromium';
const FIREFOX = '/usr/bin/firefox-esr';
/** Set for the Playwright run when the Firefox specs cannot run here: the reason they are skipped. */
const FIREFOX_UNAVAILABLE = 'CARECALL_E2E_FIREFOX_UNAVAILABLE';
const INSIDE_MARKER = 'CARECALL_E2E_NETNS';
const root = fileURLToPath(new URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

const requiredSuites = (process.env.CARECALL_REQUIRE ?? '').split(',').map((s) => s.trim());
const required = process.env.CI === 'true' || requiredSuites.includes('browser');
const firefoxRequired = required || requiredSuites.includes('firefox');

function log(message) {
  console.error(`e2e: ${message}`);
}

function cannotRun(reason) {
  if (required) {
    log(`FAILED: ${reason}`);
    log(
      'the browser suite is required here (CI=true or CARECALL_REQUIRE includes "browser") and never runs on the open network interface.',
    );
    process.exit(1);
  }
  log(`SKIPPED: ${reason}`);
  process.exit(EXIT_SKIPPED);
}

/** Returns why Firefox cannot run here, or null once the veth pair it needs is in place. */
function prepareFirefox() {
  if (!existsSync(FIREFOX)) return `${FIREFOX} is missing (apt-get install -y firefox-esr)`;
  const failure = addContainedVethPair();
  return failure
    ? `no veth pair inside the namespace, and Firefox gathers no ICE candidate on lo alone (${failure})`
    : null;
}

function runInsideNamespace() {
  const firefoxUnavailable = prepareFirefox();
  if (firefoxUnavailable && firefoxRequired) {
    log(`FAILED: ${firefoxUnavailable}`);
    log('Firefox is required here (CI=true, or CARECALL_REQUIRE includes "browser" or "firefox").');
    process.exit(1);
  }
  if (firefoxUnavailable) log(`the Firefox specs will be SKIPPED: ${firefoxUnavailable}`);
  ensureBuilt({ root, mode: process.env.CARECALL_E2E_BUILD ?? 'auto', variable: 'CARECALL_E2E_BUILD', log });
  const cli = join(root, 'node_modules', '@playwright', 'test', 'cli.js');
  if (!existsSync(cli)) {
    log('@playwright/test is not installed: run npm ci');
    process.exit(1);
  }
  log(
    `running playwright test in a network namespace of its own (interfaces: ${networkInterfaces().join(', ')})`,
  );
  const env = { ...process.env };
  delete env[FIREFOX_UNAVAILABLE];
  if (firefoxUnavailable) env[FIREFOX_UNAVAILABLE] = firefoxUnavailable;
  const child = spawn(process.execPath, [cli, 'test', ...args], { cwd: root, stdio: 'inherit', env });
  forwardSignals(child);
  exitLike(child, log);
}

if (!existsSync(CHROMIUM)) {
  cannotRun(`${CHROMIUM} is missing (apt-get install -y chromium)`);
} else if (
  enterLoopbackNamespace({ argv: [process.execPath, self, ...args], marker: INSIDE_MARKER, cannotRun, log })
) {
  runInsideNamespace();
}
