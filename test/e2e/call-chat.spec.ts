import type { Locator, Page } from '@playwright/test';
import {
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  hangUp,
  openAppointmentAsBoth,
  startAndJoin,
} from './support/call-flow.js';
import { expect, test, waitForFramesGrowing } from './support/fixtures.js';

// Issue 4 item 3: the in-call chat slides out, shows the appointment's whole history, counts unread messages
// on the Chat button, and is the same conversation as the appointment page's chat.

function conversation(page: Page): Locator {
  return page.getByRole('log', { name: 'Conversation' });
}

/** The message box: visible exactly while the chat panel is open. */
function compose(page: Page): Locator {
  return page.getByRole('textbox', { name: 'Message' });
}

/** The Chat button: its accessible name starts with "Chat" (an unread count may follow). */
function chatButton(page: Page): Locator {
  return page.getByRole('button', { name: /^Chat\b/ });
}

/** The unread count the Chat button shows (in its text or its accessible name); 0 when it shows none. */
async function unreadCount(page: Page): Promise<number> {
  const chat = chatButton(page);
  const words = [
    await chat.innerText(),
    (await chat.getAttribute('aria-label')) ?? '',
    (await chat.getAttribute('aria-description')) ?? '',
  ].join(' ');
  const match = /(\d+)/.exec(words);
  return match ? Number(match[1]) : 0;
}

async function sendFrom(page: Page, text: string): Promise<void> {
  await compose(page).fill(text);
  await button(page, 'Send').click();
  await expect(conversation(page).getByText(text, { exact: true })).toBeVisible();
}

/** The bodies in the conversation, in the order shown, restricted to `wanted` (other messages may be there). */
async function shownInOrder(page: Page, wanted: readonly string[]): Promise<string[]> {
  const bodies = await conversation(page).locator('li').allInnerTexts();
  return wanted
    .map((text) => ({ text, at: bodies.findIndex((body) => body.includes(text)) }))
    .filter(({ at }) => at >= 0)
    .sort((a, b) => a.at - b.at)
    .map(({ text }) => text);
}

test.describe('in-call chat (issue 4)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });
  test('the call’s chat panel and the appointment page are one history, with an unread count while the panel is closed', async ({
    app,
    newUserPage,
  }) => {
    const parties = await openAppointmentAsBoth(newUserPage, app.demoPassword);
    const { doctor, patient, id } = parties;
    const stamp = Date.now();
    const beforeCall = `Before the call: I have the lab results (${stamp})`;
    const fromPatientInCall = `From the call panel: can you hear me? (${stamp})`;
    const fromDoctorInCall = `From the call panel: yes, clearly (${stamp})`;
    const fromAppointmentPage = `From the appointment page during the call (${stamp})`;
    const all = [beforeCall, fromPatientInCall, fromDoctorInCall, fromAppointmentPage];

    await sendFrom(patient, beforeCall);
    await startAndJoin(parties);
    await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);

    await test.step('the panel is closed at first and opens with the whole appointment history', async () => {
      await expect(chatButton(patient)).toBeVisible();
      await expect(compose(patient)).toBeHidden();
      await chatButton(patient).click();
      await expect(compose(patient)).toBeVisible();
      await expect(conversation(patient).getByText(beforeCall, { exact: true })).toBeVisible();
    });

    await test.step('a message from the patient’s panel raises the doctor’s unread count while the doctor’s panel is closed', async () => {
      expect(await unreadCount(doctor)).toBe(0);
      await sendFrom(patient, fromPatientInCall);
      await expect.poll(() => unreadCount(doctor)).toBe(1);
      await expect(compose(doctor)).toBeHidden();
    });

    await test.step('the doctor opens the panel: the message is there, the count is cleared, the reply reaches the patient', async () => {
      await chatButton(doctor).click();
      await expect(conversation(doctor).getByText(fromPatientInCall, { exact: true })).toBeVisible();
      await expect(conversation(doctor).getByText(beforeCall, { exact: true })).toBeVisible();
      await expect.poll(() => unreadCount(doctor)).toBe(0);
      await sendFrom(doctor, fromDoctorInCall);
      await expect(conversation(patient).getByText(fromDoctorInCall, { exact: true })).toBeVisible();
      expect(await unreadCount(patient), 'an open panel counts nothing as unread').toBe(0);
    });

    await test.step('the appointment page (another tab, reloaded) shows the same messages in the same order, and what it sends appears in both call panels', async () => {
      const tab = await doctor.context().newPage();
      await tab.goto(`/appointments/${id}`);
      await tab.reload();
      await expect(conversation(tab).getByText(fromDoctorInCall, { exact: true })).toBeVisible();
      expect(await shownInOrder(tab, all)).toEqual(all.slice(0, 3));
      await sendFrom(tab, fromAppointmentPage);
      for (const page of [doctor, patient]) {
        await expect(conversation(page).getByText(fromAppointmentPage, { exact: true })).toBeVisible();
        expect(await shownInOrder(page, all)).toEqual(all);
      }
      await tab.close();
    });

    await test.step('the panel closes again; the media never stopped', async () => {
      await chatButton(patient).click();
      await expect(compose(patient)).toBeHidden();
      await waitForFramesGrowing(patient);
    });

    await hangUp(parties);
  });
});
