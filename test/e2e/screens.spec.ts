import type { Page } from '@playwright/test';
import { bookAdminDay, checkIn } from './support/admin-day.js';
import { seedPastCalls } from './support/analytics-seed.js';
import {
  appointmentPathPattern,
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  callPathPattern,
  connectedCall,
  endActiveCall,
  joinNow,
} from './support/call-flow.js';
import { DEMO_ACCOUNTS, expect, signIn, test, waitForFramesGrowing } from './support/fixtures.js';
import { addPerson, openPeopleAsAdmin } from './support/people-flow.js';
import {
  captureScreen,
  cspReports,
  expectNoSidewaysScroll,
  expectTouchFriendlyControls,
  VIEWPORTS,
} from './support/screens.js';

// Every screen as people meet it, on a desktop and on a phone (touch, 360 px): no sideways scrolling, the
// call's controls legible and large enough to tap, the chat a sheet that leaves the other person visible,
// no keyboard-only hint on a touch screen, names that fit, and no Content-Security-Policy complaint. With
// CARECALL_SCREENSHOTS=write the same walk keeps a picture of each screen in docs/screenshots/.

/** Text that the element shows cut off (an ellipsis or clipping): wider content than its box. */
async function clipped(page: Page, selector: string): Promise<string[]> {
  return page
    .locator(selector)
    .evaluateAll((elements) =>
      elements
        .filter((e) => e.getBoundingClientRect().width > 0 && e.scrollWidth > e.clientWidth + 1)
        .map((e) => e.textContent ?? ''),
    );
}

/** The share of the remote video's box that the open chat leaves uncovered (0 when fully covered). */
async function remoteVisibleBesideChat(page: Page): Promise<number> {
  return page.evaluate(() => {
    const video = document.querySelector('.call__remote')?.getBoundingClientRect();
    const chat = document.querySelector('.call__chat')?.getBoundingClientRect();
    if (!video || !chat || video.height === 0) return 0;
    const top = Math.max(video.top, 0);
    const bottom = Math.min(video.bottom, window.innerHeight);
    const coveredTop = Math.max(top, chat.top);
    const coveredBottom = Math.min(bottom, chat.bottom);
    const overlapsSideways = chat.left < video.right && chat.right > video.left;
    const covered = overlapsSideways ? Math.max(0, coveredBottom - coveredTop) : 0;
    return (bottom - top - covered) / window.innerHeight;
  });
}

