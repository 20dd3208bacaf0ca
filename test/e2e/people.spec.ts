import type { Page } from '@playwright/test';
import { DEMO_ACCOUNTS, expect, signIn, test } from './support/fixtures.js';
import { addPerson, openPeopleAsAdmin, setPasswordThroughLink, shownLink } from './support/people-flow.js';

/** Adds a person and closes the link's dialog; returns the link. */
async function addAndClose(admin: Page, name: string, email: string, role: string): Promise<string> {
  const link = await addPerson(admin, name, email, role);
  await admin.getByRole('button', { name: 'Done', exact: true }).click();
  await expect(admin.getByRole('dialog')).toHaveCount(0);
  return link;
}

/** Opens the link, chooses a password, and signs in with it. */
async function setPasswordAndSignIn(page: Page, link: string, email: string, password: string) {
  await setPasswordThroughLink(page, link, password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await signIn(page, email, password);
}

test('an admin adds a doctor and a patient who set their passwords, and deactivating the doctor signs them out at once', async ({
  app,
  newUserPage,
}) => {
  const admin = await newUserPage('admin');
  await openPeopleAsAdmin(admin, app.demoPassword);
  const stamp = Date.now();
  const doctorEmail = `dr-${stamp}@e2e.test`;
  const patientEmail = `pat-${stamp}@e2e.test`;
  const doctorLink = await addAndClose(admin, `Dr. New ${stamp}`, doctorEmail, 'doctor');
  const patientLink = await addAndClose(admin, `Pat New ${stamp}`, patientEmail, 'patient');

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
  // The Deactivate button is gone (it became Reactivate): the focus goes to what happened, not the page's top.
  await expect(admin.getByText(`${name} was deactivated and signed out.`)).toBeFocused();
  return name;
}

test('a password reset: the admin gives a new link, the person sets a new password, and the old one stops working', async ({
  app,
  newUserPage,
}) => {
  const admin = await newUserPage('admin');
  await openPeopleAsAdmin(admin, app.demoPassword);
  const stamp = Date.now();
  const name = `Pat Reset ${stamp}`;
  const email = `reset-${stamp}@e2e.test`;
  const first = await addAndClose(admin, name, email, 'patient');
  const patient = await newUserPage('patient');
  await setPasswordAndSignIn(patient, first, email, 'the first password');

  await admin.getByLabel('Name or email', { exact: true }).fill(email);
  await admin.keyboard.press('Enter');
  const newLink = admin.getByRole('button', { name: `New password link for ${name}`, exact: true });
  await expect(newLink).toHaveCount(1);
  await newLink.click();
  const second = await shownLink(admin, name);
  expect(second).not.toBe(first);
  // The dialog has the keyboard: Escape closes it and gives the focus back to the button that opened it.
  await expect(admin.getByRole('dialog').getByLabel('Link', { exact: true })).toBeFocused();
  await admin.keyboard.press('Escape');
  await expect(admin.getByRole('dialog')).toHaveCount(0);
  await expect(newLink).toBeFocused();

  // The earlier link no longer works; the new one does, and signs out the session the old password made.
  const other = await newUserPage('someone with the old link');
  const url = new URL(first);
  await other.goto(`${url.pathname}${url.hash}`);
  await other.getByLabel('New password', { exact: true }).fill('a stolen password');
  await other.getByLabel('Type it again', { exact: true }).fill('a stolen password');
  await other.getByRole('button', { name: 'Set password', exact: true }).click();
  await expect(other.getByRole('alert')).toContainText('already been used or replaced');

  const reset = await newUserPage('patient again');
  await setPasswordThroughLink(reset, second, 'the second password');
  await patient.reload();
  await patient.waitForURL(/\/login/);
  await patient.getByLabel('Email', { exact: true }).fill(email);
  await patient.getByLabel('Password', { exact: true }).fill('the first password');
  await patient.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(patient.getByRole('alert')).toContainText('The email or password is wrong.');
  await signIn(patient, email, 'the second password');
});
