import type { Locator, Page } from '@playwright/test';
import {
  appointmentDetail,
  button,
  CALL_CONTROLS,
  CALL_SCENARIO_TIMEOUT_MS,
  connectedCall,
  hangUp,
  openAppointmentAsBoth,
  report,
  startAndJoin,
  statusTexts,
} from './support/call-flow.js';
import { expect, test, waitForFirstDecodedFrame, waitForFramesGrowing } from './support/fixtures.js';
import { waitForInboundResolution } from './support/media-waits.js';
import { remotePicture, videoElementInfo } from './support/page-media.js';
import { type MediaRates, mediaRates, outboundVideoDiagnostics } from './support/rtc-stats.js';

// Issue 4, "Proof in a real browser": HD media both ways, mute and camera off seen by the other side in
// its stats and on its tile, and the call page's layout (picture-in-picture, mirroring, a 360 px phone).

/** Sound arrives: Chromium's fake microphone beeps every second, so energy grows by ~0.1–0.3 per second. */
const SOUND_ENERGY_PER_SECOND = 0.01;
/** A muted microphone (`track.enabled = false`) is sent as silence: measured ~1e-5 per second. */
const SILENCE_ENERGY_PER_SECOND = 0.001;
/** Black frames (a disabled camera) have luma ~0; the fake camera's green picture ~85. */
const BLACK_LUMA = 16;
const PICTURE_LUMA = 40;

function describeRates(rates: MediaRates): string {
  return (
    `inbound ${rates.inboundFps.toFixed(1)} fps ${rates.inboundVideo.frameWidth}x${rates.inboundVideo.frameHeight}, ` +
    `audio ${rates.inboundAudioPacketsPerSecond.toFixed(0)} packets/s, ${rates.inboundSamplesPerSecond.toFixed(0)} samples/s, ` +
    `energy ${rates.inboundAudioEnergyPerSecond.toExponential(2)}/s; outbound audio energy ${rates.outboundAudioEnergyPerSecond.toExponential(2)}/s`
  );
}

/**
 * What the other side's tile says about their microphone and camera: the list the page names
 * "<name>’s microphone and camera" (rendered while either is off, from the signaled media state).
 */
function remoteTile(page: Page): Locator {
  return page.getByRole('list', { name: /microphone and camera$/ });
}

