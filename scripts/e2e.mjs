#!/usr/bin/env node
// The browser-test runner: `node scripts/e2e.mjs [playwright test args…]`.
//
// Browser tests run only inside a network namespace whose sole interface is `lo` (TESTING.md): WebRTC
// gathers candidates on every interface, so running Chromium on the open interface would put test traffic
// on the real network. Outside such a namespace this script re-executes itself under `unshare -n`
// (root) or `unshare -rn` (unprivileged user namespace), brings `lo` up, builds the app when `dist/` is
// missing or older than its sources, then runs `playwright test` and exits with its code.
//
// Exit codes: Playwright's own (0 passed, 1 failed); 3 = suite SKIPPED (reason printed on a line that
// starts with "e2e: SKIPPED"). Where the suite is required (CI=true, or CARECALL_REQUIRE lists
// "browser") a reason to skip is a failure (exit 1) instead.
//
// CARECALL_E2E_BUILD=auto (default: build when dist/ is missing or older than src/) | always | never
// (leave dist/ alone; a spec that needs the app then fails with a clear message).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './lib/ensure-built.mjs';
import {
  enterLoopbackNamespace,
  exitLike,
  forwardSignals,
  networkInterfaces,
} from './lib/loopback-namespace.mjs';

const EXIT_SKIPPED = 3;
const CHROMIUM = '/usr/bin/chromium';
const INSIDE_MARKER = 'CARECALL_E2E_NETNS';
const root = fileURLToPath(new URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

const required =
  process.env.CI === 'true' ||
  (process.env.CARECALL_REQUIRE ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes('browser');

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

function runInsideNamespace() {
  ensureBuilt({ root, mode: process.env.CARECALL_E2E_BUILD ?? 'auto', variable: 'CARECALL_E2E_BUILD', log });
  const cli = join(root, 'node_modules', '@playwright', 'test', 'cli.js');
  if (!existsSync(cli)) {
    log('@playwright/test is not installed: run npm ci');
    process.exit(1);
  }
  log(
    `running playwright test in a loopback-only network namespace (interfaces: ${networkInterfaces().join(', ')})`,
  );
  const child = spawn(process.execPath, [cli, 'test', ...args], { cwd: root, stdio: 'inherit' });
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
