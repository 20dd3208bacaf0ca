import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';
import type { AxeResults } from 'axe-core';
import { DEMO_ACCOUNTS, expect, signIn, test } from './fixtures.js';

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const BLOCKING_IMPACTS = ['serious', 'critical'];

// addScriptTag inserts axe as an inline <script>, which the app's Content-Security-Policy rightly refuses.
// Lifting the CSP for this file only changes what may be injected, not what the pages render.
test.use({ bypassCSP: true });

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  targets: string[];
}

async function axeViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: AXE_SOURCE });
  return page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run: (context: Document) => Promise<AxeResults> } };
    const results = await axe.run(document);
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.map((node) => node.target.join(' ')),
    }));
  });
}

/** Prints every violation (so minor ones are seen too) and fails on serious or critical ones. */
async function expectNoSeriousViolations(page: Page, label: string): Promise<void> {
  const violations = await axeViolations(page);
  for (const v of violations) {
    console.log(
      `[axe ${label}] ${v.impact ?? 'unknown'} ${v.id}: ${v.help} (${v.helpUrl})\n    ${v.targets.join('\n    ')}`,
    );
  }
  const blocking = violations.filter((v) => v.impact !== null && BLOCKING_IMPACTS.includes(v.impact));
  expect(
    blocking.map((v) => `${v.impact} ${v.id}: ${v.help}`),
    `serious/critical axe violations on ${label}`,
  ).toEqual([]);
}

test.describe('accessibility (axe-core)', () => {
  test('the login page has no serious or critical violations', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByLabel('Email', { exact: true })).toBeVisible();
    await expectNoSeriousViolations(page, 'login');
  });

  test('the appointments page has no serious or critical violations', async ({ app, page }) => {
    await signIn(page, DEMO_ACCOUNTS.patient, app.demoPassword);
    await expect(page.locator('a[href^="/appointments/"]').first()).toBeVisible();
    await expectNoSeriousViolations(page, 'appointments');
  });

  for (const role of ['doctor', 'patient'] as const) {
    test(`the appointment page seen by the ${role} has no serious or critical violations`, async ({
      app,
      page,
    }) => {
      await signIn(page, DEMO_ACCOUNTS[role], app.demoPassword);
      await page.locator('a[href^="/appointments/"]').first().click();
      await expect(page.getByRole('status').first()).toBeVisible();
      await expect(page.getByLabel('Message', { exact: true })).toBeVisible();
      await expectNoSeriousViolations(page, `appointment (${role})`);
    });
  }
});
