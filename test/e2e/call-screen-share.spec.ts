import type { Page } from '@playwright/test';
import {
  appointmentDetail,
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  hangUp,
  magentaCameraClip,
  openAppointmentAsBoth,
  report,
  startAndJoin,
  statusTexts,
} from './support/call-flow.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium.js';
import { expect, inboundVideoStats, test, waitForFramesGrowing } from './support/fixtures.js';
import { waitForInboundResolution } from './support/media-waits.js';
import { endScreenCapture, remotePicture, senderTracks, videoElementInfo } from './support/page-media.js';

// Issue 4 item 7: the doctor shares the screen with replaceTrack, the patient sees the screen at its full
// resolution, the appointment's screenSharingActive follows (S10), and stopping (the page's button or the
// browser's own "Stop sharing") goes back to the camera. The patient has no share control.
//
// Chromium's fake camera and fake screen paint the same green 1280x720 picture, so here the camera plays a
// magenta clip instead: what the patient receives then tells camera (magenta) from screen (green).
test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${magentaCameraClip()}`],
  },
});

type Picture = 'camera' | 'screen' | 'black' | 'none';

async function patientSees(page: Page): Promise<Picture> {
  const picture = await remotePicture(page);
  if (!picture) return 'none';
  if (picture.luma < 16) return 'black';
  return picture.r > picture.g ? 'camera' : 'screen';
}

async function screenSharingActive(page: Page, id: string): Promise<boolean> {
  return (await appointmentDetail(page, id)).appointment.screenSharingActive;
}

async function sentVideo(page: Page) {
  const video = (await senderTracks(page)).find((track) => track.kind === 'video');
  if (!video) throw new Error('the doctor sends no video track');
  return video;
}

test.describe('screen sharing (issue 4, S10)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });
  test('the doctor shares the screen: the patient receives it at full resolution, screenSharingActive follows, and stopping goes back to the camera', async ({
    app,
    newUserPage,
  }) => {
    const parties = await openAppointmentAsBoth(newUserPage, app.demoPassword);
    const { doctor, patient, id } = parties;
    await startAndJoin(parties);
    await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
    await expect
      .poll(() => patientSees(patient), { message: 'the patient sees the doctor’s camera' })
      .toBe('camera');
    const camera = await sentVideo(doctor);
    expect(camera.displaySurface).toBeNull();

    await test.step('the patient has no share control', async () => {
      await expect(button(patient, 'Leave call')).toBeVisible();
      await expect(button(patient, 'Share screen')).toHaveCount(0);
      await expect(button(patient, 'Stop sharing')).toHaveCount(0);
    });

    const screen =
      await test.step('the doctor shares: the sender carries the screen track (replaceTrack)', async () => {
        const sharedAt = Date.now();
        await button(doctor, 'Share screen').click();
        await expect(button(doctor, 'Stop sharing')).toBeVisible();
        await expect.poll(async () => (await sentVideo(doctor)).displaySurface).not.toBeNull();
        const track = await sentVideo(doctor);
        console.log(
          `doctor's screen track: ${track.label} ${track.width}x${track.height} @ ${track.frameRate} fps`,
        );
        await expect
          .poll(() => patientSees(patient), { message: 'the patient sees the screen' })
          .toBe('screen');
        report('Share screen click → patient sees the screen', Date.now() - sharedAt);
        // Labelled on both sides, in words (issue 14).
        await expect(doctor.getByText('You are sharing your screen', { exact: true })).toBeVisible();
        await expect(
          patient.getByText('Dr. Ada Demo is sharing their screen', { exact: true }),
        ).toBeVisible();
        return track;
      });

    await test.step('the patient receives the screen at the screen track’s own resolution', async () => {
      const width = screen.width ?? 0;
      const height = screen.height ?? 0;
      expect(width * height, 'the screen track reports its size').toBeGreaterThan(0);
      await waitForInboundResolution(patient, width, height, { timeoutMs: 30_000 });
      const inbound = await inboundVideoStats(patient);
      expect(`${inbound?.frameWidth}x${inbound?.frameHeight}`).toBe(`${width}x${height}`);
      await expect
        .poll(async () => {
          const video = await videoElementInfo(patient, 'remote');
          return `${video?.videoWidth}x${video?.videoHeight}`;
        })
        .toBe(`${width}x${height}`);
    });

    await test.step('the patient’s page shows the screen whole and unmirrored, and says it is shared', async () => {
      const remote = await videoElementInfo(patient, 'remote');
      expect(remote?.objectFit, 'a shared screen is never cropped').toBe('contain');
      expect(remote?.scaleX, 'a shared screen is not mirrored').toBeGreaterThan(0);
      await expect.poll(() => statusTexts(patient)).toMatch(/sharing (their|the) screen/);
    });

    await test.step('the doctor’s own preview of the screen is not mirrored', async () => {
      await expect.poll(async () => (await videoElementInfo(doctor, 'local'))?.scaleX).toBeGreaterThan(0);
    });

    await test.step('the appointment says a screen is shared', async () => {
      await expect.poll(() => screenSharingActive(patient, id)).toBe(true);
    });

    await test.step('Stop sharing: back to the camera, screenSharingActive false', async () => {
      await button(doctor, 'Stop sharing').click();
      await expect(button(doctor, 'Share screen')).toBeVisible();
      await expect(doctor.getByText('You are sharing your screen', { exact: true })).toHaveCount(0);
      await expect(patient.getByText(/is sharing their screen$/)).toHaveCount(0);
      await expect.poll(async () => (await sentVideo(doctor)).displaySurface).toBeNull();
      await expect
        .poll(() => patientSees(patient), { message: 'the patient sees the camera again' })
        .toBe('camera');
      await waitForInboundResolution(patient, camera.width ?? 1280, camera.height ?? 720, {
        timeoutMs: 30_000,
      });
      await expect.poll(() => screenSharingActive(patient, id)).toBe(false);
      await expect.poll(async () => (await videoElementInfo(doctor, 'local'))?.scaleX).toBeLessThan(0);
      await expect.poll(() => statusTexts(patient)).not.toMatch(/sharing (their|the) screen/);
    });

    await test.step('sharing stopped from the browser’s own UI (the track ends) also goes back to the camera', async () => {
      await button(doctor, 'Share screen').click();
      await expect(button(doctor, 'Stop sharing')).toBeVisible();
      await expect.poll(() => patientSees(patient)).toBe('screen');
      await expect.poll(() => screenSharingActive(patient, id)).toBe(true);
      // What Chromium's "Stop sharing" bar does: the capture track stops and fires `ended`.
      expect(await endScreenCapture(doctor), 'screen tracks ended').toBe(1);
      await expect(button(doctor, 'Share screen')).toBeVisible();
      await expect.poll(async () => (await sentVideo(doctor)).displaySurface).toBeNull();
      await expect.poll(() => patientSees(patient)).toBe('camera');
      await expect.poll(() => screenSharingActive(patient, id)).toBe(false);
      await waitForFramesGrowing(patient);
    });

    await hangUp(parties);
  });
});
