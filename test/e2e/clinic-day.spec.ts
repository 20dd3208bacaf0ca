import type { Page } from '@playwright/test';
import type { CallSessionView, DashboardSnapshot } from '../../src/protocol/dashboard.js';
import { fillNewAppointment, localDay, localTime } from './support/admin-day.js';
import {
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  callPathPattern,
  endForEveryone,
  joinNow,
  report,
  returnedToAppointment,
  startCall,
} from './support/call-flow.js';
import { DEMO_ACCOUNTS, expect, signIn, test, waitForFramesGrowing } from './support/fixtures.js';
import { addPerson, setPasswordThroughLink } from './support/people-flow.js';
import { markWhenShown, shownAt } from './support/shown-at.js';

// Issue 15's day at a hospital, from the browser only. The admin adds a doctor and a patient, each sets a
// password through their link and signs in; the admin books them an appointment with the form. Then S28:
// the patient checks in and the admin's dashboard shows them waiting; the call runs and shows in
// progress; it ends and shows ended with its duration, all without a reload. How long each change took
// to show (from the server's own time of the change to the admin's page drawing it) is reported, never
// asserted. Last, deactivating the doctor signs their open page out at once.

function section(page: Page, title: string) {
  return page.getByRole('region', { name: new RegExp(`^${title} \\(\\d+\\)$`) });
}

/** The dashboard's section classes (dashboard-page.tsx), for marks taken inside the page. */
const SECTION_CLASS = {
  'In the waiting room': 'waiting',
  'In a call': 'in-call',
  'Calls ended': 'ended',
} as const;
type Watched = keyof typeof SECTION_CLASS;

