import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/support/chromium.js';
import { assertContainedNetwork } from '../e2e/support/network-guard.js';

// Measurements and stats recordings for the call engine, run by hand (not part of the suite):
//   node scripts/e2e.mjs -c test/media-probe/playwright.config.ts [-g hd] [--repeat-each=5] --output=/tmp/pw-media
assertContainedNetwork();

// biome-ignore lint/style/noDefaultExport: Playwright reads the default export.
export default defineConfig({
  testDir: '.',
  testMatch: '*.probe.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] },
    permissions: ['camera', 'microphone'],
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
});
