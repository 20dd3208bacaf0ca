import type { Page } from '@playwright/test';
import { fillNewAppointment, instant, localDay } from './support/admin-day.js';
import { endActiveCall } from './support/call-flow.js';
import { DEMO_ACCOUNTS, expect, signIn, test } from './support/fixtures.js';

// A hospital admin runs the clinic's appointments from the browser: makes one (confirming an overlap),
// moves it, is told plainly that a call under way cannot be moved, imports a CSV that is all-or-nothing,
// and sets the hospital's policy, which the next call's context reports.

const pad = (n: number) => String(n).padStart(2, '0');

async function csrf(page: Page): Promise<string> {
  return ((await (await page.request.get('/api/session')).json()) as { csrfToken: string }).csrfToken;
}

/** The demo doctor and patient's appointment through the form. */
const fillDemoAppointment = (admin: Page, day: string, time: string, reason: string) =>
  fillNewAppointment(admin, {
    doctor: 'Dr. Ada Demo',
    patientQuery: 'patient@demo',
    patient: 'Pat Demo · patient@demo.test',
    day,
    time,
    reason,
  });

/** How many appointments the admin's list counts (all days, no filter). */
async function listedTotal(admin: Page): Promise<number> {
  const text = (await admin.locator('.admin-count').textContent()) ?? '';
  return Number(/(\d+) appointments?/.exec(text)?.[1] ?? Number.NaN);
}

test('the admin makes an appointment for the demo doctor and patient (confirming an overlap), moves it, and the patient sees it', async ({
  app,
  newUserPage,
}) => {
  const [admin, patient] = await Promise.all([newUserPage('admin'), newUserPage('patient')]);
  await Promise.all([
    signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword),
    signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword),
  ]);
  const day = localDay(1);
  await fillDemoAppointment(admin, day, '10:00', 'E2E first visit');
  await expect(admin.getByText(/^Appointment made: Pat Demo with Dr\. Ada Demo/)).toBeVisible();

  await fillDemoAppointment(admin, day, '10:15', 'E2E second visit');
  const warning = admin
    .getByRole('alert')
    .filter({ hasText: 'Please check before you make this appointment' });
  await expect(warning).toContainText('Dr. Ada Demo already sees Pat Demo on');
  await expect(warning).toContainText('the times overlap');
  // "Change time" keeps the form; then the admin decides the overlap is fine after all.
  await warning.getByRole('button', { name: 'Change time' }).click();
  await expect(admin.getByLabel('Time', { exact: true })).toBeFocused();
  await admin.getByRole('button', { name: 'Create appointment', exact: true }).click();
  await admin.getByRole('button', { name: 'Create anyway', exact: true }).click();
  await expect(admin.getByText(/^Appointment made: Pat Demo with Dr\. Ada Demo/)).toBeVisible();
  const second = admin.getByRole('row').filter({ hasText: 'E2E second visit' });
  await expect(second).toHaveCount(1);

  // The patient's own list (across hospitals) shows both.
  await patient.reload();
  await expect(patient.getByText('E2E first visit')).toBeVisible();
  await expect(patient.getByText('E2E second visit')).toBeVisible();

  // Reschedule the second to 14:00: no overlap any more, no question asked.
  await second.getByRole('button', { name: /^Reschedule / }).click();
  const move = admin.getByRole('region', { name: /^Move the appointment of Pat Demo with Dr\. Ada Demo$/ });
  await expect(move.getByLabel('Time', { exact: true })).toHaveValue('10:15');
  await move.getByLabel('Time', { exact: true }).fill('14:00');
  await move.getByRole('button', { name: 'Move appointment', exact: true }).click();
  await expect(admin.getByText(/^Appointment moved: Pat Demo with Dr\. Ada Demo/)).toBeVisible();
  await patient.reload();
  const moved = new Date(instant(day, '14:00')).toISOString();
  await expect(
    patient
      .locator('.appointment-card')
      .filter({ hasText: 'E2E second visit' })
      .locator(`time[datetime="${moved}"]`),
  ).toHaveCount(1);
});

