import type { Page } from 'playwright-core';

/**
 * The accounts `carecall serve --demo` creates, and how a page signs in as one. Plain Playwright (no test
 * runner), so the benchmarks drive the app with the same steps as the browser tests.
 */

export const DEMO_ACCOUNTS = {
  doctor: 'doctor@demo.test',
  patient: 'patient@demo.test',
  admin: 'admin@demo.test',
} as const;

/** Signs in through the login form and waits for the appointments list. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname.replace(/\/$/, '') === '/appointments');
}

/** The id of the first appointment the signed-in user's appointments list links to. */
export async function firstAppointmentId(page: Page): Promise<string> {
  const href = await page.locator('a[href^="/appointments/"]').first().getAttribute('href');
  const id = /^\/appointments\/([^/?#]+)\/?$/.exec(href ?? '')?.[1];
  if (!id) throw new Error(`the first appointment link has an unexpected href: ${href}`);
  return id;
}
