import type { Page } from '@playwright/test';
import type { Browser, BrowserContext, ElementHandle, Page as PuppeteerPage } from 'puppeteer-core';
import {
  installPeerConnectionProbe,
  NO_NEGOTIATION,
  REGISTRY_KEY,
  type ScriptedPage,
} from './peer-connection-probe.js';

/**
 * A Firefox page (puppeteer over WebDriver BiDi) with the few steps the cross-browser specs take, found the
 * way the Playwright specs find them: buttons and fields by their accessible names. Over BiDi puppeteer has
 * no ARIA selectors (they need CDP), so the names are computed in the page: `aria-labelledby`, then
 * `aria-label`, then the text (enough for the app's buttons and labelled fields).
 */

const STEP_TIMEOUT_MS = 20_000;
const POLL_MS = 100;

type Lookup = { kind: 'button' | 'field'; name: string };

/** Runs in the page: the visible button, or the field, whose accessible name is exactly `name`. */
function findByName({ kind, name }: Lookup): Element | null {
  const words = (text: string | null | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();
  const accessibleName = (element: Element): string => {
    const labelledBy = element.getAttribute('aria-labelledby');
    if (labelledBy) {
      return words(
        labelledBy
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' '),
      );
    }
    const label = element.getAttribute('aria-label');
    if (label) return words(label);
    if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
      return words([...(element.labels ?? [])].map((l) => l.textContent).join(' '));
    }
    return words(element.textContent);
  };
  const visible = (element: Element) =>
    element.checkVisibility({ visibilityProperty: true, opacityProperty: false });
  const candidates =
    kind === 'button'
      ? document.querySelectorAll('button, [role="button"], input[type="submit"], input[type="button"]')
      : document.querySelectorAll('input, textarea, select');
  return [...candidates].find((element) => visible(element) && accessibleName(element) === name) ?? null;
}

function isEnabled(element: Element): boolean {
  return !(element as HTMLButtonElement).disabled && element.getAttribute('aria-disabled') !== 'true';
}

async function poll<T>(what: string, read: () => Promise<T | null>, timeoutMs = STEP_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await read();
      if (value !== null) return value;
    } catch (error) {
      // A page that is navigating has no document to search yet: try again.
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`Firefox: ${what} within ${timeoutMs} ms${cause}`);
}

export class FirefoxPage {
  /** Uncaught errors, console errors and failed requests, for a failed test's report. */
  readonly problems: string[] = [];

  /** The page as the getStats readers of rtc-stats.ts and media-waits.ts take it (Playwright's `evaluate`). */
  readonly scripted: ScriptedPage;

  private constructor(
    readonly page: PuppeteerPage,
    private readonly baseUrl: string,
    readonly label: string,
  ) {
    const evaluate = (fn: unknown, arg: unknown) =>
      page.evaluate(fn as (arg: unknown) => unknown, arg) as Promise<unknown>;
    this.scripted = { evaluate: evaluate as Page['evaluate'] };
  }

  /**
   * A page in a new user context of `browser` (its own cookies, so its own signed-in user), with the
   * peer-connection probe installed before any page script runs.
   */
  static async open(browser: Browser, baseUrl: string, label: string): Promise<FirefoxPage> {
    const context: BrowserContext = await browser.createBrowserContext();
    const page = await context.newPage();
    const opened = new FirefoxPage(page, baseUrl, label);
    await page.evaluateOnNewDocument(installPeerConnectionProbe, { key: REGISTRY_KEY, zero: NO_NEGOTIATION });
    const started = Date.now();
    const at = () => `+${((Date.now() - started) / 1000).toFixed(3)}s`;
    page.on('pageerror', (error) => opened.problems.push(`${at()} [${label}] uncaught: ${String(error)}`));
    page.on('console', (message) => {
      if (message.type() === 'error')
        opened.problems.push(`${at()} [${label}] console.error: ${message.text()}`);
    });
    page.on('requestfailed', (request) =>
      opened.problems.push(
        `${at()} [${label}] failed ${request.method()} ${new URL(request.url()).pathname}`,
      ),
    );
    return opened;
  }

  async close(): Promise<void> {
    await this.page.browserContext().close();
  }

  async goto(path: string): Promise<void> {
    await this.page.goto(new URL(path, this.baseUrl).href, { waitUntil: 'load' });
  }

  pathname(): string {
    return new URL(this.page.url()).pathname;
  }

  async waitForPath(pattern: RegExp, timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
    await poll(
      `the address did not come to match ${pattern} (it is ${this.pathname()})`,
      async () => (pattern.test(this.pathname()) ? true : null),
      timeoutMs,
    );
  }

  private async find(lookup: Lookup): Promise<ElementHandle<Element> | null> {
    const handle = await this.page.evaluateHandle(findByName, lookup);
    const element = handle.asElement() as ElementHandle<Element> | null;
    if (!element) await handle.dispose();
    return element;
  }

  /** Waits for the button named `name` to be shown and enabled, and clicks it like a user. */
  async clickButton(name: string, timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
    const button = await poll(
      `no enabled button named "${name}"`,
      async () => {
        const found = await this.find({ kind: 'button', name });
        if (found && (await found.evaluate(isEnabled))) return found;
        await found?.dispose();
        return null;
      },
      timeoutMs,
    );
    await button.click();
    await button.dispose();
  }

  /** Types `text` into the field labelled `label`. */
  async fill(label: string, text: string): Promise<void> {
    const field = await poll(`no field labelled "${label}"`, () => this.find({ kind: 'field', name: label }));
    await field.click({ count: 3 });
    await field.type(text);
    await field.dispose();
  }

  /** Signs in through the login form (the same steps as demo-accounts.ts's `signIn`). */
  async signIn(email: string, password: string): Promise<void> {
    await this.goto('/login');
    await this.fill('Email', email);
    await this.fill('Password', password);
    await this.clickButton('Sign in');
    await this.waitForPath(/^\/appointments\/?$/);
  }

  /** The id of the first appointment the appointments list links to. */
  async firstAppointmentId(): Promise<string> {
    const href = await poll('no appointment link', () =>
      this.page.evaluate(
        () => document.querySelector('a[href^="/appointments/"]')?.getAttribute('href') ?? null,
      ),
    );
    const id = /^\/appointments\/([^/?#]+)\/?$/.exec(href)?.[1];
    if (!id) throw new Error(`the first appointment link has an unexpected href: ${href}`);
    return id;
  }

  /**
   * Ends the appointment's call if one is active (as call-flow.ts's `endActiveCall`, from inside the page:
   * its cookies and CSRF token are the signed-in doctor's).
   */
  async endActiveCall(id: string): Promise<void> {
    const status = await this.page.evaluate(async (appointmentId: string) => {
      const detail = await fetch(`/api/appointments/${appointmentId}`);
      const { appointment } = (await detail.json()) as { appointment: { videoCallStatus: string } };
      if (appointment.videoCallStatus !== 'waiting' && appointment.videoCallStatus !== 'in_progress')
        return 0;
      const session = await fetch('/api/session');
      const { csrfToken } = (await session.json()) as { csrfToken: string };
      const ended = await fetch(`/api/appointments/${appointmentId}/call/end`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: JSON.stringify({ reason: 'hung_up' }),
      });
      return ended.status;
    }, id);
    if (![0, 200, 409].includes(status))
      throw new Error(`POST /api/appointments/${id}/call/end answered ${status}`);
  }
}
