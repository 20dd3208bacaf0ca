import type { Page } from '@playwright/test';
import { DEMO_ACCOUNTS, signIn } from './demo-accounts.js';
import { expect } from './fixtures.js';

/** The demo admin, signed in, on the People page (reached by its link, as an admin would). */
export async function openPeopleAsAdmin(admin: Page, password: string): Promise<void> {
  await signIn(admin, DEMO_ACCOUNTS.admin, password);
  await admin.getByRole('link', { name: 'People', exact: true }).click();
  await admin.waitForURL(/\/people$/);
  await expect(admin.getByRole('heading', { name: 'Add a person' })).toBeVisible();
}

/** Adds a person on the People page; returns the one-time link, its dialog left open. */
export async function addPerson(admin: Page, name: string, email: string, role: string): Promise<string> {
  await admin.getByLabel('Name', { exact: true }).fill(name);
  await admin.getByLabel('Email', { exact: true }).fill(email);
  await admin.getByLabel('Role', { exact: true }).selectOption(role);
  await admin.getByRole('button', { name: 'Add', exact: true }).click();
  return shownLink(admin, name);
}

/** The link in the open link dialog for this person. */
export async function shownLink(admin: Page, name: string): Promise<string> {
  const dialog = admin.getByRole('dialog', { name: `Set-password link for ${name}` });
  await expect(dialog).toBeVisible();
  return dialog.getByLabel('Link', { exact: true }).inputValue();
}

/** Opens a set-password link in the page and chooses the password; the page then offers to sign in. */
export async function setPasswordThroughLink(page: Page, link: string, password: string): Promise<void> {
  const url = new URL(link);
  await page.goto(`${url.pathname}${url.hash}`);
  // The token leaves the address bar at once.
  await expect.poll(() => new URL(page.url()).hash).toBe('');
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Type it again', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Set password', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your password is set.' })).toBeVisible();
}