test('moving an appointment whose call is under way is refused in plain words, and nothing moves', async ({
  app,
  newUserPage,
}) => {
  const [admin, doctor] = await Promise.all([newUserPage('admin'), newUserPage('doctor')]);
  await Promise.all([
    signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword),
    signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword),
  ]);
  const row = admin.getByRole('row').filter({ hasText: 'Follow-up consultation' });
  await expect(row).toHaveCount(1);
  const href = (await row.getByRole('link').getAttribute('href')) ?? '';
  const id = href.split('/').pop() ?? '';
  const started = await doctor.request.post(`/api/appointments/${id}/call/start`, {
    headers: { 'x-csrf-token': await csrf(doctor) },
    data: {},
  });
  expect(started.status()).toBe(200);
  try {
    await row.getByRole('button', { name: /^Reschedule / }).click();
    const move = admin.getByRole('region', { name: /^Move the appointment of Pat Demo/ });
    const before = await move.getByLabel('Time', { exact: true }).inputValue();
    const [hours, minutes] = before.split(':').map(Number) as [number, number];
    await move.getByLabel('Time', { exact: true }).fill(`${pad((hours + 2) % 24)}:${pad(minutes)}`);
    await move.getByRole('button', { name: 'Move appointment', exact: true }).click();
    await expect(move.getByRole('alert')).toHaveText(
      'The call of Pat Demo is under way: the appointment cannot be moved until the call has ended.',
    );
    const detail = await admin.request.get(`/api/appointments/${id}`);
    const { appointment } = (await detail.json()) as { appointment: { scheduledAt: number } };
    expect(new Date(appointment.scheduledAt).getHours()).toBe(hours);
  } finally {
    await endActiveCall(doctor, id);
  }
});

test('a CSV of 200 appointments with one bad row imports nothing and names the row; fixed, all 200 import', async ({
  app,
  page,
}) => {
  await signIn(page, DEMO_ACCOUNTS.admin, app.demoPassword);
  await expect(page.locator('.admin-count')).toHaveText(/^[1-9]\d* appointments?$/);
  const before = await listedTotal(page);
  // Every half hour from 08:00 three days from now: no row overlaps another.
  const first = instant(localDay(3), '08:00');
  const rows = Array.from({ length: 200 }, (_, i) => {
    const start = new Date(first + i * 30 * 60_000).toISOString();
    return `doctor@demo.test,patient@demo.test,${start},30,Imported ${i + 1}`;
  });
  const header = 'doctor_email,patient_email,start,length_minutes,reason';
  // Row 137 as a spreadsheet numbers it (the header is row 1): the 136th appointment.
  const bad = [...rows];
  bad[135] = (bad[135] as string).replace('patient@demo.test', 'nobody@demo.test');
  const csv = page.getByLabel('CSV', { exact: true });
  await csv.fill([header, ...bad].join('\n'));

  // Sent straight away: refused whole, the row named.
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'Nothing was imported' });
  await expect(refusal).toContainText('Nothing was imported: row 137 is wrong.');
  await expect(refusal).toContainText('Row 137, patient_email');
  await page.reload();
  await expect(page.locator('.admin-count')).toHaveText(/^[1-9]\d* appointments?$/);
  expect(await listedTotal(page)).toBe(before);

  // The check names the same row, and Import stays off until it is fixed.
  await csv.fill([header, ...bad].join('\n'));
  await page.getByRole('button', { name: 'Check the file', exact: true }).click();
  await expect(
    page.getByText('200 rows checked: 1 error; nothing can be imported until they are fixed.'),
  ).toBeVisible();
  await expect(page.locator('.import-preview').getByText(/^Row 137, patient_email: /)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Import', exact: true })).toBeDisabled();

  await csv.fill([header, ...rows].join('\n'));
  await page.getByRole('button', { name: 'Check the file', exact: true }).click();
  await expect(page.getByText('200 rows checked: no errors.')).toBeVisible();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByText('Imported 200 appointments.')).toBeVisible();
  await expect.poll(() => listedTotal(page)).toBe(before + 200);
});

