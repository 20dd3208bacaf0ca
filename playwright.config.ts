import { defineConfig } from '@playwright/test';
import { assertLoopbackOnlyNetwork } from './test/e2e/network-guard.js';

// Checked here as well as in scripts/e2e.mjs so that a bare `npx playwright test` cannot reach the open interface.
assertLoopbackOnlyNetwork();

/** The Chromium flags of /work/shared/TESTING.md. Arguments are passed without a shell: no quoting. */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--auto-accept-this-tab-capture',
  '--auto-select-desktop-capture-source=Entire screen',
];

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  // One Chromium with several WebRTC calls saturates 2 cores; parallel workers only add flakiness.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['./test/e2e/summary-reporter.ts']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
    permissions: ['camera', 'microphone'],
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
});
