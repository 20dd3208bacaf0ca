import { writeFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import type { Browser } from 'puppeteer-core';
import { framesSentOutward } from '../../scripts/lib/contained-veth.mjs';
import {
  appointmentPathPattern,
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  callPathPattern,
  endActiveCall,
  report,
} from './support/call-flow.js';
import { DEMO_ACCOUNTS, firstAppointmentId, signIn } from './support/demo-accounts.js';
import { firefoxRequired, firefoxUnavailable, launchFirefox } from './support/firefox.js';
import { FirefoxPage } from './support/firefox-page.js';
import { expect, isContainedAddress, isLoopbackIceUrl, test } from './support/fixtures.js';
import {
  waitForFirstDecodedFrame,
  waitForFramesGrowing,
  waitForInboundResolution,
} from './support/media-waits.js';
import {
  configuredIceServerUrls,
  peerConnectionSnapshots,
  type ScriptedPage,
} from './support/peer-connection-probe.js';
import {
  mediaRates,
  mediaSnapshot,
  outboundVideoDiagnostics,
  selectedCandidatePair,
} from './support/rtc-stats.js';

/**
 * Chromium and Firefox in one call, each way round: the seed promises Chrome, Firefox, Edge and Safari.
 * Chromium runs under Playwright as in every spec; Firefox ESR under puppeteer over WebDriver BiDi
 * (support/firefox.ts), in the same namespace, which has a contained veth pair because Firefox gathers no
 * candidate on lo alone. Both parties use the app's real pages and buttons; media is proven with getStats.
 */

/** The steps a party takes, whichever browser it is in. */
interface CallParty {
  readonly label: string;
  readonly scripted: ScriptedPage;
  signIn(email: string, password: string): Promise<void>;
  goto(path: string): Promise<void>;
  firstAppointmentId(): Promise<string>;
  endActiveCall(id: string): Promise<void>;
  /** Waits for the button to be enabled, then clicks it. */
  clickButton(name: string): Promise<void>;
  waitForPath(pattern: RegExp): Promise<void>;
}

const STEP_TIMEOUT_MS = 20_000;

function chromiumParty(page: Page, label: string): CallParty {
  return {
    label,
    scripted: page,
    signIn: (email, password) => signIn(page, email, password),
    goto: async (path) => {
      await page.goto(path);
    },
    firstAppointmentId: () => firstAppointmentId(page),
    endActiveCall: (id) => endActiveCall(page, id),
    clickButton: async (name) => {
      const target = button(page, name);
      await expect(target).toBeEnabled({ timeout: STEP_TIMEOUT_MS });
      await target.click();
    },
    waitForPath: (pattern) => page.waitForURL(pattern, { timeout: STEP_TIMEOUT_MS }),
  };
}

function firefoxParty(page: FirefoxPage): CallParty {
  return {
    label: page.label,
    scripted: page.scripted,
    signIn: (email, password) => page.signIn(email, password),
    goto: (path) => page.goto(path),
    firstAppointmentId: () => page.firstAppointmentId(),
    endActiveCall: (id) => page.endActiveCall(id),
    clickButton: (name) => page.clickButton(name),
    waitForPath: (pattern) => page.waitForPath(pattern),
  };
}

/** Every ICE candidate address the party's connections know (local and remote), from getStats. */
async function candidateAddresses(party: CallParty): Promise<string[]> {
  const stats = (await peerConnectionSnapshots(party.scripted)).flatMap((s) => s.stats);
  return stats
    .filter((entry) => entry['type'] === 'local-candidate' || entry['type'] === 'remote-candidate')
    .map((entry) => String(entry['address'] ?? entry['ip'] ?? ''));
}

/** The codecs of what the party receives (`video/VP8`, `audio/opus`…), from getStats. */
async function inboundCodecs(party: CallParty): Promise<string[]> {
  const stats = (await peerConnectionSnapshots(party.scripted)).flatMap((s) => s.stats);
  const codecIds = new Set(
    stats.filter((entry) => entry['type'] === 'inbound-rtp').map((entry) => String(entry['codecId'])),
  );
  return stats
    .filter((entry) => entry['type'] === 'codec' && codecIds.has(String(entry['id'])))
    .map((entry) => String(entry['mimeType']))
    .sort();
}

/** Audio packets and bytes, and video frames decoded, all rise on this side over a few seconds. */
async function mediaFlowsIn(party: CallParty): Promise<void> {
  await waitForFramesGrowing(party.scripted, { timeoutMs: STEP_TIMEOUT_MS });
  const before = await mediaSnapshot(party.scripted);
  await expect
    .poll(
      async () => {
        const now = await mediaSnapshot(party.scripted);
        return {
          videoFramesDecoded: now.inboundVideo.frames > before.inboundVideo.frames,
          audioPackets: now.inboundAudio.packets > before.inboundAudio.packets,
          audioBytes: now.inboundAudio.bytes > before.inboundAudio.bytes,
        };
      },
      { message: `${party.label}: inbound video and audio keep growing`, timeout: STEP_TIMEOUT_MS },
    )
    .toEqual({ videoFramesDecoded: true, audioPackets: true, audioBytes: true });
}

/** The picture the party receives once the sender has ramped up (up to 1280x720; printed, not asserted). */
async function reportReceivedResolution(party: CallParty, joinedAt: number): Promise<void> {
  try {
    const hdAt = await waitForInboundResolution(party.scripted, 1280, 720, { timeoutMs: 15_000 });
    report(`${party.label}: Join click → remote video at 1280x720`, hdAt - joinedAt);
  } catch {
    // Not reached in time on a loaded machine: the size it got to is still worth printing.
  }
  const { inboundFps, inboundVideo } = await mediaRates(party.scripted, 2_000);
  const { inboundAudio } = await mediaSnapshot(party.scripted);
  report(
    `${party.label} receives video`,
    `${inboundVideo.frameWidth}x${inboundVideo.frameHeight} at ${inboundFps.toFixed(1)} frames/s decoded (${(await inboundCodecs(party)).join(', ')})`,
    '',
  );
  report(`${party.label} sender`, await outboundVideoDiagnostics(party.scripted), '');
  report(
    `${party.label} has received`,
    `${inboundVideo.frames} video frames decoded, ${inboundAudio.packets} audio packets (${inboundAudio.bytes} bytes)`,
    '',
  );
}

/** Media stays inside the namespace: no public ICE server, and every candidate is loopback or the veth pair's. */
async function mediaStaysInNamespace(party: CallParty): Promise<void> {
  const urls = await configuredIceServerUrls(party.scripted);
  expect(
    urls.filter((url) => !isLoopbackIceUrl(url)),
    `${party.label}: non-loopback ICE servers`,
  ).toEqual([]);
  const addresses = await candidateAddresses(party);
  expect(addresses.length, `${party.label}: candidates in getStats`).toBeGreaterThan(0);
  expect(
    addresses.filter((address) => !isContainedAddress(address)),
    `${party.label}: candidate addresses outside the namespace`,
  ).toEqual([]);
  const pair = await selectedCandidatePair(party.scripted);
  expect(pair?.state, `${party.label}: selected candidate pair`).toBe('succeeded');
  report(
    `${party.label} sends over`,
    `${pair?.localAddress} (${pair?.localCandidateType}) ↔ ${pair?.remoteAddress} (${pair?.remoteCandidateType}) ${pair?.protocol}`,
    '',
  );
}

/**
 * Frames that reached the veth pair's far end since the file's Firefox started: something in the namespace
 * trying to reach beyond it (they stop there). Printed, not asserted: Debian's Chromium looks up
 * update.googleapis.com, accounts.google.com, content-autofill.googleapis.com and
 * optimizationguide-pa.googleapis.com despite its flags (seen with a packet capture on the far end), which
 * with `lo` alone failed at once for want of a route; Firefox with FIREFOX_PREFS tried nothing.
 */
let outwardBaseline: number | null = null;

/** The doctor starts, the patient joins, media flows both ways, the doctor ends and both are back. */
async function callBothWays(doctor: CallParty, patient: CallParty, password: string): Promise<void> {
  await test.step('both sign in and open the appointment', async () => {
    await Promise.all([
      doctor.signIn(DEMO_ACCOUNTS.doctor, password),
      patient.signIn(DEMO_ACCOUNTS.patient, password),
    ]);
  });
  const id = await doctor.firstAppointmentId();
  await doctor.endActiveCall(id);
  await Promise.all([doctor.goto(`/appointments/${id}`), patient.goto(`/appointments/${id}`)]);

  let joinedAt = 0;
  await test.step('the doctor starts the call and the patient joins', async () => {
    await doctor.clickButton('Start video call');
    await doctor.waitForPath(callPathPattern(id));
    await doctor.clickButton('Join now');
    await patient.clickButton('Join video call');
    await patient.waitForPath(callPathPattern(id));
    // The pre-join screen in each browser; the figure counts from its Join now.
    await patient.clickButton('Join now');
    joinedAt = Date.now();
  });

  await test.step('the patient decodes the doctor’s first frame', async () => {
    const firstFrameAt = await waitForFirstDecodedFrame(patient.scripted, { timeoutMs: STEP_TIMEOUT_MS });
    report(`${patient.label}: Join now click → first decoded remote frame`, firstFrameAt - joinedAt);
  });

  await test.step('video frames decoded and audio packets and bytes grow on both sides (getStats)', async () => {
    await Promise.all([mediaFlowsIn(doctor), mediaFlowsIn(patient)]);
    for (const party of [doctor, patient]) await reportReceivedResolution(party, joinedAt);
  });

  await test.step('all candidates are loopback or the namespace’s own veth addresses', async () => {
    for (const party of [doctor, patient]) await mediaStaysInNamespace(party);
  });

  const outward = framesSentOutward();
  if (outward === null || outwardBaseline === null) throw new Error('the contained veth pair has gone');
  report(
    'frames that tried to leave the namespace (stopped at the veth pair’s far end)',
    outward - outwardBaseline,
    '',
  );

  await test.step('the doctor ends the call for everyone, confirmed, and both return to the appointment', async () => {
    await doctor.clickButton('End call for everyone');
    await doctor.clickButton('Yes, end the call');
    await Promise.all([
      doctor.waitForPath(appointmentPathPattern(id)),
      patient.waitForPath(appointmentPathPattern(id)),
    ]);
  });
}

const unavailable = firefoxUnavailable();
if (unavailable && firefoxRequired()) {
  throw new Error(
    `The Firefox specs are required here (CI=true, or CARECALL_REQUIRE includes "browser" or "firefox") but cannot run: ${unavailable}`,
  );
}

test.describe('calls between Chromium and Firefox', () => {
  test.skip(unavailable !== null, unavailable ?? '');
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });

  let firefox: Browser | null = null;
  const firefoxPages: FirefoxPage[] = [];

  test.beforeAll(async () => {
    outwardBaseline = framesSentOutward();
    firefox = await launchFirefox();
  });

  // biome-ignore lint/correctness/noEmptyPattern: Playwright hooks must destructure their fixtures.
  test.afterEach(async ({}, testInfo) => {
    const pages = firefoxPages.splice(0);
    if (testInfo.status !== testInfo.expectedStatus) {
      const problems = pages.flatMap((page) => page.problems);
      if (problems.length > 0) {
        const path = testInfo.outputPath('firefox-errors.txt');
        await writeFile(path, `${problems.join('\n')}\n`);
        await testInfo.attach('firefox-errors', { path, contentType: 'text/plain' });
      }
    }
    await Promise.all(pages.map((page) => page.close().catch(() => undefined)));
  });

  test.afterAll(async () => {
    await firefox?.close();
  });

  async function firefoxUser(baseUrl: string, label: string): Promise<CallParty> {
    if (!firefox) throw new Error('Firefox did not start');
    const page = await FirefoxPage.open(firefox, baseUrl, label);
    firefoxPages.push(page);
    return firefoxParty(page);
  }

  test('a doctor in Chromium calls a patient in Firefox: video and audio flow both ways', async ({
    app,
    newUserPage,
  }) => {
    const doctor = chromiumParty(await newUserPage('doctor in Chromium'), 'doctor in Chromium');
    const patient = await firefoxUser(app.url, 'patient in Firefox');
    await callBothWays(doctor, patient, app.demoPassword);
  });

  test('a doctor in Firefox calls a patient in Chromium: video and audio flow both ways', async ({
    app,
    newUserPage,
  }) => {
    const doctor = await firefoxUser(app.url, 'doctor in Firefox');
    const patient = chromiumParty(await newUserPage('patient in Chromium'), 'patient in Chromium');
    await callBothWays(doctor, patient, app.demoPassword);
  });
});