for (const viewport of VIEWPORTS) {
  const phone = viewport.name === 'phone';

  test.describe(`screens at ${viewport.width} px`, () => {
    test.use({
      // A server of its own for each width (the pool keys servers by environment): the demo has one
      // appointment, and the other width's walk has already ended its call.
      appEnv: { CARECALL_E2E_SCREENS_WIDTH: String(viewport.width) },
      viewport: { width: viewport.width, height: viewport.height },
      ...(phone ? { isMobile: true, hasTouch: true } : {}),
    });

    test('sign-in, lists, appointment pages and the device test fit and read well', async ({
      app,
      newUserPage,
    }) => {
      const [patient, doctor, anonymous] = await Promise.all([
        newUserPage('patient'),
        newUserPage('doctor'),
        newUserPage('anonymous'),
      ]);
      const csp = [cspReports(patient), cspReports(doctor), cspReports(anonymous)];
      await anonymous.goto('/login');
      await expect(anonymous.getByLabel('Email', { exact: true })).toBeVisible();
      expect(
        await anonymous.evaluate(() => window.innerWidth),
        'the page is laid out at the viewport width',
      ).toBe(viewport.width);
      await captureScreen(anonymous, 'sign-in', viewport);

      await signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword);
      await expect(patient.locator('a[href^="/appointments/"]').first()).toBeVisible();
      await captureScreen(patient, 'appointments-patient', viewport);
      await patient.locator('a[href^="/appointments/"]').first().click();
      await expect(patient.getByLabel('Message', { exact: true })).toBeVisible();
      await captureScreen(patient, 'appointment-patient', viewport);

      await patient.goto('/device-test');
      await expect(patient.getByLabel('Camera preview')).toBeVisible();
      await captureScreen(patient, 'device-test', viewport);

      await signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword);
      await expect(doctor.locator('a[href^="/appointments/"]').first()).toBeVisible();
      await captureScreen(doctor, 'appointments-doctor', viewport);
      await doctor.locator('a[href^="/appointments/"]').first().click();
      await expect(doctor.getByLabel('Message', { exact: true })).toBeVisible();
      await captureScreen(doctor, 'appointment-doctor', viewport);

      expect(csp.flat(), 'Content-Security-Policy reports').toEqual([]);
    });

    test('the hospital admin’s appointments (the new-appointment form and its warning), policy and audit pages fit', async ({
      app,
      newUserPage,
    }) => {
      const admin = await newUserPage('admin');
      const csp = cspReports(admin);
      await signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword);
      await admin.getByRole('button', { name: 'New appointment', exact: true }).click();
      const form = admin.getByRole('region', { name: 'New appointment' });
      await form.getByLabel('Doctor', { exact: true }).selectOption({ label: 'Dr. Ada Demo' });
      await form.getByLabel('Find the patient (name or email)').fill('pat');
      await form
        .getByLabel('Patient', { exact: true })
        .selectOption({ label: 'Pat Demo · patient@demo.test' });
      // The demo appointment's hour today: the form's warning (an overlap, likely in the past too).
      const now = new Date();
      const pad = (n: number) => String(n).padStart(2, '0');
      await form
        .getByLabel('Day', { exact: true })
        .fill(`${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`);
      await form.getByLabel('Time', { exact: true }).fill(`${pad(now.getHours())}:00`);
      await form.getByLabel('Reason (optional)').fill('Blood test results');
      await expectTouchFriendlyControls(admin, '.appointment-form', 'new appointment form');
      await captureScreen(admin, 'admin-appointment-form', viewport);
      await form.getByRole('button', { name: 'Create appointment', exact: true }).click();
      await expect(form.getByRole('button', { name: 'Create anyway', exact: true })).toBeVisible();
      await expectTouchFriendlyControls(admin, '.appointment-form', 'new appointment warning');
      await captureScreen(admin, 'admin-appointment-warning', viewport);

      await admin.goto('/policy');
      await expect(admin.getByLabel('Calls may be recorded', { exact: true })).toBeVisible();
      await expectTouchFriendlyControls(admin, '.policy', 'policy');
      await captureScreen(admin, 'policy', viewport);

      // The audit trail: its filters and a table of entries (the sign-ins and changes above among them).
      await admin.goto('/audit');
      await expect(admin.getByRole('heading', { name: 'Audit trail', level: 1 })).toBeVisible();
      await expect(admin.locator('.audit__table tbody tr').first()).toBeVisible();
      await expectTouchFriendlyControls(admin, '.audit form', 'audit trail filters');
      await captureScreen(admin, 'audit', viewport);
      expect(csp, 'Content-Security-Policy reports').toEqual([]);
    });

    test('the People page, its link and deactivate dialogs, and the set-password page', async ({
      app,
      newUserPage,
    }) => {
      const [admin, newcomer] = await Promise.all([newUserPage('admin'), newUserPage('newcomer')]);
      const csp = [cspReports(admin), cspReports(newcomer)];
      await openPeopleAsAdmin(admin, app.demoPassword);
      await expect(admin.locator('.people__person').first()).toBeVisible();
      await expectTouchFriendlyControls(admin, 'main', 'people');
      await captureScreen(admin, 'people', viewport);

      const name = `Dr. Screen ${viewport.width}`;
      const link = await addPerson(admin, name, `screen-${viewport.width}-${Date.now()}@e2e.test`, 'doctor');
      await expectTouchFriendlyControls(admin, '.dialog[open]', 'people: link dialog');
      await expectNoSidewaysScroll(admin, 'people: link dialog');
      await captureScreen(admin, 'people-link', viewport);
      await admin.getByRole('button', { name: 'Done', exact: true }).click();

      await admin.getByRole('button', { name: `Deactivate ${name}`, exact: true }).click();
      const question = admin.getByRole('alertdialog', { name: `Deactivate ${name}?` });
      await expect(question).toBeVisible();
      await expectTouchFriendlyControls(admin, '.dialog[open]', 'people: deactivate question');
      await captureScreen(admin, 'people-deactivate', viewport);
      await question.getByRole('button', { name: 'Cancel', exact: true }).click();
      await expect(question).toHaveCount(0);

      const url = new URL(link);
      await newcomer.goto(`${url.pathname}${url.hash}`);
      await expect(newcomer.getByLabel('New password', { exact: true })).toBeVisible();
      await expectTouchFriendlyControls(newcomer, 'main', 'set-password');
      await captureScreen(newcomer, 'set-password', viewport);
      expect(csp.flat(), 'Content-Security-Policy reports').toEqual([]);
    });

    test('the waiting room and the call, for both sides', async ({ app, newUserPage }) => {
      test.setTimeout(CALL_SCENARIO_TIMEOUT_MS);
      const [doctor, patient] = await Promise.all([newUserPage('doctor'), newUserPage('patient')]);
      const csp = [cspReports(doctor), cspReports(patient)];
      await Promise.all([
        signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword),
        signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword),
      ]);
      const href = await doctor.locator('a[href^="/appointments/"]').first().getAttribute('href');
      const id = href?.split('/').pop() ?? '';
      await endActiveCall(doctor, id);

      await patient.goto(`/appointments/${id}`);
      await patient.getByRole('link', { name: 'Check in', exact: true }).click();
      await patient.waitForURL(callPathPattern(id));
      await expect(patient.getByLabel('Camera preview')).toBeVisible();
      await expectTouchFriendlyControls(patient, '.prejoin', 'waiting room');
      await captureScreen(patient, 'waiting-room', viewport);

      await doctor.goto('/appointments');
      await expect(doctor.getByRole('region', { name: 'Waiting now' }).getByRole('listitem')).toHaveCount(1);
      await captureScreen(doctor, 'doctor-queue', viewport);
      await button(doctor, 'Start video call with Pat Demo').first().click();
      await doctor.waitForURL(callPathPattern(id));
      await expect(button(doctor, 'Join now')).toBeEnabled();
      await expect(doctor.getByLabel('Camera preview')).toBeVisible();
      await captureScreen(doctor, 'pre-join-doctor', viewport);
      await joinNow(doctor);
      await expect(button(patient, 'Join now')).toBeEnabled({ timeout: 20_000 });
      await expect(patient.getByText(/is ready for you\. Choose Join now\./)).toBeVisible();
      await expectTouchFriendlyControls(patient, '.prejoin', 'pre-join screen');
      await captureScreen(patient, 'pre-join-patient', viewport);
      await joinNow(patient);
      await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);

      for (const [side, page] of [
        ['doctor', doctor],
        ['patient', patient],
      ] as const) {
        await expectTouchFriendlyControls(page, '.call__controls', `call (${side})`);
        expect(await clipped(page, '.call__peer, .call__tile-name'), `call (${side}): names cut off`).toEqual(
          [],
        );
        await captureScreen(page, `call-${side}`, viewport);
      }

      await button(patient, 'Chat').click();
      const message = patient.getByLabel('Message', { exact: true });
      await expect(message).toBeVisible();
      await expectNoSidewaysScroll(patient, 'call with chat open');
      // Opening the chat scrolls nothing: the call screen stays where it was, the video in sight.
      expect(
        await patient.evaluate(() => [window.scrollY, document.querySelector('.call')?.scrollTop ?? 0]),
        'page and call screen scrolled by opening the chat',
      ).toEqual([0, 0]);
      const visible = await remoteVisibleBesideChat(patient);
      expect(
        visible,
        'share of the screen where the doctor stays visible with the chat open',
      ).toBeGreaterThan(0.3);
      const keyHint = patient.getByText('Press Enter to send', { exact: false });
      if (phone) await expect(keyHint).toBeHidden();
      else await expect(keyHint).toBeVisible();
      await captureScreen(patient, 'call-chat-patient', viewport);

      await button(patient, 'Close chat').click();

      // Recording with consent (issue 16): the patient's question, then the indicator on both sides.
      await button(doctor, 'Start recording').click();
      const consent = patient.getByRole('alertdialog', { name: /asks to record this call/ });
      await expect(consent).toBeVisible();
      await expectNoSidewaysScroll(patient, 'recording question');
      await expectTouchFriendlyControls(patient, '.dialog', 'recording question');
      await captureScreen(patient, 'recording-consent', viewport);
      await consent.getByRole('button', { name: 'Allow recording', exact: true }).click();
      for (const [side, page] of [
        ['doctor', doctor],
        ['patient', patient],
      ] as const) {
        await expect(page.locator('.recording__indicator')).toContainText('Recording');
        await expectNoSidewaysScroll(page, `call while recording (${side})`);
        await expectTouchFriendlyControls(page, '.call__controls', `call while recording (${side})`);
      }
      // A few seconds, so that the recording has a chunk or two and the clock shows it.
      await expect(patient.locator('.recording__clock')).toHaveText(/0:0[3-9]/, { timeout: 20_000 });
      await captureScreen(doctor, 'recording-doctor', viewport);
      await captureScreen(patient, 'recording-patient', viewport);
      await button(doctor, 'Stop recording').click();
      await expect(doctor.locator('.recording__indicator')).toHaveCount(0, { timeout: 20_000 });

      await button(patient, 'Leave call').click();
      await expect(patient).toHaveURL(appointmentPathPattern(id), { timeout: 20_000 });
      await expect(button(patient, 'Rejoin')).toBeVisible();
      await captureScreen(patient, 'appointment-rejoin', viewport);

      await button(doctor, 'End call for everyone').click();
      const dialog = doctor.getByRole('dialog', { name: 'End the call for everyone?' });
      await expect(dialog).toBeVisible();
      await captureScreen(doctor, 'end-call-dialog', viewport);
      await dialog.getByRole('button', { name: 'Yes, end the call' }).click();
      await expect(doctor).toHaveURL(appointmentPathPattern(id), { timeout: 20_000 });
      const recordings = doctor.getByRole('region', { name: 'Recordings' });
      await expect(recordings.locator('video')).toHaveCount(1, { timeout: 30_000 });
      await recordings.getByText(/^Consent and recording log/).click();
      await expectNoSidewaysScroll(doctor, 'appointment with its recording');
      await captureScreen(doctor, 'appointment-recordings', viewport);
      expect(csp.flat(), 'Content-Security-Policy reports').toEqual([]);
    });

    test("the hospital admin's dashboard, with a day under way, and an appointment's calls", async ({
      app,
      newUserPage,
    }) => {
      const [admin, patient] = await Promise.all([newUserPage('admin'), newUserPage('patient')]);
      const csp = [cspReports(admin), cspReports(patient)];
      await Promise.all([
        signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword),
        signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword),
      ]);
      // The demo's own appointment, whose call the walk above ran (when it ran first).
      const demo = (
        (await (await admin.request.get('/api/appointments')).json()) as { appointments: { id: string }[] }
      ).appointments[0]?.id;
      const [, soon] = await bookAdminDay(admin, [-120, 5, 45, 90], [3]);
      await checkIn(patient, soon ?? '');
      await admin.goto('/dashboard');
      const waiting = admin.getByRole('region', { name: /^In the waiting room \(\d+\)$/ });
      await expect(waiting.locator(`a[href="/appointments/${soon}"]`)).toContainText('Waiting for');
      await expect(admin.getByRole('region', { name: /^Cancelled \(1\)$/ })).toBeVisible();
      // Every row and count is a link: at least 44 px tall, its text at least 14 px.
      const targets = await admin.locator('.dashboard a').evaluateAll((links) =>
        links.map((a) => ({
          text: a.textContent ?? '',
          height: a.getBoundingClientRect().height,
          fontPx: Math.min(
            ...[a, ...Array.from(a.querySelectorAll('*'))].map((e) =>
              Number.parseFloat(getComputedStyle(e).fontSize),
            ),
          ),
        })),
      );
      expect(targets.length).toBeGreaterThan(0);
      expect(targets.filter((t) => t.height < 44 || t.fontPx < 14)).toEqual([]);
      await captureScreen(admin, 'dashboard', viewport);

      await admin.goto(`/appointments/${demo}`);
      await expect(admin.getByRole('heading', { name: 'Calls of this appointment' })).toBeVisible();
      await captureScreen(admin, 'appointment-admin', viewport);
      expect(csp.flat(), 'Content-Security-Policy reports').toEqual([]);
    });

    test("the hospital admin's reports: usage and call quality over the last 30 days", async ({
      app,
      newUserPage,
    }) => {
      const admin = await newUserPage('admin');
      const csp = cspReports(admin);
      await signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword);
      await seedPastCalls(admin, app.databaseFile);
      await admin.goto('/analytics');
      await expect(admin.locator('.chart canvas')).toHaveCount(8);
      // Every chart fits its card at this width, and follows it when the window changes.
      const overflowing = await admin.locator('.chart').evaluateAll((charts) =>
        charts
          .filter((c) => {
            const canvas = c.querySelector('canvas')?.getBoundingClientRect();
            const box = c.getBoundingClientRect();
            return !canvas || canvas.right > box.right || canvas.width < box.width / 2;
          })
          .map((c) => c.querySelector('h3')?.textContent ?? ''),
      );
      expect(overflowing, 'charts wider than their card, or far narrower').toEqual([]);
      await expectTouchFriendlyControls(admin, '.analytics', 'reports');
      await captureScreen(admin, 'analytics', viewport);
      await admin.getByRole('region', { name: 'Quality levels', exact: true }).scrollIntoViewIfNeeded();
      await captureScreen(admin, 'analytics-quality', viewport);
      expect(csp, 'Content-Security-Policy reports').toEqual([]);
    });
  });
}