test.describe('the call experience (issue 4)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });
  test('the call reaches in_progress, both sides decode audio and video, and the remote picture reaches 1280x720', async ({
    app,
    newUserPage,
  }) => {
    const parties = await openAppointmentAsBoth(newUserPage, app.demoPassword);
    const { doctor, patient, id } = parties;
    const joinedAt = await startAndJoin(parties);

    const firstFrameAt = await waitForFirstDecodedFrame(patient, { timeoutMs: 30_000 });
    report("patient's Join click → first decoded remote frame", firstFrameAt - joinedAt);

    await test.step('the patient receives 1280x720 frames (inbound-rtp and the <video> element)', async () => {
      // The time depends on the engine's sender tuning (start bitrate, degradation preference): printed only.
      const hdAt = await waitForInboundResolution(patient, 1280, 720, { timeoutMs: 30_000 });
      report("patient's Join click → remote video at 1280x720", hdAt - joinedAt);
      console.log(`doctor's video sender: ${await outboundVideoDiagnostics(doctor)}`);
      await expect
        .poll(async () => {
          const video = await videoElementInfo(patient, 'remote');
          return video ? `${video.videoWidth}x${video.videoHeight}` : 'no remote <video>';
        })
        .toBe('1280x720');
    });

    await test.step('the doctor receives 1280x720 frames too', async () => {
      console.log(`patient's video sender: ${await outboundVideoDiagnostics(patient)}`);
      const hdAt = await waitForInboundResolution(doctor, 1280, 720, { timeoutMs: 30_000 });
      report("patient's Join click → doctor's remote video at 1280x720", hdAt - joinedAt);
      console.log(`patient's video sender: ${await outboundVideoDiagnostics(patient)}`);
    });

    await test.step('both sides keep decoding video and receive audio with sound in it', async () => {
      for (const [role, page] of [
        ['doctor', doctor],
        ['patient', patient],
      ] as const) {
        await waitForFramesGrowing(page);
        const rates = await mediaRates(page, 2_000);
        console.log(`${role}: ${describeRates(rates)}`);
        expect(rates.inboundFps, `${role} decodes video`).toBeGreaterThan(0);
        expect(rates.inboundAudioPacketsPerSecond, `${role} receives audio packets`).toBeGreaterThan(0);
        expect(rates.inboundSamplesPerSecond, `${role} plays out audio samples`).toBeGreaterThan(0);
        expect(rates.inboundAudioEnergyPerSecond, `${role} hears sound`).toBeGreaterThan(
          SOUND_ENERGY_PER_SECOND,
        );
      }
    });

    await test.step('the API reports the call in progress', async () => {
      await expect
        .poll(async () => (await appointmentDetail(doctor, id)).appointment.videoCallStatus)
        .toBe('in_progress');
    });

    await test.step('both pages show a running call duration', async () => {
      for (const page of [doctor, patient]) {
        const duration = page.getByText(/^Call duration\s*\d+:\d{2}$/);
        await expect(duration).toBeVisible();
        const shown = await duration.innerText();
        await expect(duration).not.toHaveText(shown, { timeout: 5_000 });
      }
    });

    await test.step('the connection quality indicator shows a level; hovering or pressing it shows the numbers', async () => {
      for (const [role, page] of [
        ['doctor', doctor],
        ['patient', patient],
      ] as const) {
        const indicator = page.getByRole('button', { name: /^Connection quality: / });
        await expect(indicator).toHaveAccessibleName(/^Connection quality: (Excellent|Good|Poor)$/, {
          timeout: 15_000,
        });
        const details = page.getByRole('region', { name: 'Connection details' });
        const away = async () => page.mouse.move(1, (page.viewportSize()?.height ?? 720) / 2);
        // Hovering shows the figures, leaving hides them; a press pins them open until the next press.
        await away();
        await expect(details).toBeHidden();
        await indicator.hover();
        await expect(details).toBeVisible();
        await away();
        await expect(details).toBeHidden();
        await indicator.click();
        await away();
        await expect(details).toBeVisible();
        for (const term of [/^Round trip/, /^Packet loss/, /^Bitrate/, /^Resolution/, /^Frame rate/]) {
          await expect(details.getByRole('term').filter({ hasText: term }).first()).toBeVisible();
        }
        // Host candidates on loopback: the route is direct, not relayed.
        await expect(details.getByText('Direct', { exact: true })).toBeVisible();
        const name = await indicator
          .getAttribute('aria-label')
          .then(async (label) => label ?? (await indicator.innerText()));
        report(
          `${role}'s quality indicator`,
          `${name.replace(/\s+/g, ' ').trim()}; ${(await details.innerText()).replace(/\s+/g, ' ')}`,
          '',
        );
        await indicator.click();
        await away();
        await expect(details).toBeHidden();
      }
    });

    await hangUp(parties);
  });

  test('mute and camera off on one side show in the other side’s stats and on its tile; unmute and camera on restore both', async ({
    app,
    newUserPage,
  }) => {
    const parties = await connectedCall(newUserPage, app.demoPassword);
    const { doctor, patient } = parties;

    await test.step('the doctor mutes: the patient receives silence and sees the doctor muted', async () => {
      await button(doctor, 'Mute').click();
      await expect(button(doctor, 'Unmute')).toBeVisible();
      await expect
        .poll(async () => (await mediaRates(doctor, 1_000)).outboundAudioEnergyPerSecond, {
          message: 'the doctor’s microphone track gives the sender no energy',
        })
        .toBeLessThan(SILENCE_ENERGY_PER_SECOND);
      await expect
        .poll(
          async () => {
            const rates = await mediaRates(patient, 2_000);
            return rates.inboundAudioPacketsPerSecond > 0 ? rates.inboundAudioEnergyPerSecond : -1;
          },
          { message: 'the patient still receives audio packets, with no energy in them', timeout: 15_000 },
        )
        .toBeGreaterThanOrEqual(0);
      const muted = await mediaRates(patient, 2_000);
      console.log(`patient while the doctor is muted: ${describeRates(muted)}`);
      expect(muted.inboundAudioEnergyPerSecond).toBeLessThan(SILENCE_ENERGY_PER_SECOND);
      await expect(remoteTile(patient).getByText(/muted/i).first()).toBeVisible();
      await expect.poll(() => statusTexts(patient)).toMatch(/is muted/);
    });

    await test.step('the doctor unmutes: sound comes back and the indicator goes', async () => {
      await button(doctor, 'Unmute').click();
      await expect(button(doctor, 'Mute')).toBeVisible();
      await expect
        .poll(async () => (await mediaRates(patient, 2_000)).inboundAudioEnergyPerSecond, {
          message: 'the patient hears the doctor again',
          timeout: 15_000,
        })
        .toBeGreaterThan(SOUND_ENERGY_PER_SECOND);
      await expect(remoteTile(patient).getByText(/muted/i)).toHaveCount(0);
      await expect.poll(() => statusTexts(patient)).not.toMatch(/is muted/);
    });

    await test.step('the patient turns the camera off: the doctor receives black frames and sees it on the tile', async () => {
      await button(patient, 'Turn camera off').click();
      await expect(button(patient, 'Turn camera on')).toBeVisible();
      await expect
        .poll(async () => (await remotePicture(doctor))?.luma ?? -1, {
          message: 'the doctor’s received picture turns black',
          timeout: 15_000,
        })
        .toBeLessThan(BLACK_LUMA);
      await expect(
        remoteTile(doctor)
          .getByText(/camera (is )?off/i)
          .first(),
      ).toBeVisible();
      await expect.poll(() => statusTexts(doctor)).toMatch(/turned the camera off/);
      // The audio of a camera-off party still flows.
      expect((await mediaRates(doctor, 2_000)).inboundAudioEnergyPerSecond).toBeGreaterThan(
        SOUND_ENERGY_PER_SECOND,
      );
    });

    await test.step('the patient turns the camera on: the picture and the tile come back', async () => {
      await button(patient, 'Turn camera on').click();
      await expect(button(patient, 'Turn camera off')).toBeVisible();
      await expect
        .poll(async () => (await remotePicture(doctor))?.luma ?? -1, {
          message: 'the doctor’s received picture is bright again',
          timeout: 15_000,
        })
        .toBeGreaterThan(PICTURE_LUMA);
      await expect(remoteTile(doctor).getByText(/camera (is )?off/i)).toHaveCount(0);
      await expect.poll(() => statusTexts(doctor)).not.toMatch(/camera off/);
      await waitForFramesGrowing(doctor);
    });

    await hangUp(parties);
  });

  test('layout: remote video fills the page, the PiP is about 200x150 bottom right and mirrored, fullscreen toggles, and a 360 px phone shows every control without overlap', async ({
    app,
    newUserPage,
  }) => {
    const parties = await connectedCall(newUserPage, app.demoPassword);
    const { doctor, patient } = parties;

    await test.step('desktop: the remote picture fills the page; the local PiP is about 200x150, bottom right, mirrored', async () => {
      const viewport = patient.viewportSize() ?? { width: 1280, height: 720 };
      const remote = await videoElementInfo(patient, 'remote');
      const local = await videoElementInfo(patient, 'local');
      console.log(
        `viewport ${viewport.width}x${viewport.height}; remote ${JSON.stringify(remote?.box)}; local ${JSON.stringify(local?.box)}`,
      );
      expect(remote?.box.width ?? 0, 'remote video width').toBeGreaterThanOrEqual(viewport.width * 0.9);
      expect(remote?.box.height ?? 0, 'remote video height').toBeGreaterThanOrEqual(viewport.height * 0.6);
      expect(local?.visible).toBe(true);
      expect(local?.box.width ?? 0, 'PiP width (about 200)').toBeGreaterThanOrEqual(150);
      expect(local?.box.width ?? 0, 'PiP width (about 200)').toBeLessThanOrEqual(250);
      expect(local?.box.height ?? 0, 'PiP height (about 150)').toBeGreaterThanOrEqual(100);
      expect(local?.box.height ?? 0, 'PiP height (about 150)').toBeLessThanOrEqual(190);
      const centreX = (local?.box.x ?? 0) + (local?.box.width ?? 0) / 2;
      const centreY = (local?.box.y ?? 0) + (local?.box.height ?? 0) / 2;
      expect(centreX, 'PiP on the right').toBeGreaterThan(viewport.width / 2);
      expect(centreY, 'PiP at the bottom').toBeGreaterThan(viewport.height / 2);
      expect(local?.scaleX, 'the camera preview is mirrored').toBeLessThan(0);
      expect(remote?.scaleX, 'the other side is not mirrored').toBeGreaterThan(0);
    });

    await test.step('Fullscreen and Exit fullscreen', async () => {
      await button(patient, 'Fullscreen').click();
      await expect(button(patient, 'Exit fullscreen')).toBeVisible();
      expect(await patient.evaluate(() => document.fullscreenElement !== null)).toBe(true);
      await button(patient, 'Exit fullscreen').click();
      await expect(button(patient, 'Fullscreen')).toBeVisible();
      expect(await patient.evaluate(() => document.fullscreenElement === null)).toBe(true);
    });

    for (const [role, page, names] of [
      ['patient', patient, CALL_CONTROLS.patient],
      ['doctor', doctor, CALL_CONTROLS.doctor],
    ] as const) {
      await test.step(`360x740 (${role}): every control is visible, inside the screen, and none overlaps another`, async () => {
        await page.setViewportSize({ width: 360, height: 740 });
        const boxes: Array<{ name: string; x: number; y: number; width: number; height: number }> = [];
        for (const name of names) {
          const control = button(page, name);
          await expect(control, `${role}: ${name}`).toBeVisible();
          await expect(control, `${role}: ${name} in the viewport`).toBeInViewport({ ratio: 1 });
          const box = await control.boundingBox();
          if (!box) throw new Error(`${role}: ${name} has no box`);
          boxes.push({ name, ...box });
        }
        console.log(
          `${role} at 360x740: ${boxes.map((b) => `${b.name} ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}x${Math.round(b.height)}`).join('; ')}`,
        );
        for (const [i, a] of boxes.entries()) {
          for (const b of boxes.slice(i + 1)) {
            const overlap =
              a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
            expect(overlap, `${role}: "${a.name}" and "${b.name}" overlap`).toBe(false);
          }
        }
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth, `${role}: no horizontal scrolling at 360 px`).toBeLessThanOrEqual(360);
        const local = await videoElementInfo(page, 'local');
        expect(local?.visible, `${role}: the PiP is still shown`).toBe(true);
      });
    }

    await hangUp(parties);
  });
});
