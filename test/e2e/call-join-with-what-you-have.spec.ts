import type { Page } from '@playwright/test';
import { expectNoSeriousAxeViolations } from './support/axe.js';
import {
  appointmentPathPattern,
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  callPathPattern,
  hangUp,
  joinNow,
  openAppointmentAsBoth,
  type Parties,
  report,
  startAndJoin,
  startCall,
  statusTexts,
} from './support/call-flow.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium.js';
import { requireContainedDefaultRoute } from './support/default-route.js';
import { expect, peerConnectionCount, test, waitForFramesGrowing } from './support/fixtures.js';
import { senderTracks } from './support/page-media.js';
import { type MediaSnapshot, mediaSnapshot } from './support/rtc-stats.js';

// Issue 14 item 2, S25: a party joins with what it has. Permissions are real here: this file's Chromium
// runs without --use-fake-ui-for-media-stream and its contexts are granted nothing, so getUserMedia
// rejects with NotAllowedError exactly as for a patient who pressed Block; each test grants what its
// party may use (context.grantPermissions), and the fake devices stand behind whatever is granted.
test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS.filter((arg) => arg !== '--use-fake-ui-for-media-stream'),
  },
  permissions: [],
  // Only so axe can be injected (support/axe.ts); the pages render the same.
  bypassCSP: true,
});

const PATIENT = 'Pat Demo';

/** Counts main-frame navigations from now on: "without leaving the call" means none. */
function countNavigations(page: Page): () => number {
  let count = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) count += 1;
  });
  return () => count;
}

/** What flows into `page` over `ms`: packets and frames received, per kind, from two getStats readings. */
async function inboundOver(
  page: Page,
  ms = 2_000,
): Promise<{ audioPackets: number; videoPackets: number; before: MediaSnapshot; after: MediaSnapshot }> {
  const before = await mediaSnapshot(page);
  await page.waitForTimeout(ms);
  const after = await mediaSnapshot(page);
  return {
    audioPackets: after.inboundAudio.packets - before.inboundAudio.packets,
    videoPackets: after.inboundVideo.packets - before.inboundVideo.packets,
    before,
    after,
  };
}

/** The visible notice about a camera or microphone that could not start (this side's or the other's). */
function deviceNotice(page: Page) {
  return page.locator('.call__notice--device');
}

async function grant(page: Page, permissions: string[]): Promise<void> {
  await page.context().grantPermissions(permissions);
}

/** The doctor may use both devices; the patient what `patient` lists. Both on the appointment page. */
async function parties(
  newUserPage: (label: string) => Promise<Page>,
  password: string,
  patient: string[],
): Promise<Parties> {
  const both = await openAppointmentAsBoth(newUserPage, password);
  await grant(both.doctor, ['camera', 'microphone']);
  if (patient.length > 0) await grant(both.patient, patient);
  return both;
}

