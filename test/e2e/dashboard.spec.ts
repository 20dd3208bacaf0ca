import type { Page } from '@playwright/test';
import {
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  callPathPattern,
  endForEveryone,
  joinNow,
  returnedToAppointment,
  startCall,
} from './support/call-flow.js';
import { DEMO_ACCOUNTS, expect, signIn, test, waitForFramesGrowing } from './support/fixtures.js';

// S28: the hospital admin's dashboard shows the day as it happens, over the hospital channel: the patient
// checks in and the admin sees them waiting within a second; the call runs and shows in progress; it ends
// and shows ended with its duration. The admin's page never reloads.

/** What "live" means here: the change shows within a second of happening. */
const LIVE = { timeout: 1_000 };

function section(page: Page, title: string) {
  return page.getByRole('region', { name: new RegExp(`^${title} \\(\\d+\\)$`) });
}

test('the admin watches a patient check in, the call run and end, live on the dashboard', async ({
  app,
  newUserPage,
  browserProblems,
}) => {
  test.setTimeout(CALL_SCENARIO_TIMEOUT_MS);
  const [admin, doctor, patient] = await Promise.all([
    newUserPage('admin'),
    newUserPage('doctor'),
    newUserPage('patient'),
  ]);
  browserProblems.record(admin, 'admin dashboard');
  await Promise.all([
    signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword),
    signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword),
    signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword),
  ]);
  const href = await patient.locator('a[href^="/appointments/"]').first().getAttribute('href');
  const id = href?.split('/').pop() ?? '';
  expect(id).not.toBe('');

  await admin.getByRole('navigation', { name: 'Hospital' }).getByRole('link', { name: 'Today' }).click();
  await admin.waitForURL(/\/dashboard$/);
  await expect(admin.getByRole('heading', { level: 1, name: 'Today' })).toBeVisible();
  await expect(admin.getByText('Changes show here as they happen.', { exact: true })).toBeVisible();
  const row = (title: string) => section(admin, title).locator(`a[href="/appointments/${id}"]`);
  await expect(row('In the waiting room')).toHaveCount(0);
  let navigations = 0;
  admin.on('framenavigated', (frame) => {
    if (frame === admin.mainFrame()) navigations += 1;
  });

  await test.step('the patient checks in: the admin sees them waiting within a second', async () => {
    await patient.goto(`/appointments/${id}`);
    await patient.getByRole('link', { name: 'Check in', exact: true }).click();
    await patient.waitForURL(callPathPattern(id));
    await expect(patient.getByText('The doctor will be with you shortly', { exact: true })).toBeVisible();
    await expect(row('In the waiting room')).toContainText('Pat Demo', LIVE);
    await expect(row('In the waiting room')).toContainText(/Waiting for (less than a minute|\d+ minutes?)/);
    await expect(admin.locator('[aria-live="polite"]')).toHaveText('Pat Demo is in the waiting room.');
  });

  await test.step('the doctor starts and both join: the call shows in progress with a running clock', async () => {
    await doctor.goto(`/appointments/${id}`);
    await startCall({ doctor, id });
    await expect(button(patient, 'Join now')).toBeEnabled({ timeout: 20_000 });
    await joinNow(patient);
    await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
    await expect(row('In a call')).toContainText(/In the call for \d+:\d{2}/, LIVE);
    await expect(row('In the waiting room')).toHaveCount(0);
    // The clock ticks on the admin's page by itself.
    const shown = await row('In a call').innerText();
    await expect(row('In a call')).not.toHaveText(shown, { timeout: 5_000 });
  });

  await test.step('the doctor ends the call: it shows ended with its duration', async () => {
    await endForEveryone(doctor);
    await returnedToAppointment(doctor, id);
    await expect(row('Calls ended')).toContainText(/Lasted (\d+ min )?\d+ s/, LIVE);
    await expect(row('In a call')).toHaveCount(0);
    await expect(section(admin, 'Calls ended')).toHaveAccessibleName('Calls ended (1)');
  });

  expect(navigations, 'the dashboard never reloaded').toBe(0);

  await test.step('the row leads to the appointment, where the admin reads every call of it', async () => {
    await row('Calls ended').click();
    await admin.waitForURL(new RegExp(`/appointments/${id}$`));
    const history = admin.getByRole('region', { name: 'Calls of this appointment' });
    await expect(history.getByRole('listitem')).toHaveCount(1);
    await expect(history.getByRole('listitem').first()).toContainText(/Lasted (\d+ min )?\d+ s/);
  });
});
