import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect } from './fixtures.js';

/**
 * Each screen as people meet it: on a desktop (1280 px) and on a phone (360 px). The browser tests visit
 * every screen at both widths and check what a phone needs (no sideways scrolling, legible control
 * text); `npm run screenshots` runs the same specs with CARECALL_SCREENSHOTS=write and keeps a picture of
 * each in docs/screenshots/ (`<screen>-<width>.png`), which the README shows.
 */
export const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 360, height: 740 },
] as const;
export type Viewport = (typeof VIEWPORTS)[number];

const SCREENSHOT_DIR = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const writing = process.env['CARECALL_SCREENSHOTS'] === 'write';

/** Wider than the viewport means a phone user has to scroll sideways to read the page. */
export async function expectNoSidewaysScroll(page: Page, screen: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${screen}: the page is ${overflow} px wider than the window`).toBeLessThanOrEqual(0);
}

/** Checks the screen at this width and, when asked to, keeps its picture. */
export async function captureScreen(page: Page, screen: string, viewport: Viewport): Promise<void> {
  await expectNoSidewaysScroll(page, `${screen} at ${viewport.width} px`);
  if (!writing) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${screen}-${viewport.width}.png`), fullPage: false });
}

export interface ControlMeasure {
  name: string;
  /** The smallest computed font size of any visible text inside the control, in px. */
  fontPx: number;
  width: number;
  height: number;
}

/** Every visible button under `selector`, with its smallest text and its size, measured in the page. */
export async function measureControls(page: Page, selector: string): Promise<ControlMeasure[]> {
  return page.locator(selector).evaluateAll((roots) => {
    const out: { name: string; fontPx: number; width: number; height: number }[] = [];
    for (const root of roots) {
      for (const button of Array.from(root.querySelectorAll('button'))) {
        const box = button.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        let fontPx = Number.POSITIVE_INFINITY;
        const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const parent = node.parentElement;
          if (!parent || !node.textContent?.trim()) continue;
          const style = getComputedStyle(parent);
          if (style.display === 'none' || style.visibility === 'hidden') continue;
          if (parent.closest('.visually-hidden,[aria-hidden="true"]')) continue;
          fontPx = Math.min(fontPx, Number.parseFloat(style.fontSize));
        }
        out.push({
          name: button.getAttribute('aria-label') ?? button.textContent?.trim() ?? '',
          fontPx,
          width: box.width,
          height: box.height,
        });
      }
    }
    return out;
  });
}

/** Control text of at least 14 px and touch targets of at least 44 × 44 px (WCAG 2.5.5). */
export async function expectTouchFriendlyControls(
  page: Page,
  selector: string,
  screen: string,
): Promise<void> {
  const controls = await measureControls(page, selector);
  expect(controls.length, `${screen}: no visible controls under ${selector}`).toBeGreaterThan(0);
  const small = controls.filter((c) => c.fontPx < 14 || c.width < 44 || c.height < 44);
  expect(
    small.map((c) => `${c.name}: text ${c.fontPx} px, ${Math.round(c.width)}×${Math.round(c.height)} px`),
    `${screen}: controls under 14 px text or 44 px target`,
  ).toEqual([]);
}

/** Collects what the browser reports about the Content-Security-Policy (an invalid source, a blocked load). */
export function cspReports(page: Page): string[] {
  const reports: string[] = [];
  page.on('console', (message) => {
    if (/content.security.policy/i.test(message.text())) reports.push(message.text());
  });
  return reports;
}