test.describe('a phone held sideways (740 × 360)', () => {
  test.use({
    appEnv: { CARECALL_E2E_SCREENS_WIDTH: 'landscape' },
    viewport: { width: 740, height: 360 },
    isMobile: true,
    hasTouch: true,
  });

  test('the call and its chat share the screen side by side', async ({ app, newUserPage }) => {
    test.setTimeout(CALL_SCENARIO_TIMEOUT_MS);
    const { doctor, patient } = await connectedCall(newUserPage, app.demoPassword);
    const landscape = { width: 740 };
    await expectTouchFriendlyControls(patient, '.call__controls', 'call (patient, landscape)');
    await expectNoSidewaysScroll(patient, 'call at 740 px');
    await captureScreen(patient, 'call-patient-landscape', landscape);
    await button(patient, 'Chat').click();
    await expect(patient.getByLabel('Message', { exact: true })).toBeVisible();
    await expectNoSidewaysScroll(patient, 'call with chat open at 740 px');
    const visible = await patient.evaluate(() => {
      const video = document.querySelector('.call__remote')?.getBoundingClientRect();
      const chat = document.querySelector('.call__chat')?.getBoundingClientRect();
      if (!video || !chat) return 0;
      return Math.max(0, Math.min(video.right, chat.left) - Math.max(video.left, 0)) / window.innerWidth;
    });
    expect(visible, 'share of the width where the doctor stays visible with the chat open').toBeGreaterThan(
      0.35,
    );
    await captureScreen(patient, 'call-chat-patient-landscape', landscape);
    await button(doctor, 'Chat').click();
    await expect(doctor.getByLabel('Message', { exact: true })).toBeVisible();
  });
});
