import type { Page } from '@playwright/test';
import type { AppointmentDetail, CallStartInfo } from '../../src/protocol/api.js';
import { endActiveCall, endForEveryone, joinNow, startCall } from './support/call-flow.js';
import {
  DEMO_ACCOUNTS,
  expect,
  peerConnectionCount,
  signIn,
  test,
  waitForFramesGrowing,
} from './support/fixtures.js';
import { captureScreen, VIEWPORTS } from './support/screens.js';

// S16/S18 and docs/api.md "Call links": a patient link carries its token in the fragment only; the call
// page takes it out of the address bar, says which clinic, doctor and time the link is for (S18a), asks
// the patient's name and exchanges the token once for the call cookie. A second browser with the same
// link, and every dead link, is told at once what happened, with no name asked.

// At info level the server logs every request's URL, so "the token is not in the server's output" means
// something (at the harness's default warn level the output would be nearly empty).
test.use({ appEnv: { LOG_LEVEL: 'info' } });

const ALREADY_USED = 'This link was already opened on another device';
const DEMO_CLINIC = 'Demo Hospital';
const DEMO_DOCTOR = 'Dr. Ada Demo';

function callPathPattern(id: string): RegExp {
  return new RegExp(`/appointments/${id}/call/?$`);
}

async function openFirstAppointment(page: Page): Promise<string> {
  const link = page.locator('a[href^="/appointments/"]').first();
  const href = await link.getAttribute('href');
  const id = /^\/appointments\/([^/?#]+)\/?$/.exec(href ?? '')?.[1];
  if (!id) throw new Error(`the first appointment link has an unexpected href: ${href}`);
  await link.click();
  await page.waitForURL(new RegExp(`/appointments/${id}/?$`));
  return id;
}

async function appointmentDetail(page: Page, id: string): Promise<AppointmentDetail> {
  const response = await page.request.get(`/api/appointments/${id}`);
  expect(response.status(), `GET /api/appointments/${id}`).toBe(200);
  return (await response.json()) as AppointmentDetail;
}

/** Every URL and Referer a page's context sends, to show the token leaves the browser in no address. */
function recordAddresses(page: Page): string[] {
  const seen: string[] = [];
  page.context().on('request', (request) => {
    seen.push(request.url());
    const referer = request.headers()['referer'];
    if (referer) seen.push(referer);
  });
  return seen;
}

/** The appointment time as the patient's browser writes it out in full, in its own time zone. */
function longTime(page: Page, epochMs: number): Promise<string> {
  return page.evaluate(
    (ms) => new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' }).format(ms),
    epochMs,
  );
}

/** The clinic, the doctor and the time, shown before the name is asked. */
async function expectInvitation(page: Page, scheduledAt: number): Promise<void> {
  const invitation = page.getByRole('region', { name: 'Your video appointment', exact: true });
  await expect(invitation).toBeVisible();
  const facts = await invitation
    .locator('dl > div')
    .evaluateAll((rows) =>
      rows.map((row) => [row.querySelector('dt')?.textContent, row.querySelector('dd')?.textContent]),
    );
  expect(facts).toEqual([
    ['Clinic', DEMO_CLINIC],
    ['Doctor', DEMO_DOCTOR],
    ['Time', await longTime(page, scheduledAt)],
  ]);
}

/** A dead link says what happened at once: its own heading, what to do, and no name field. */
async function expectDeadLink(page: Page, title: string, whatToDo: RegExp): Promise<void> {
  await expect(page.getByRole('heading', { level: 1, name: title, exact: true })).toBeVisible();
  await expect(page.getByText(whatToDo)).toBeVisible();
  await expect(page.getByLabel('Your name')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Your video appointment' })).toHaveCount(0);
  await expect(page.getByText('The call could not continue')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'See your appointments', exact: true })).toBeVisible();
}

/** The pre-join screen of a link: the name, then Join now, which takes the visitor straight in. */
async function confirmName(page: Page, name: string): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Your video appointment', exact: true })).toBeVisible();
  await page.getByLabel('Your name', { exact: true }).fill(name);
  await joinNow(page);
}