test('the policy page: a change is saved, stays after a reload, and the next call’s context reports it', async ({
  app,
  newUserPage,
}) => {
  const [admin, doctor] = await Promise.all([newUserPage('admin'), newUserPage('doctor')]);
  await Promise.all([
    signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword),
    signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword),
  ]);
  const href = (await doctor.locator('a[href^="/appointments/"]').first().getAttribute('href')) ?? '';
  const id = href.split('/').pop() ?? '';
  const recordingAllowed = async () => {
    const r = await doctor.request.get(`/api/call/context?appointmentId=${id}`);
    expect(r.status()).toBe(200);
    return ((await r.json()) as { recordingAllowed: boolean }).recordingAllowed;
  };
  // The demo hospital allows recording (its own setting), so that the demo shows the whole flow.
  expect(await recordingAllowed()).toBe(true);

  await admin.getByRole('link', { name: 'Policy', exact: true }).click();
  await admin.waitForURL(/\/policy$/);
  const recording = admin.getByLabel('Calls may be recorded', { exact: true });
  const saved = admin.getByRole('status').filter({ hasText: 'Saved; applies to the next call.' });
  // What the setting's line says of where its value comes from.
  const source = admin.locator('#policy-recordingAllowed-source');
  await expect(recording).toHaveValue('on');
  await expect(source).toHaveText('This hospital’s own setting: On (server default: Off).');
  await recording.selectOption('off');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(saved).toBeVisible();
  await admin.reload();
  await expect(recording).toHaveValue('off');
  await expect(source).toHaveText('This hospital’s own setting: Off (server default: Off).');
  expect(await recordingAllowed()).toBe(false);

  // A value out of bounds is named by its field, and nothing is saved.
  const longest = admin.getByLabel('Longest call, in minutes', { exact: true });
  await longest.fill('600');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(
    admin.getByText('Enter a whole number from 10 to 60, or leave it empty for the default.'),
  ).toBeVisible();
  await expect(longest).toHaveAttribute('aria-invalid', 'true');

  // Back to the server's default (off), then the demo's own choice again.
  await longest.fill('');
  await recording.selectOption('');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(saved).toBeVisible();
  await expect(source).toHaveText('Uses the server default: Off.');
  await expect.poll(recordingAllowed).toBe(false);
  await recording.selectOption('on');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(source).toHaveText('This hospital’s own setting: On (server default: Off).');
  await expect.poll(recordingAllowed).toBe(true);

  // Only a hospital admin may see it.
  await doctor.goto('/policy');
  await expect(doctor.getByRole('alert')).toHaveText(
    'Only a hospital admin may see and change the hospital’s policy.',
  );
  const refused = await doctor.request.get('/api/hospitals/anything/policy');
  expect(refused.status()).toBe(403);
});

test('a deactivated doctor’s coming appointment is given to another doctor from the People page (overlap confirmed), and the patient sees the new doctor', async ({
  app,
  newUserPage,
}) => {
  const [admin, patient] = await Promise.all([newUserPage('admin'), newUserPage('patient')]);
  await Promise.all([
    signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword),
    signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword),
  ]);
  const headers = { 'x-csrf-token': await csrf(admin) };
  const session = (await (await admin.request.get('/api/session')).json()) as {
    user: { hospitalId: string };
  };
  const people = `/api/hospitals/${session.user.hospitalId}/people`;
  const personId = async (email: string) => {
    const r = await admin.request.get(`${people}?q=${encodeURIComponent(email)}`);
    return ((await r.json()) as { people: { id: string }[] }).people[0]?.id ?? '';
  };
  const added = await admin.request.post(people, {
    headers,
    data: { displayName: 'Dr. Leaving', email: 'leaving@demo.test', role: 'doctor' },
  });
  expect(added.status()).toBe(201);
  const [leaving, ada, pat] = await Promise.all([
    personId('leaving@demo.test'),
    personId(DEMO_ACCOUNTS.doctor),
    personId(DEMO_ACCOUNTS.patient),
  ]);
  // The same hour, five days from now, for both doctors: giving it to Dr. Ada Demo overlaps her day.
  const at = instant(localDay(5), '18:00');
  for (const doctorId of [leaving, ada]) {
    const made = await admin.request.post(`/api/hospitals/${session.user.hospitalId}/appointments`, {
      headers,
      data: {
        doctorId,
        patientId: pat,
        scheduledAt: at,
        lengthMinutes: 30,
        reason: doctorId === leaving ? 'E2E handed over' : 'E2E already booked',
        confirm: true,
      },
    });
    expect(made.status()).toBe(201);
  }

  await admin.goto('/people');
  await admin.getByLabel('Name or email', { exact: true }).fill('leaving@demo.test');
  await admin.getByRole('button', { name: 'Search', exact: true }).click();
  await admin.getByRole('button', { name: 'Deactivate Dr. Leaving', exact: true }).click();
  await admin.getByRole('alertdialog').getByRole('button', { name: 'Deactivate', exact: true }).click();
  const section = admin.getByRole('region', {
    name: 'Appointments of Dr. Leaving to give to another doctor',
  });
  await expect(section.getByRole('listitem')).toHaveCount(1);
  const giveTo = section.getByLabel('Give to', { exact: true });
  // Only active doctors are offered: not the one just deactivated.
  await expect(giveTo.locator('option', { hasText: 'Dr. Leaving' })).toHaveCount(0);
  await giveTo.selectOption({ label: 'Dr. Ada Demo' });
  await section.getByRole('button', { name: /^Give the appointment of Pat Demo/ }).click();
  await expect(section.getByRole('alert')).toContainText('Dr. Ada Demo already sees Pat Demo on');
  await section.getByRole('button', { name: 'Give anyway', exact: true }).click();
  await expect(section.getByText('Given to Dr. Ada Demo.')).toBeVisible();

  await patient.reload();
  await expect(patient.locator('.appointment-card').filter({ hasText: 'E2E handed over' })).toContainText(
    'Dr. Ada Demo',
  );
});
