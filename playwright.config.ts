import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/e2e/support/chromium.js';
import { assertContainedNetwork } from './test/e2e/support/network-guard.js';

// Checked here as well as in scripts/e2e.mjs so that a bare `npx playwright test` cannot reach the open interface.
assertContainedNetwork();

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
  reporter: [['list'], ['./test/e2e/support/summary-reporter.ts']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] },
    permissions: ['camera', 'microphone'],
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
});
