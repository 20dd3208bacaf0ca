import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';
import type { AxeResults } from 'axe-core';
import { expect } from './fixtures.js';

// The axe-core check every spec uses (accessibility.spec.ts, and specs that reach a page state only they can
// make, such as a call with blocked devices). A spec using it needs `test.use({ bypassCSP: true })`: axe is injected inline.

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const BLOCKING_IMPACTS = ['serious', 'critical'];

/** Prints every violation and fails on serious or critical ones. */
export async function expectNoSeriousAxeViolations(page: Page, label: string): Promise<void> {
  await page.addScriptTag({ path: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run: (context: Document) => Promise<AxeResults> } };
    const results = await axe.run(document);
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((node) => node.target.join(' ')),
    }));
  });
  for (const v of violations) {
    console.log(
      `[axe ${label}] ${v.impact ?? 'unknown'} ${v.id}: ${v.help}\n    ${v.targets.join('\n    ')}`,
    );
  }
  const blocking = violations.filter((v) => v.impact !== null && BLOCKING_IMPACTS.includes(v.impact));
  expect(
    blocking.map((v) => `${v.impact} ${v.id}: ${v.help}`),
    `serious/critical axe violations on ${label}`,
  ).toEqual([]);
}
