import type { Page } from '@playwright/test';

type Marks = { __shownAt?: Record<string, number> };

/**
 * Notes, in the page, the epoch time at which an element matching `selector` first holds text matching
 * `pattern`: a MutationObserver sees the DOM change as the page commits it, so the figure does not depend
 * on how often a test polls. Read it with `shownAt`. Figures are reported, never asserted.
 */
export async function markWhenShown(
  page: Page,
  key: string,
  selector: string,
  pattern: RegExp,
): Promise<void> {
  await page.evaluate(
    ({ key, selector, source, flags }) => {
      const w = window as unknown as Marks;
      w.__shownAt ??= {};
      const marks = w.__shownAt;
      const re = new RegExp(source, flags);
      const check = () => {
        if (marks[key] !== undefined) return true;
        const hit = Array.from(document.querySelectorAll(selector)).some((el) =>
          re.test(el.textContent ?? ''),
        );
        if (hit) marks[key] = Date.now();
        return hit;
      };
      if (check()) return;
      const observer = new MutationObserver(() => {
        if (check()) observer.disconnect();
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    },
    { key, selector, source: pattern.source, flags: pattern.flags },
  );
}

/** The time `markWhenShown` noted for `key`, waiting for it if it has not been shown yet. */
export async function shownAt(page: Page, key: string): Promise<number> {
  const handle = await page.waitForFunction((k) => (window as unknown as Marks).__shownAt?.[k], key);
  return Number(await handle.jsonValue());
}
