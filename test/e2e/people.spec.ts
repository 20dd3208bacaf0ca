import type { Page } from '@playwright/test';
import { DEMO_ACCOUNTS, expect, signIn, test } from './support/fixtures.js';

/** Adds a person on the People page and returns the one-time link shown for them. */
async function addPerson(admin: Page, name: string, email: string, role: string): Promise<string> {
  await admin.getByLabel('Name', { exact: true }).fill(name);
  await admin.getByLabel('Email', { exact: true }).fill(email);
  await admin.getByLabel('Role', { exact: true }).selectOption(role);
  await admin.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(admin.getByRole('heading', { name: `Set-password link for ${name}` })).toBeVisible();
  const link = await admin.getByLabel('Link', { exact: true }).inputValue();
  await admin.getByRole('button', { name: 'Done', exact: true }).click();
  return link;
}

/** Opens the link, chooses a password, and signs in with it. */
async function setPasswordAndSignIn(page: Page, link: string, email: string, password: string) {
  const url = new URL(link);
  await page.goto(`${url.pathname}${url.hash}`);
  // The token leaves the address bar at once.
  await expect.poll(() => new URL(page.url()).hash).toBe('');
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Type it again', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Set password', exact: true }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await signIn(page, email, password);
}

test('an admin adds a doctor and a patient who set their passwords, and deactivating the doctor signs them out at once', async ({
  app,
  newUserPage,
}) => {
  const admin = await newUserPage('admin');
  await signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword);
  await admin.getByRole('link', { name: 'People', exact: true }).click();
  await admin.waitForURL(/\/people$/);
  const stamp = Date.now();
  const doctorEmail = `dr-${stamp}@e2e.test`;
  const patientEmail = `pat-${stamp}@e2e.test`;
  const doctorLink = await addPerson(admin, `Dr. New ${stamp}`, doctorEmail, 'doctor');
  const patientLink = await addPerson(admin, `Pat New ${stamp}`, patientEmail, 'patient');

  const doctor = await newUserPage('new doctor');
  await setPasswordAndSignIn(doctor, doctorLink, doctorEmail, 'doctor chooses this');
  const patient = await newUserPage('new patient');
  await setPasswordAndSignIn(patient, patientLink, patientEmail, 'patient chooses this');

  // A doctor with appointments keeps a live connection on the list: deactivating ends it at once.
  const demoDoctor = await newUserPage('demo doctor');
  await signIn(demoDoctor, DEMO_ACCOUNTS.doctor, app.demoPassword);
  await deactivate(admin, DEMO_ACCOUNTS.doctor);
  await demoDoctor.waitForURL(/\/login/, { timeout: 10_000 });

  // The new doctor, with no appointments and so no connection, is signed out by their next request.
  const newDoctorName = await deactivate(admin, doctorEmail);
  expect(newDoctorName).toBe(`Dr. New ${stamp}`);
  await doctor.reload();
  await doctor.waitForURL(/\/login/);
  await doctor.getByLabel('Email', { exact: true }).fill(doctorEmail);
  await doctor.getByLabel('Password', { exact: true }).fill('doctor chooses this');
  await doctor.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(doctor.getByRole('alert')).toContainText('deactivated');
  await expect(patient).toHaveURL(/\/appointments$/);
});

/** Finds the person by email on the People page and deactivates them, confirming; returns their name. */
async function deactivate(admin: Page, email: string): Promise<string> {
  await admin.getByLabel('Name or email', { exact: true }).fill(email);
  await admin.getByRole('button', { name: 'Search', exact: true }).click();
  const button = admin.getByRole('button', { name: /^Deactivate / });
  await expect(button).toHaveCount(1);
  const name = ((await button.getAttribute('aria-label')) ?? '').replace(/^Deactivate /, '');
  await button.click();
  await admin.getByRole('alertdialog').getByRole('button', { name: 'Deactivate', exact: true }).click();
  await expect(admin.getByText(`${name} was deactivated and signed out.`)).toBeVisible();
  return name;
}