test('an admin adds a doctor and a patient, books them, and watches the call live on the dashboard; deactivating the doctor signs them out', async ({
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
  const stamp = Date.now();
  const who = {
    doctor: { name: `Dr. Nia Day ${stamp}`, email: `nia-${stamp}@e2e.test`, password: 'nia picks this one' },
    patient: { name: `Lou Day ${stamp}`, email: `lou-${stamp}@e2e.test`, password: 'lou picks this one' },
  };

  await test.step('the admin adds a doctor and a patient; each sets a password through their link and signs in', async () => {
    await signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword);
    await admin.getByRole('link', { name: 'People', exact: true }).click();
    await admin.waitForURL(/\/people$/);
    const links: string[] = [];
    for (const [person, role] of [
      [who.doctor, 'doctor'],
      [who.patient, 'patient'],
    ] as const) {
      links.push(await addPerson(admin, person.name, person.email, role));
      await admin.getByRole('button', { name: 'Done', exact: true }).click();
    }
    for (const [page, person, link] of [
      [doctor, who.doctor, links[0] ?? ''],
      [patient, who.patient, links[1] ?? ''],
    ] as const) {
      await setPasswordThroughLink(page, link, person.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await signIn(page, person.email, person.password);
    }
  });

  let id = '';
  await test.step('the admin books them an appointment now with the form', async () => {
    await admin.getByRole('link', { name: 'Appointments', exact: true }).click();
    await admin.waitForURL(/\/appointments$/);
    await fillNewAppointment(admin, {
      doctor: who.doctor.name,
      patientQuery: who.patient.email,
      patient: `${who.patient.name} · ${who.patient.email}`,
      day: localDay(0),
      time: localTime(),
      reason: 'First video visit',
    });
    // The form's minute has begun already: it asks before booking a time in the past.
    const made = admin.getByText(new RegExp(`^Appointment made: ${who.patient.name}`));
    const anyway = button(admin, 'Create anyway');
    await expect(made.or(anyway)).toBeVisible();
    if (await anyway.isVisible()) await anyway.click();
    await expect(made).toBeVisible();
    await patient.reload();
    const href = await patient
      .locator('a.appointment-card')
      .filter({ hasText: 'First video visit' })
      .getAttribute('href');
    id = href?.split('/').pop() ?? '';
    expect(id).not.toBe('');
  });

  await admin.getByRole('navigation', { name: 'Hospital' }).getByRole('link', { name: 'Today' }).click();
  await admin.waitForURL(/\/dashboard$/);
  await expect(admin.getByText('Changes show here as they happen.', { exact: true })).toBeVisible();
  const row = (title: Watched) => section(admin, title).locator(`a[href="/appointments/${id}"]`);
  const mark = (title: Watched, pattern: RegExp) =>
    markWhenShown(
      admin,
      title,
      `.dashboard__section--${SECTION_CLASS[title]} a[href="/appointments/${id}"]`,
      pattern,
    );
  let navigations = 0;
  admin.on('framenavigated', (frame) => {
    if (frame === admin.mainFrame()) navigations += 1;
  });
  const day = async (): Promise<DashboardSnapshot> => {
    const session = (await (await admin.request.get('/api/session')).json()) as {
      user: { hospitalId: string };
    };
    const offset = -new Date().getTimezoneOffset();
    const r = await admin.request.get(
      `/api/hospitals/${session.user.hospitalId}/dashboard?day=${localDay(0)}&tzOffsetMinutes=${offset}`,
    );
    return (await r.json()) as DashboardSnapshot;
  };
  const calls = async (): Promise<CallSessionView[]> =>
    (
      (await (await admin.request.get(`/api/appointments/${id}/calls`)).json()) as {
        calls: CallSessionView[];
      }
    ).calls;

  await test.step('the patient checks in: the admin sees them waiting', async () => {
    await expect(row('In the waiting room')).toHaveCount(0);
    await mark('In the waiting room', new RegExp(who.patient.name));
    await patient.goto(`/appointments/${id}`);
    await patient.getByRole('link', { name: 'Check in', exact: true }).click();
    await patient.waitForURL(callPathPattern(id));
    await expect(patient.getByText('The doctor will be with you shortly', { exact: true })).toBeVisible();
    await expect(row('In the waiting room')).toContainText(who.patient.name);
    await expect(row('In the waiting room')).toContainText(/Waiting for (less than a minute|\d+ minutes?)/);
    await expect(admin.locator('[aria-live="polite"]')).toHaveText(
      `${who.patient.name} is in the waiting room.`,
    );
    const checkedInAt =
      (await day()).rows.find((r) => r.appointmentId === id)?.lobby.checkedInAt ?? Number.NaN;
    report(
      'dashboard: checked in → shown waiting',
      (await shownAt(admin, 'In the waiting room')) - checkedInAt,
    );
  });

  await test.step('the doctor starts and both join: the call shows in progress with a running clock', async () => {
    await mark('In a call', /In the call for \d+:\d{2}/);
    await doctor.goto(`/appointments/${id}`);
    await startCall({ doctor, id });
    await expect(button(patient, 'Join now')).toBeEnabled({ timeout: 20_000 });
    await joinNow(patient);
    await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
    await expect(row('In a call')).toContainText(/In the call for \d+:\d{2}/);
    await expect(row('In the waiting room')).toHaveCount(0);
    const shown = await row('In a call').innerText();
    await expect(row('In a call')).not.toHaveText(shown, { timeout: 5_000 });
    // The running clock counts from the moment both were connected.
    const connectedAt = (await calls())[0]?.connectedAt ?? Number.NaN;
    report(
      'dashboard: call connected → shown in the call',
      (await shownAt(admin, 'In a call')) - connectedAt,
    );
  });

  await test.step('the doctor ends the call: it shows ended with its duration', async () => {
    await mark('Calls ended', /Lasted (\d+ min )?\d+ s/);
    await endForEveryone(doctor);
    await returnedToAppointment(doctor, id);
    await expect(row('Calls ended')).toContainText(/Lasted (\d+ min )?\d+ s/);
    await expect(row('In a call')).toHaveCount(0);
    const ended = (await calls())[0];
    expect(ended?.durationSeconds).toBeGreaterThan(0);
    report(
      'dashboard: call ended → shown ended',
      (await shownAt(admin, 'Calls ended')) - (ended?.endedAt ?? Number.NaN),
    );
  });

  expect(navigations, 'the dashboard never reloaded').toBe(0);

  await test.step('the row leads to the appointment, where the admin reads every call of it', async () => {
    await row('Calls ended').click();
    await admin.waitForURL(new RegExp(`/appointments/${id}$`));
    const history = admin.getByRole('region', { name: 'Calls of this appointment' });
    await expect(history.getByRole('listitem')).toHaveCount(1);
    await expect(history.getByRole('listitem').first()).toContainText(/Lasted (\d+ min )?\d+ s/);
  });

  await test.step('deactivating the doctor signs their open page out at once', async () => {
    await expect(doctor).toHaveURL(new RegExp(`/appointments/${id}$`));
    await admin.getByRole('link', { name: 'People', exact: true }).click();
    await admin.getByLabel('Name or email', { exact: true }).fill(who.doctor.email);
    await admin.getByRole('button', { name: 'Search', exact: true }).click();
    await button(admin, `Deactivate ${who.doctor.name}`).click();
    const deactivatedAt = Date.now();
    await admin.getByRole('alertdialog').getByRole('button', { name: 'Deactivate', exact: true }).click();
    await doctor.waitForURL(/\/login/);
    report('deactivate confirmed → doctor on the sign-in page', Date.now() - deactivatedAt);
    await expect(patient).not.toHaveURL(/\/login/);
  });
});