test.describe('join with what you have (issue 14, S25)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });
  // A page without device permission gathers candidates only on the default route (support/default-route.ts).
  test.beforeAll(() => requireContainedDefaultRoute());

  test('S25 a patient with camera and microphone blocked joins receive-only; the doctor receives nothing and is told; once the microphone is allowed and turned on, the doctor hears the patient without anyone leaving', async ({
    app,
    newUserPage,
  }) => {
    const call = await parties(newUserPage, app.demoPassword, []);
    const { doctor, patient } = call;
    await startAndJoin(call);
    const patientNavigations = countNavigations(patient);

    await test.step('the patient is in the call and sees the doctor (inbound video frames growing)', async () => {
      await waitForFramesGrowing(patient);
      await expect(button(patient, 'Leave call')).toBeVisible();
      await expect(patient.getByText('The call could not continue')).toHaveCount(0);
      await expect(deviceNotice(patient)).toContainText(
        'Your browser has blocked your camera and microphone.',
      );
      await expect(button(patient, 'Turn microphone on')).toBeEnabled();
      await expect(button(patient, 'Turn camera on')).toBeEnabled();
      const flowing = await inboundOver(patient);
      expect(flowing.audioPackets, 'audio packets the patient received from the doctor').toBeGreaterThan(0);
    });

    await test.step('the doctor gets the trouble notice and receives no audio or video from the patient', async () => {
      await expect(deviceNotice(doctor)).toContainText(
        `${PATIENT} is having trouble with their camera and microphone.`,
      );
      await expect(doctor.getByText('Waiting for the patient…')).toHaveCount(0);
      const tile = doctor.getByRole('list', { name: `${PATIENT}’s microphone and camera` });
      await expect(tile).toContainText('Microphone not working');
      await expect(tile).toContainText('Camera not working');
      expect(await statusTexts(doctor)).toContain(`${PATIENT} is having trouble`);
      const silence = await inboundOver(doctor, 3_000);
      expect(silence.after.inboundAudio.packets, 'audio packets the doctor received').toBe(0);
      expect(silence.after.inboundVideo.packets, 'video packets the doctor received').toBe(0);
    });

    await test.step('both pages are axe clean, and at 360 px the patient reads the notice and reaches every control', async () => {
      await expectNoSeriousAxeViolations(patient, 'receive-only patient');
      await expectNoSeriousAxeViolations(doctor, 'doctor with a receive-only patient');
      await patient.setViewportSize({ width: 360, height: 740 });
      const notice = deviceNotice(patient);
      const names = ['Turn microphone on', 'Turn camera on', 'Chat', 'Settings', 'Leave call'];
      const boxes = [{ name: 'notice', box: await notice.boundingBox() }];
      for (const name of names) {
        await expect(button(patient, name)).toBeInViewport({ ratio: 1 });
        boxes.push({ name, box: await button(patient, name).boundingBox() });
      }
      await expect(notice).toBeInViewport({ ratio: 1 });
      for (const [i, a] of boxes.entries()) {
        for (const b of boxes.slice(i + 1)) {
          if (!a.box || !b.box) throw new Error(`no box for ${a.name} or ${b.name}`);
          const overlap =
            a.box.x < b.box.x + b.box.width &&
            b.box.x < a.box.x + a.box.width &&
            a.box.y < b.box.y + b.box.height &&
            b.box.y < a.box.y + a.box.height;
          expect(overlap, `"${a.name}" and "${b.name}" overlap at 360 px`).toBe(false);
        }
      }
      const scrollWidth = await patient.evaluate(() => document.documentElement.scrollWidth);
      expect(scrollWidth, 'no horizontal scrolling at 360 px').toBeLessThanOrEqual(360);
      await patient.setViewportSize({ width: 1280, height: 720 });
    });

    await test.step('still blocked: pressing Turn microphone on says what to do, and the call goes on', async () => {
      await button(patient, 'Turn microphone on').click();
      await expect(patient.getByRole('alert')).toContainText('Your microphone is still blocked.');
      await expect(button(patient, 'Turn microphone on')).toBeEnabled();
    });

    const turnedOnAt =
      await test.step('the patient allows the microphone and turns it on: no reload, no new connection', async () => {
        await grant(patient, ['microphone']);
        const at = Date.now();
        await button(patient, 'Turn microphone on').click();
        await expect(button(patient, 'Mute')).toBeVisible();
        return at;
      });

    await test.step('the doctor now receives the patient’s audio (packets growing), still no video', async () => {
      let heardAt = 0;
      await expect
        .poll(
          async () => {
            const heard = await inboundOver(doctor, 1_000);
            if (heard.audioPackets > 10 && !heardAt) heardAt = Date.now();
            return heard.audioPackets;
          },
          { timeout: 20_000, message: 'audio packets per second the doctor receives from the patient' },
        )
        .toBeGreaterThan(10);
      report('Turn microphone on click → doctor receives audio', heardAt - turnedOnAt);
      const after = await inboundOver(doctor, 2_000);
      expect(after.audioPackets, 'audio packets the doctor received over 2 s').toBeGreaterThan(40);
      expect(after.after.inboundAudio.bytes).toBeGreaterThan(after.before.inboundAudio.bytes);
      expect(after.after.inboundVideo.packets, 'video packets the doctor received').toBe(0);
      await expect(deviceNotice(doctor)).toHaveText(
        `${PATIENT} is having trouble with their camera. You can hear them, but not see them.`,
      );
      expect(await peerConnectionCount(patient), 'peer connections the patient made').toBe(1);
      expect(await peerConnectionCount(doctor), 'peer connections the doctor made').toBe(1);
      expect(patientNavigations(), 'navigations of the patient’s call page').toBe(0);
      await expect(patient).toHaveURL(callPathPattern(call.id));
    });

    await hangUp(call);
  });

  test('S25 audio-only: a patient whose camera is blocked joins with the microphone; the doctor hears them, receives no video, and is told about the camera', async ({
    app,
    newUserPage,
  }) => {
    const call = await parties(newUserPage, app.demoPassword, ['microphone']);
    const { doctor, patient } = call;
    await startAndJoin(call);
    await waitForFramesGrowing(patient);
    await expect(button(patient, 'Mute')).toBeVisible();
    await expect(button(patient, 'Turn camera on')).toBeEnabled();
    await expect(deviceNotice(patient)).toContainText('Your browser has blocked your camera.');
    await expect(deviceNotice(doctor)).toContainText(`${PATIENT} is having trouble with their camera.`);
    await expect
      .poll(async () => (await inboundOver(doctor, 1_000)).audioPackets, {
        timeout: 20_000,
        message: 'audio packets per second the doctor receives',
      })
      .toBeGreaterThan(10);
    const flow = await inboundOver(doctor, 2_000);
    expect(flow.after.inboundVideo.packets, 'video packets the doctor received').toBe(0);
    await hangUp(call);
  });

  test('S25 camera-off join: a patient who chose “camera off” in the waiting room joins without opening the camera, and turns it on later by renegotiation', async ({
    app,
    newUserPage,
  }) => {
    const call = await parties(newUserPage, app.demoPassword, ['camera', 'microphone']);
    const { doctor, patient, id } = call;
    // Into the waiting room before the doctor starts (the Check in link shows only before a first call).
    await patient.goto(`/appointments/${id}/call`);
    await expect(patient.getByRole('heading', { name: 'Waiting room' })).toBeVisible();
    // The pre-join screen's toggles, named like the call's own: the preview goes dark at once.
    await button(patient, 'Turn camera off').click();
    await expect(button(patient, 'Turn camera on')).toBeVisible();
    await expect(patient.getByText('Your camera is off', { exact: true })).toBeVisible();
    await expect(button(patient, 'Mute')).toBeVisible();
    const patientNavigations = countNavigations(patient);

    await startCall({ doctor, id });
    await joinNow(patient);
    await waitForFramesGrowing(patient);

    await test.step('the doctor hears the patient, receives no video, and sees “Camera off” (no trouble)', async () => {
      await expect(button(patient, 'Turn camera on')).toBeEnabled();
      await expect(button(patient, 'Mute')).toBeVisible();
      const tile = doctor.getByRole('list', { name: `${PATIENT}’s microphone and camera` });
      await expect(tile).toHaveText(/Camera off/);
      await expect(deviceNotice(doctor)).toHaveCount(0);
      await expect
        .poll(async () => (await inboundOver(doctor, 1_000)).audioPackets, { timeout: 20_000 })
        .toBeGreaterThan(10);
      const flow = await inboundOver(doctor, 2_000);
      expect(flow.after.inboundVideo.packets, 'video packets the doctor received').toBe(0);
      // The call never asked for the camera: the patient sends an audio track only.
      expect((await senderTracks(patient)).map((t) => t.kind)).toEqual(['audio']);
    });

    await test.step('Turn camera on: the doctor decodes the patient’s video, same connection, no reload', async () => {
      await button(patient, 'Turn camera on').click();
      await expect(button(patient, 'Turn camera off')).toBeVisible();
      await waitForFramesGrowing(doctor);
      expect((await senderTracks(patient)).map((t) => t.kind).sort()).toEqual(['audio', 'video']);
      await expect(doctor.getByRole('list', { name: `${PATIENT}’s microphone and camera` })).toHaveCount(0);
      expect(await peerConnectionCount(patient)).toBe(1);
      expect(patientNavigations()).toBe(0);
    });

    await hangUp(call);
    await expect(patient).toHaveURL(appointmentPathPattern(id));
  });
});
