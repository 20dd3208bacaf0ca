import type { Page } from '@playwright/test';
import type { AppointmentDetail, AppointmentList } from '../../src/protocol/api.js';
import { endForEveryone, joinNow, report } from './support/call-flow.js';
import {
  configuredIceServerUrls,
  DEMO_ACCOUNTS,
  expect,
  inboundAudioStats,
  inboundVideoStats,
  isContainedAddress,
  isLoopbackIceUrl,
  selectedCandidatePair,
  signIn,
  test,
  waitForFirstDecodedFrame,
  waitForFramesGrowing,
} from './support/fixtures.js';

const APPOINTMENT_LINK = 'a[href^="/appointments/"]';

function appointmentPathPattern(id: string): RegExp {
  return new RegExp(`/appointments/${id}/?$`);
}

/** Clicks the appointment's link in the list (the list page is where a user finds it) and returns its id. */
async function openFirstAppointment(page: Page): Promise<string> {
  const link = page.locator(APPOINTMENT_LINK).first();
  const href = await link.getAttribute('href');
  const id = /^\/appointments\/([^/?#]+)\/?$/.exec(href ?? '')?.[1];
  if (!id) throw new Error(`the first appointment link has an unexpected href: ${href}`);
  await link.click();
  await page.waitForURL(appointmentPathPattern(id));
  return id;
}

async function openAppointment(page: Page, id: string): Promise<void> {
  await page.locator(`a[href="/appointments/${id}"]`).first().click();
  await page.waitForURL(appointmentPathPattern(id));
}

async function appointmentDetail(page: Page, id: string): Promise<AppointmentDetail> {
  const response = await page.request.get(`/api/appointments/${id}`);
  expect(response.status(), `GET /api/appointments/${id}`).toBe(200);
  return (await response.json()) as AppointmentDetail;
}

async function sendChat(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

function chatMessage(page: Page, text: string) {
  return page.getByText(text, { exact: true });
}

/** Reads "45 s", "3 min 12 s", "1 h 0 min 5 s" (the client's format) or "m:ss" out of a text. */
function durationSecondsIn(text: string): number | null {
  const words = /(?:(\d+)\s*h\s+)?(?:(\d+)\s*min\s+)?(\d+)\s*s\b/.exec(text);
  if (words) return Number(words[1] ?? 0) * 3600 + Number(words[2] ?? 0) * 60 + Number(words[3]);
  const clock = /\b(?:(\d+):)?(\d{1,2}):(\d{2})\b/.exec(text);
  if (clock) return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  return null;
}

async function signInDoctorAndPatient(
  newUserPage: (label: string) => Promise<Page>,
  password: string,
): Promise<{ doctor: Page; patient: Page; id: string }> {
  const [doctor, patient] = await Promise.all([newUserPage('doctor'), newUserPage('patient')]);
  await Promise.all([
    signIn(doctor, DEMO_ACCOUNTS.doctor, password),
    signIn(patient, DEMO_ACCOUNTS.patient, password),
  ]);
  const id = await openFirstAppointment(doctor);
  await openAppointment(patient, id);
  return { doctor, patient, id };
}

test.describe('walking skeleton', () => {
  test('doctor and patient see each other’s chat messages live, and still after a reload', async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient } = await signInDoctorAndPatient(newUserPage, app.demoPassword);
    const fromDoctor = `Good morning, how are you feeling? (${Date.now()})`;
    const fromPatient = `Better since Tuesday, thank you. (${Date.now()})`;

    await sendChat(doctor, fromDoctor);
    await expect(chatMessage(patient, fromDoctor)).toBeVisible();
    await sendChat(patient, fromPatient);
    await expect(chatMessage(doctor, fromPatient)).toBeVisible();

    await Promise.all([doctor.reload(), patient.reload()]);
    for (const page of [doctor, patient]) {
      await expect(chatMessage(page, fromDoctor)).toBeVisible();
      await expect(chatMessage(page, fromPatient)).toBeVisible();
    }
  });

  test('a chat message containing markup is shown as literal text and runs nothing', async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient } = await signInDoctorAndPatient(newUserPage, app.demoPassword);
    const dialogs: string[] = [];
    for (const page of [doctor, patient]) {
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
    }
    const payload = `<img src=x onerror=alert(1)> (${Date.now()})`;

    await sendChat(doctor, payload);
    await expect(chatMessage(patient, payload)).toBeVisible();
    await expect(chatMessage(doctor, payload)).toBeVisible();
    await patient.reload();
    await expect(chatMessage(patient, payload)).toBeVisible();

    for (const page of [doctor, patient]) {
      await expect(page.locator('img[src="x"]')).toHaveCount(0);
    }
    expect(dialogs, 'dialogs opened by chat content').toEqual([]);
  });

  test('patient joins only after the doctor starts; both decode each other’s audio and video; ending returns both with a duration', async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient, id } = await signInDoctorAndPatient(newUserPage, app.demoPassword);
    const start = doctor.getByRole('button', { name: 'Start video call', exact: true });
    const join = patient.getByRole('button', { name: 'Join video call', exact: true });

    await test.step('the patient cannot join before the doctor starts: no greyed-out Join, one thing to do', async () => {
      const checkIn = patient.getByRole('link', { name: 'Check in', exact: true });
      const waitWords = patient.getByText(/^You can (check in from|join once the doctor starts)/);
      await expect(checkIn.or(waitWords)).toBeVisible();
      await expect(join).toHaveCount(0);
    });

    await test.step('the doctor starts and the patient’s Join button appears without a reload', async () => {
      await start.click();
      await doctor.waitForURL(new RegExp(`/appointments/${id}/call/?$`));
      await joinNow(doctor);
      await expect(join).toBeEnabled();
    });

    await join.click();
    await patient.waitForURL(new RegExp(`/appointments/${id}/call/?$`));
    // The pre-join screen is in the path; the figure counts from its Join now.
    const joinedAt = await joinNow(patient);
    const firstFrameAt = await waitForFirstDecodedFrame(patient);
    report(
      "time from the patient's Join now click to the first decoded remote frame",
      firstFrameAt - joinedAt,
    );

    await test.step('both sides decode a growing stream of remote video frames and receive audio', async () => {
      for (const [role, page] of [
        ['doctor', doctor],
        ['patient', patient],
      ] as const) {
        const { after } = await waitForFramesGrowing(page);
        await expect
          .poll(async () => (await inboundAudioStats(page))?.packetsReceived ?? 0, {
            message: `${role} audio`,
          })
          .toBeGreaterThan(0);
        const video = await inboundVideoStats(page);
        console.log(
          `${role} receives video ${video?.frameWidth}x${video?.frameHeight}, ${after.framesDecoded} frames decoded`,
        );
      }
    });

    await test.step('media stays inside the test namespace, with no public STUN/TURN server configured', async () => {
      for (const page of [doctor, patient]) {
        const urls = await configuredIceServerUrls(page);
        expect(
          urls.filter((url) => !isLoopbackIceUrl(url)),
          'non-loopback ICE servers',
        ).toEqual([]);
        const pair = await selectedCandidatePair(page);
        expect(pair?.state).toBe('succeeded');
        for (const address of [pair?.localAddress, pair?.remoteAddress]) {
          if (address && /^[\d.:[\]]+$/.test(address)) expect(isContainedAddress(address)).toBe(true);
        }
      }
    });

    await test.step('the API reports the call in progress', async () => {
      await expect
        .poll(async () => (await appointmentDetail(doctor, id)).appointment.videoCallStatus)
        .toBe('in_progress');
    });

    await test.step('the call page offers its controls', async () => {
      for (const page of [doctor, patient]) {
        for (const name of ['Leave call', 'Mute', 'Turn camera off']) {
          await expect(page.getByRole('button', { name, exact: true })).toBeVisible();
        }
      }
    });

    await test.step('the doctor ends the call; both return to the appointment, which shows it ended with a duration', async () => {
      await endForEveryone(doctor);
      for (const page of [doctor, patient]) {
        await page.waitForURL(appointmentPathPattern(id));
        const status = page.getByRole('status').filter({ hasText: /ended/i });
        await expect(status).toBeVisible();
        // The banner is the card holding the live status line; the duration is part of that card.
        const banner = status.locator('xpath=ancestor::section[1]');
        await expect
          .poll(async () => durationSecondsIn(await banner.innerText()) ?? 0, {
            message: 'a duration in the banner of the ended call',
          })
          .toBeGreaterThan(0);
      }
      const { appointment } = await appointmentDetail(patient, id);
      expect(appointment.videoCallStatus).toBe('ended');
      expect(appointment.callDurationSeconds ?? 0).toBeGreaterThan(0);
    });
  });

  test('a hospital admin can open the appointment but has no Start or Join button', async ({ app, page }) => {
    await signIn(page, DEMO_ACCOUNTS.admin, app.demoPassword);
    const list = await page.request.get('/api/appointments');
    expect(list.status()).toBe(200);
    expect(((await list.json()) as AppointmentList).appointments.length).toBeGreaterThan(0);

    const id = await openFirstAppointment(page);
    await expect(page.getByRole('status').first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Start video call' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Join video call' })).toHaveCount(0);
    const { permissions } = await appointmentDetail(page, id);
    expect(permissions).toMatchObject({ canStart: false, canJoin: false });
  });
});