test.describe('call links (S16, S18)', () => {
  test('a patient link opened in a browser that is not signed in: the token leaves the address bar, the patient names themself and joins; a second browser is refused', async ({
    app,
    newUserPage,
  }) => {
    const doctor = await newUserPage('doctor');
    // Granting for an origin replaces that origin's grants, so camera and microphone are repeated: without
    // them Chromium gathers no loopback ICE candidates (seen: the doctor's connection stayed at ICE "new").
    await doctor
      .context()
      .grantPermissions(['camera', 'microphone', 'clipboard-read', 'clipboard-write'], { origin: app.url });
    await signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword);
    const id = await openFirstAppointment(doctor);

    await startCall({ doctor, id });

    const linkUrl =
      await test.step('the doctor copies the patient invite link from the call page', async () => {
        await doctor.getByRole('button', { name: 'Copy patient invite link', exact: true }).click();
        await expect(doctor.getByText('Invite link copied', { exact: true })).toBeVisible();
        return doctor.evaluate(() => navigator.clipboard.readText());
      });
    const url = new URL(linkUrl);
    expect(url.origin).toBe(app.url);
    expect(url.pathname).toMatch(callPathPattern(id));
    expect(url.search, 'the query of the link').toBe('');
    const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
    expect(token.length, 'the token in the link’s fragment').toBeGreaterThanOrEqual(32);

    const patientName = `Robin Linkfield ${Date.now() % 100_000}`;
    const patient = await newUserPage('patient via link');
    const patientAddresses = recordAddresses(patient);

    await test.step('the link shows the clinic, doctor and time, then the name form; the token is gone from the address bar', async () => {
      await patient.goto(linkUrl);
      await expect(
        patient.getByRole('heading', { name: 'Your video appointment', exact: true }),
      ).toBeVisible();
      await expect(patient.getByLabel('Your name', { exact: true })).toBeVisible();
      await expectInvitation(patient, (await appointmentDetail(doctor, id)).appointment.scheduledAt);
      expect(patient.url()).not.toContain('token=');
      expect(patient.url()).not.toContain(token);
      expect(await patient.evaluate(() => window.location.hash)).toBe('');
    });

    await test.step('the patient confirms a name and is in the call: both sides decode video', async () => {
      await confirmName(patient, patientName);
      for (const page of [doctor, patient]) await waitForFramesGrowing(page);
      expect(patient.url()).not.toContain(token);
      await expect
        .poll(async () => (await appointmentDetail(doctor, id)).appointment.videoCallStatus)
        .toBe('in_progress');
    });

    await test.step('the doctor sees the name the patient typed', async () => {
      // call-page.tsx names the peer in the remote video's label and the page heading.
      await expect(doctor.getByRole('heading', { name: `Video call with ${patientName}` })).toHaveCount(1);
      await expect(doctor.getByLabel(`Video of ${patientName}`, { exact: true })).toHaveCount(1);
    });

    const second = await newUserPage('second browser via the same link');
    const secondAddresses = recordAddresses(second);
    const secondSent: string[] = [];
    second.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => secondSent.push(String(payload))),
    );

    await test.step('a second browser opening the same link is refused and never joins', async () => {
      await second.goto(linkUrl);
      expect(second.url()).not.toContain(token);
      await expectDeadLink(second, ALREADY_USED, /^A link works on one device only\./);
      expect(await peerConnectionCount(second)).toBe(0);
      expect(secondSent.filter((frame) => frame.includes('"join"'))).toEqual([]);
      // Nothing to leave or mute on a page that never joined.
      await expect(second.getByRole('button', { name: 'Leave call', exact: true })).toHaveCount(0);
      // The first patient is still the one in the call, still sending and receiving.
      await expect(doctor.getByLabel(`Video of ${patientName}`, { exact: true })).toHaveCount(1);
      for (const page of [doctor, patient]) await waitForFramesGrowing(page);
    });

    await test.step('the token reached the server in no address and is not in its output', async () => {
      const addresses = [...patientAddresses, ...secondAddresses];
      expect(addresses.length).toBeGreaterThan(0);
      expect(addresses.filter((address) => address.includes(token))).toEqual([]);
      const output = app.logs();
      // app-server.ts keeps the last 300 lines: fewer means the whole output since start-up is checked.
      const lines = output.split('\n').length;
      console.log(`server output checked for the token: ${lines} lines`);
      expect(lines, 'server output lines (300 = truncated, the check would be partial)').toBeLessThan(300);
      // The output does log requests (else its not holding the token would prove nothing).
      expect(output).toContain('/api/call-links/exchange');
      expect(output).toContain('/api/call-links/inspect');
      expect(output.includes(token), 'the token appears in the server output').toBe(false);
    });

    await test.step('the doctor ends the call; the patient who came by link is told the call ended', async () => {
      await endForEveryone(doctor);
      await doctor.waitForURL(new RegExp(`/appointments/${id}/?$`));
      await expect(patient.getByText('The call has ended. You can close this page.').first()).toBeVisible();
    });
  });

  test('dead links say at once what happened and what to do, with no name asked; a live one shows its appointment at 1280 and 360 px', async ({
    app,
    newUserPage,
  }) => {
    const doctor = await newUserPage('doctor');
    await signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword);
    const id = await openFirstAppointment(doctor);
    const { csrfToken } = (await (await doctor.request.get('/api/session')).json()) as { csrfToken: string };
    const call = async (action: 'start' | 'end'): Promise<CallStartInfo | null> => {
      const response = await doctor.request.post(`/api/appointments/${id}/call/${action}`, {
        headers: { 'x-csrf-token': csrfToken },
        data: {},
      });
      expect(response.status(), `POST call/${action}`).toBe(200);
      return action === 'start' ? ((await response.json()) as CallStartInfo) : null;
    };
    const visitor = async (label: string, url: string): Promise<Page> => {
      const page = await newUserPage(label);
      await page.goto(url);
      return page;
    };

    const first = await call('start');
    const firstLink = first?.links.patient.url ?? '';
    await call('end');

    await test.step('the link of a call that ended', async () => {
      const page = await visitor('ended call', firstLink);
      await expectDeadLink(
        page,
        'This call has ended',
        /^If you still need to talk to the doctor, contact the clinic/,
      );
    });

    const second = await call('start');
    const secondLink = second?.links.patient.url ?? '';

    await test.step('the link of a call the doctor started again', async () => {
      const page = await visitor('replaced link', firstLink);
      await expectDeadLink(page, 'This link has been replaced', /Ask the clinic for the new one/);
    });

    await test.step('a made-up token, and a live link put on another appointment’s address', async () => {
      const forged = await visitor('forged', `${app.url}/appointments/${id}/call#token=${'A'.repeat(43)}`);
      await expectDeadLink(forged, 'This link does not work', /^Check that you opened the whole link/);
      for (const viewport of VIEWPORTS) {
        await forged.setViewportSize({ width: viewport.width, height: viewport.height });
        await captureScreen(forged, 'invite-dead-link', viewport);
      }
      const token = new URL(secondLink).hash;
      const elsewhere = await visitor(
        'other address',
        `${app.url}/appointments/01900000-0000-7000-8000-000000000000/call${token}`,
      );
      await expectDeadLink(elsewhere, 'This link does not work', /^Check that you opened the whole link/);
    });

    await test.step('the live link: the appointment and the name question fit a desktop and a phone', async () => {
      const page = await visitor('live link', secondLink);
      await expect(page.getByLabel('Your name', { exact: true })).toBeVisible();
      await expectInvitation(page, (await appointmentDetail(doctor, id)).appointment.scheduledAt);
      // The pre-join screen's preview, before the name is even given.
      await expect(page.getByLabel('Camera preview')).toBeVisible();
      for (const viewport of VIEWPORTS) {
        await page.setViewportSize({ width: viewport.width, height: viewport.height });
        await captureScreen(page, 'invite', viewport);
      }
    });

    await endActiveCall(doctor, id);
  });
});
