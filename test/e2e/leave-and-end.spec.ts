import type { Page } from '@playwright/test';
import type { CallStatusView } from '../../src/protocol/messages.js';
import {
  appointmentDetail,
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  callPathPattern,
  connectedCall,
  endActiveCall,
  endForEveryone,
  joinByLink,
  joinNow,
  report,
  returnedToAppointment,
  startAndCopyInviteLink,
} from './support/call-flow.js';
import { firstAppointmentId } from './support/demo-accounts.js';
import { DEMO_ACCOUNTS, expect, signIn, test, waitForFramesGrowing } from './support/fixtures.js';

// Issue 14: leaving is not ending. A patient's Leave call keeps the call open; they come back with
// Rejoin into the same call, whose duration goes on. Only the doctor ends it, after confirming.

async function callStatus(page: Page, id: string): Promise<CallStatusView> {
  const response = await page.request.get(`/api/appointments/${id}/call/status`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { call: CallStatusView }).call;
}

/** The call page's duration clock ("1:05") in seconds. */
async function shownDuration(page: Page): Promise<number> {
  const text = (await page.locator('.call__clock').innerText()).trim();
  const parts = text.split(':').map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

test.describe('leave is not end (issue 14)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });

  test('a patient leaves and rejoins the same call: same call session, its duration goes on', async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient, id } = await connectedCall(newUserPage, app.demoPassword);
    const before = await callStatus(doctor, id);
    expect(before.status).toBe('in_progress');
    await expect(button(patient, 'End call for everyone')).toHaveCount(0);
    await expect.poll(() => shownDuration(patient), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    const shownBeforeLeaving = await shownDuration(patient);

    await test.step('the patient leaves: back on the appointment with Rejoin, the doctor still in the call', async () => {
      await button(patient, 'Leave call').click();
      await returnedToAppointment(patient, id);
      await expect(button(patient, 'Rejoin')).toBeVisible();
      // One primary action: neither Join video call nor Check in beside it.
      await expect(button(patient, 'Join video call')).toHaveCount(0);
      await expect(patient.getByRole('link', { name: 'Check in', exact: true })).toHaveCount(0);
      await expect(doctor).toHaveURL(callPathPattern(id));
      await expect(doctor.getByRole('status').filter({ hasText: /left the call/ })).toHaveCount(1);
      const during = await callStatus(doctor, id);
      expect(during).toMatchObject({
        status: 'in_progress',
        roomId: before.roomId,
        connectedAt: before.connectedAt,
      });
      expect((await appointmentDetail(patient, id)).callEntry?.joinedRoomId).toBe(before.roomId);
    });

    await test.step('at 360 px the appointment page does not scroll sideways', async () => {
      await patient.setViewportSize({ width: 360, height: 740 });
      await expect(button(patient, 'Rejoin')).toBeInViewport();
      expect(await horizontalOverflow(patient)).toBeLessThanOrEqual(0);
      await patient.setViewportSize({ width: 1280, height: 720 });
    });

    await test.step('Rejoin: the same call again, media both ways, the clock not reset', async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const clickedAt = Date.now();
      await button(patient, 'Rejoin').click();
      await patient.waitForURL(callPathPattern(id));
      await joinNow(patient);
      await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
      report('Rejoin click (and Join now) → frames growing both ways', Date.now() - clickedAt);
      const after = await callStatus(doctor, id);
      expect(after).toMatchObject({
        status: 'in_progress',
        roomId: before.roomId,
        connectedAt: before.connectedAt,
      });
      await expect(patient.locator('.call__clock')).toBeVisible();
      const shownAfter = await shownDuration(patient);
      console.log(`patient's clock: ${shownBeforeLeaving} s before leaving, ${shownAfter} s after rejoining`);
      expect(shownAfter).toBeGreaterThanOrEqual(shownBeforeLeaving + 2);
    });

    await endForEveryone(doctor);
    await returnedToAppointment(doctor, id);
    await returnedToAppointment(patient, id);
  });

  test('the doctor ends the call for everyone only after confirming; cancelling ends nothing', async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient, id } = await connectedCall(newUserPage, app.demoPassword);
    const confirm = doctor.getByRole('dialog', { name: 'End the call for everyone?' });

    await test.step('Cancel, then Escape: the call goes on for both', async () => {
      await button(doctor, 'End call for everyone').click();
      await expect(confirm).toBeVisible();
      await confirm.getByRole('button', { name: 'Cancel', exact: true }).click();
      await expect(confirm).toBeHidden();
      await button(doctor, 'End call for everyone').click();
      await expect(confirm).toBeVisible();
      await doctor.keyboard.press('Escape');
      await expect(confirm).toBeHidden();
      expect((await callStatus(doctor, id)).status).toBe('in_progress');
      await expect(patient).toHaveURL(callPathPattern(id));
      await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
    });

    await test.step('at 360 px the controls and the dialog fit: no sideways scrolling', async () => {
      await doctor.setViewportSize({ width: 360, height: 740 });
      await expect(button(doctor, 'Leave call')).toBeInViewport({ ratio: 1 });
      await expect(button(doctor, 'End call for everyone')).toBeInViewport({ ratio: 1 });
      expect(await horizontalOverflow(doctor)).toBeLessThanOrEqual(0);
      await button(doctor, 'End call for everyone').click();
      await expect(confirm).toBeVisible();
      await expect(confirm.getByRole('button', { name: 'Yes, end the call', exact: true })).toBeInViewport({
        ratio: 1,
      });
      const box = await confirm.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 360).toBe(true);
      expect(await horizontalOverflow(doctor)).toBeLessThanOrEqual(0);
    });

    await test.step('confirming ends it for both; the patient’s page has nothing left to join', async () => {
      await confirm.getByRole('button', { name: 'Yes, end the call', exact: true }).click();
      await returnedToAppointment(doctor, id);
      await returnedToAppointment(patient, id);
      const ended = await callStatus(patient, id);
      expect(ended.status).toBe('ended');
      expect(ended.endReason).toBe('hung_up');
      await expect(patient.getByText('The call has ended.', { exact: true })).toBeVisible();
      await expect(button(patient, 'Rejoin')).toHaveCount(0);
      await expect(button(patient, 'Join video call')).toHaveCount(0);
    });
  });

  test('a patient who came by link leaves, stays on the page with Rejoin, and comes back into the same call', async ({
    app,
    newUserPage,
  }) => {
    const doctor = await newUserPage('doctor');
    // Granting for an origin replaces its grants: camera and microphone are repeated with the clipboard.
    await doctor
      .context()
      .grantPermissions(['camera', 'microphone', 'clipboard-read', 'clipboard-write'], { origin: app.url });
    await signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword);
    const id = await firstAppointmentId(doctor);
    await endActiveCall(doctor, id);
    await doctor.goto(`/appointments/${id}`);
    const linkUrl = await startAndCopyInviteLink(doctor, id);

    const patient = await newUserPage('patient via link');
    await joinByLink(patient, linkUrl, 'Robin Linkfield');
    await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
    const before = await callStatus(doctor, id);

    await test.step('Leave call: the page stays, says the call goes on, and offers Rejoin', async () => {
      await button(patient, 'Leave call').click();
      await expect(patient.getByText('You left the call', { exact: true })).toBeVisible();
      await expect(patient).toHaveURL(callPathPattern(id));
      await expect(button(patient, 'Leave call')).toHaveCount(0);
      await expect(doctor.getByRole('status').filter({ hasText: /left the call/ })).toHaveCount(1);
      expect(await callStatus(doctor, id)).toMatchObject({ status: 'in_progress', roomId: before.roomId });
    });

    await test.step('Rejoin: back into the same call with the call cookie kept, no new name asked', async () => {
      await button(patient, 'Rejoin').click();
      // The pre-join screen again, without the name: the call cookie says who this is.
      await expect(patient.getByLabel('Your name', { exact: true })).toHaveCount(0);
      await joinNow(patient);
      await expect(button(patient, 'Leave call')).toBeVisible();
      await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
      expect(await callStatus(doctor, id)).toMatchObject({
        status: 'in_progress',
        roomId: before.roomId,
        connectedAt: before.connectedAt,
      });
    });

    await endForEveryone(doctor);
    await returnedToAppointment(doctor, id);
    await expect(patient.getByText('The call has ended. You can close this page.').first()).toBeVisible();
  });
});
