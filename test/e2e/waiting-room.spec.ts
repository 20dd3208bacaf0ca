import type { Page } from '@playwright/test';
import type { AppointmentDetail } from '../../src/protocol/api.js';
import { endForEveryone, joinNow, report } from './support/call-flow.js';
import {
  DEMO_ACCOUNTS,
  expect,
  signIn,
  test,
  waitForFirstDecodedFrame,
  waitForFramesGrowing,
} from './support/fixtures.js';

// S20: a patient who checks in before the doctor starts waits in the waiting room, which is the pre-join
// screen (preview, devices, chat, a way out); the doctor's pages show it live; when the doctor starts, the
// patient is told and joins with Join now.

const PATIENT_WORDS = 'I am in the waiting room';

const WAITING_BADGE = /^Patient waiting · \d+:\d{2}$/;

function appointmentPathPattern(id: string): RegExp {
  return new RegExp(`/appointments/${id}/?$`);
}

function callPathPattern(id: string): RegExp {
  return new RegExp(`/appointments/${id}/call/?$`);
}

async function firstAppointmentId(page: Page): Promise<string> {
  const href = await page.locator('a[href^="/appointments/"]').first().getAttribute('href');
  const id = /^\/appointments\/([^/?#]+)\/?$/.exec(href ?? '')?.[1];
  if (!id) throw new Error(`the first appointment link has an unexpected href: ${href}`);
  return id;
}

async function appointmentDetail(page: Page, id: string): Promise<AppointmentDetail> {
  const response = await page.request.get(`/api/appointments/${id}`);
  expect(response.status(), `GET /api/appointments/${id}`).toBe(200);
  return (await response.json()) as AppointmentDetail;
}

/** Counts main-frame navigations after this point: "live" means the page shows a change with none. */
function countNavigations(page: Page): () => number {
  let count = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) count += 1;
  });
  return () => count;
}

test.describe('waiting room (S20)', () => {
  test('a patient who checks in early waits, the doctor sees it live, and Start connects the patient without a click', async ({
    app,
    newUserPage,
    browserProblems,
  }) => {
    const [doctorList, patient] = await Promise.all([newUserPage('doctor list'), newUserPage('patient')]);
    await Promise.all([
      signIn(doctorList, DEMO_ACCOUNTS.doctor, app.demoPassword),
      signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword),
    ]);
    const id = await firstAppointmentId(doctorList);

    // The doctor keeps the list in one tab and the appointment in another, both opened before the patient.
    const doctor = await doctorList.context().newPage();
    browserProblems.record(doctor, 'doctor appointment');
    await doctor.goto(`/appointments/${id}`);
    const start = doctor.getByRole('button', { name: 'Start video call', exact: true });
    await expect(start).toBeEnabled();
    const listBadge = doctorList.locator(`a[href="/appointments/${id}"] .badge--lobby`);
    const pageBadge = doctor.locator('.badge--lobby');
    await expect(listBadge).toHaveCount(0);
    await expect(pageBadge).toHaveCount(0);
    const listNavigations = countNavigations(doctorList);
    const pageNavigations = countNavigations(doctor);

    await test.step('the patient checks in from the appointment page and waits, with a time waited', async () => {
      await patient.locator(`a[href="/appointments/${id}"]`).first().click();
      await patient.waitForURL(appointmentPathPattern(id));
      await patient.getByRole('link', { name: 'Check in', exact: true }).click();
      await patient.waitForURL(callPathPattern(id));
      await expect(patient.getByText('The doctor will be with you shortly', { exact: true })).toBeVisible();
      const clock = patient.locator('.lobby__clock');
      await expect(clock).toHaveText(/^\d+:\d{2}$/);
      // The clock counts: its text changes while the patient waits (no duration is asserted).
      const first = await clock.innerText();
      await expect(clock).not.toHaveText(first, { timeout: 5_000 });
      // The same screen as before every call: a header, the preview, a way out, the connection test in
      // this page (no new tab), and the chat beside it.
      await expect(patient.getByRole('banner')).toBeVisible();
      await expect(patient.getByLabel('Camera preview')).toBeVisible();
      await expect(patient.getByRole('button', { name: 'Leave waiting room', exact: true })).toBeVisible();
      await expect(patient.locator('a[target="_blank"]')).toHaveCount(0);
      await patient.getByText('Test your connection', { exact: true }).click();
      await expect(patient.getByRole('button', { name: 'Run connection test', exact: true })).toBeVisible();
      await expect(patient.getByRole('button', { name: 'Join now', exact: true })).toHaveCount(0);
    });

    await test.step('the patient writes in the waiting room’s chat; the doctor reads it on the appointment page', async () => {
      await patient.getByRole('textbox', { name: 'Message' }).fill(PATIENT_WORDS);
      await patient.getByRole('button', { name: 'Send', exact: true }).click();
      await expect(doctor.getByText(PATIENT_WORDS, { exact: true })).toBeVisible({ timeout: 10_000 });
    });
    const patientNavigations = countNavigations(patient);

    await test.step('the doctor’s list and appointment page show “Patient waiting” without a reload', async () => {
      await expect(listBadge).toHaveText(WAITING_BADGE);
      await expect(pageBadge).toHaveText(WAITING_BADGE);
      // The badge's clock ticks on the doctor's side too.
      const shown = await pageBadge.innerText();
      await expect(pageBadge).not.toHaveText(shown, { timeout: 5_000 });
      expect(listNavigations(), 'navigations of the doctor’s list page').toBe(0);
      expect(pageNavigations(), 'navigations of the doctor’s appointment page').toBe(0);
    });

    await start.click();
    await doctor.waitForURL(callPathPattern(id));
    await joinNow(doctor);
    await expect(patient.getByText(/is ready for you\. Choose Join now\./)).toBeVisible({ timeout: 20_000 });
    // Said where a screen reader hears it, and the chat goes on on the same screen.
    await expect(patient.getByRole('status').filter({ hasText: /is ready for you/ })).toHaveCount(1);
    await expect(patient.getByText(PATIENT_WORDS, { exact: true })).toBeVisible();
    const clickedAt = await joinNow(patient);
    const firstFrameAt = await waitForFirstDecodedFrame(patient);
    report(
      "patient's Join now (after the waiting room) → first decoded remote frame",
      firstFrameAt - clickedAt,
    );

    await test.step('both sides decode a growing stream of remote video; the patient never navigated', async () => {
      for (const page of [doctor, patient]) await waitForFramesGrowing(page);
      expect(patientNavigations(), 'navigations of the patient’s call page').toBe(0);
      await expect(patient.getByRole('button', { name: 'Leave call', exact: true })).toBeVisible();
      await expect(patient.getByText('The doctor will be with you shortly', { exact: true })).toHaveCount(0);
    });

    await test.step('the call is in progress and nobody is waiting any more', async () => {
      await expect
        .poll(async () => (await appointmentDetail(doctorList, id)).appointment.videoCallStatus)
        .toBe('in_progress');
      await expect(listBadge).toHaveCount(0);
    });

    // Leaves the appointment as a later test in this file (same server) expects to find it.
    await endForEveryone(doctor);
    await doctor.waitForURL(appointmentPathPattern(id));
  });
});
