import type { Page } from '@playwright/test';
import { bookAdminDay, checkIn } from './support/admin-day.js';
import { seedPastCalls } from './support/analytics-seed.js';
import { expectNoSeriousAxeViolations } from './support/axe.js';
import {
  button,
  CALL_CONTROLS,
  CALL_SCENARIO_TIMEOUT_MS,
  connectedCall,
  endActiveCall,
  hangUp,
  joinNow,
  returnedToAppointment,
} from './support/call-flow.js';
import { DEMO_ACCOUNTS, expect, signIn, test } from './support/fixtures.js';
import { addPerson, openPeopleAsAdmin } from './support/people-flow.js';

// addScriptTag inserts axe as an inline <script>, which the app's Content-Security-Policy rightly refuses.
// Lifting the CSP for this file only changes what may be injected, not what the pages render.
test.use({ bypassCSP: true });

test.describe('accessibility (axe-core)', () => {
  test('the login page has no serious or critical violations', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByLabel('Email', { exact: true })).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'login');
  });

  test('the People page, with its link dialog and its deactivate question, and the set-password page have no serious or critical violations', async ({
    app,
    page,
  }) => {
    await openPeopleAsAdmin(page, app.demoPassword);
    await expect(page.locator('.people__person').first()).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'people');
    const name = `Dr. Axe ${Date.now()}`;
    const link = await addPerson(page, name, `axe-${Date.now()}@e2e.test`, 'doctor');
    await expectNoSeriousAxeViolations(page, 'people (link dialog open)');
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await page.getByRole('button', { name: `Deactivate ${name}`, exact: true }).click();
    await expect(page.getByRole('alertdialog')).toBeVisible();
    // The safe answer has the focus.
    await expect(page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' })).toBeFocused();
    await expectNoSeriousAxeViolations(page, 'people (deactivate question open)');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('alertdialog')).toHaveCount(0);

    // The set-password page needs no session: the same browser opens the link.
    const url = new URL(link);
    await page.goto(`${url.pathname}${url.hash}`);
    await expect(page.getByLabel('New password', { exact: true })).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'set-password');
    await page.getByLabel('New password', { exact: true }).fill('long enough one');
    await page.getByLabel('Type it again', { exact: true }).fill('long enough two');
    await page.getByRole('button', { name: 'Set password', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('The two passwords differ.');
    await expectNoSeriousAxeViolations(page, 'set-password (refused)');
  });

  test('the appointments page has no serious or critical violations', async ({ app, page }) => {
    await signIn(page, DEMO_ACCOUNTS.patient, app.demoPassword);
    await expect(page.locator('a[href^="/appointments/"]').first()).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'appointments');
  });

  test('the admin’s appointments with the new-appointment form and its warning, and the policy page, have no serious or critical violations', async ({
    app,
    page,
  }) => {
    await signIn(page, DEMO_ACCOUNTS.admin, app.demoPassword);
    await page.getByRole('button', { name: 'New appointment', exact: true }).click();
    const form = page.getByRole('region', { name: 'New appointment' });
    await expect(form.getByLabel('Doctor', { exact: true })).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'admin appointments (new appointment form)');
    // Sent without a day or time: each problem beside its field.
    await form.getByRole('button', { name: 'Create appointment', exact: true }).click();
    await expect(form.getByText('Enter the day.')).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'admin appointments (form errors)');
    await page.goto('/policy');
    await expect(page.getByLabel('Calls may be recorded', { exact: true })).toBeVisible();
    await page.getByLabel('Longest call, in minutes', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText(/^Enter a whole number from 10 to/)).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'policy (a field error)');
  });

  for (const role of ['doctor', 'patient'] as const) {
    test(`the appointment page seen by the ${role} has no serious or critical violations`, async ({
      app,
      page,
    }) => {
      await signIn(page, DEMO_ACCOUNTS[role], app.demoPassword);
      await page.locator('a[href^="/appointments/"]').first().click();
      await expect(page.getByRole('status').first()).toBeVisible();
      await expect(page.getByLabel('Message', { exact: true })).toBeVisible();
      await expectNoSeriousAxeViolations(page, `appointment (${role})`);
    });
  }

  test('the hospital admin’s dashboard with a day under way, and an appointment’s calls, have no serious or critical violations', async ({
    app,
    page,
    newUserPage,
  }) => {
    const patient = await newUserPage('patient');
    await Promise.all([
      signIn(page, DEMO_ACCOUNTS.admin, app.demoPassword),
      signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword),
    ]);
    const [, soon] = await bookAdminDay(page, [-120, 5, 45, 90], [3]);
    await checkIn(patient, soon ?? '');
    await page.goto('/dashboard');
    await expect(
      page.getByRole('region', { name: /^In the waiting room/ }).locator(`a[href="/appointments/${soon}"]`),
    ).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'dashboard');
    await page.goto(`/appointments/${soon}`);
    await expect(page.getByRole('heading', { name: 'Calls of this appointment' })).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'appointment (admin, with its calls)');
  });

  test('the hospital admin’s reports, as charts and as a table opened from the keyboard, have no serious or critical violations', async ({
    app,
    page,
  }) => {
    await signIn(page, DEMO_ACCOUNTS.admin, app.demoPassword);
    await seedPastCalls(page, app.databaseFile);
    await page.goto('/analytics');
    await expect(page.locator('.chart canvas')).toHaveCount(8);
    await expectNoSeriousAxeViolations(page, 'reports');
    // From the period, the keyboard reaches the CSV and then each chart's table in the order they show.
    await page.getByLabel('Period').focus();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Download CSV' })).toBeFocused();
    await page.keyboard.press('Tab');
    const calls = page.getByRole('region', { name: 'Calls per day', exact: true });
    await expect(calls.getByRole('button', { name: 'Show as table' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(calls.getByRole('table')).toBeVisible();
    await expect(calls.getByRole('button', { name: 'Show as chart' })).toBeFocused();
    await expectNoSeriousAxeViolations(page, 'reports (a chart as its table)');
  });

  test('the device test page, before and after its connection test, has no serious or critical violations', async ({
    app,
    page,
  }) => {
    await signIn(page, DEMO_ACCOUNTS.patient, app.demoPassword);
    await page.goto('/device-test');
    await expect(page.getByLabel('Camera preview')).toBeVisible();
    await expect(page.getByRole('meter', { name: 'Microphone level' })).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'device test');
    const region = page.getByRole('region', { name: 'Connection test', exact: true });
    await region.getByRole('button', { name: 'Run connection test', exact: true }).click();
    await expect(region.getByRole('status')).toHaveAttribute('data-level', /^(?!running|none)/, {
      timeout: 60_000,
    });
    for (const details of await page.locator('summary', { hasText: /^Details$/ }).all())
      await details.click();
    await page.getByText('Common problems').click();
    await expectNoSeriousAxeViolations(page, 'device test (connection tested, details open)');
  });

  test('the waiting room with its device check has no serious or critical violations', async ({
    app,
    page,
  }) => {
    await signIn(page, DEMO_ACCOUNTS.patient, app.demoPassword);
    await page.locator('a[href^="/appointments/"]').first().click();
    await page.getByRole('link', { name: 'Check in', exact: true }).click();
    await expect(page.getByLabel('Camera preview')).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'waiting room');
    // The same screen with the connection test opened in it, and with the camera and microphone off.
    await page.getByText('Test your connection', { exact: true }).click();
    await page.getByRole('button', { name: 'Turn camera off', exact: true }).click();
    await page.getByRole('button', { name: 'Mute', exact: true }).click();
    await expect(page.getByText('Your camera is off', { exact: true })).toBeVisible();
    await expectNoSeriousAxeViolations(page, 'waiting room (connection test open, devices off)');
  });

  test('the doctor’s appointments page with notifications blocked: the how-to for this browser opens by keyboard, no violations', async ({
    app,
    browser,
    baseURL,
  }) => {
    const context = await browser.newContext({ ...(baseURL ? { baseURL } : {}) });
    // The browser's answer after the doctor chose Block (headless Chromium has no notification prompt).
    await context.addInitScript(() => {
      Object.defineProperty(Notification, 'permission', { get: () => 'denied' });
    });
    try {
      const page = await context.newPage();
      await signIn(page, DEMO_ACCOUNTS.doctor, app.demoPassword);
      const summary = page.locator('summary', { hasText: 'Notifications are blocked. How to turn them on' });
      await expect(summary).toBeVisible();
      await expect(page.getByRole('button', { name: 'Turn on notifications' })).toHaveCount(0);
      const step = page.getByText('Turn on Notifications, or set them to Allow.', { exact: true });
      await expect(step).toBeHidden();
      await summary.focus();
      await page.keyboard.press('Enter');
      await expect(page.getByText('In Chrome:', { exact: true })).toBeVisible();
      await expect(step).toBeVisible();
      await expectNoSeriousAxeViolations(page, 'appointments (notifications blocked, how-to open)');
    } finally {
      await context.close();
    }
  });

  test('a call link’s pages: the appointment and name question, and a dead link, have no serious or critical violations', async ({
    app,
    page,
    newUserPage,
  }) => {
    await signIn(page, DEMO_ACCOUNTS.doctor, app.demoPassword);
    const href = (await page.locator('a[href^="/appointments/"]').first().getAttribute('href')) ?? '';
    const id = /\/appointments\/([^/?#]+)/.exec(href)?.[1] ?? '';
    const { csrfToken } = (await (await page.request.get('/api/session')).json()) as { csrfToken: string };
    const started = await page.request.post(`/api/appointments/${id}/call/start`, {
      headers: { 'x-csrf-token': csrfToken },
      data: {},
    });
    expect(started.status()).toBe(200);
    const { links } = (await started.json()) as { links: { patient: { url: string } } };
    try {
      const visitor = await newUserPage('link visitor');
      await visitor.goto(links.patient.url);
      await expect(visitor.getByLabel('Your name', { exact: true })).toBeVisible();
      await expect(visitor.getByRole('region', { name: 'Your video appointment' })).toBeVisible();
      await expectNoSeriousAxeViolations(visitor, 'call link: appointment and name');
      const dead = await newUserPage('dead link');
      await dead.goto(`${app.url}/appointments/${id}/call#token=${'A'.repeat(43)}`);
      await expect(dead.getByRole('heading', { name: 'This link does not work' })).toBeVisible();
      await expectNoSeriousAxeViolations(dead, 'call link: dead link');
    } finally {
      await endActiveCall(page, id);
    }
  });
});

/** What a Tab press landed on: the accessible name of a button (or the tag of anything else). */
async function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return '(body)';
    const label = el.getAttribute('aria-label') ?? (el as HTMLElement).innerText ?? '';
    return el.tagName === 'BUTTON'
      ? label.trim()
      : `<${el.tagName.toLowerCase()}> ${label.trim().slice(0, 40)}`;
  });
}

/** The control names in reading order on screen: rows top to bottom, each row left to right. */
async function visualOrder(page: Page, names: readonly string[]): Promise<string[]> {
  const placed = await Promise.all(
    names.map(async (name) => ({ name, box: await button(page, name).boundingBox() })),
  );
  return placed
    .map(({ name, box }) => ({ name, y: (box?.y ?? 0) + (box?.height ?? 0) / 2, x: box?.x ?? 0 }))
    .sort((a, b) => (Math.abs(a.y - b.y) > 8 ? a.y - b.y : a.x - b.x))
    .map(({ name }) => name);
}

test.describe('accessibility of a live call (axe-core and keyboard)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });
  test('the call page of the doctor and the patient, chat panel closed and open, and the appointment page after the call: no serious or critical violations', async ({
    app,
    newUserPage,
  }) => {
    const parties = await connectedCall(newUserPage, app.demoPassword);
    const { doctor, patient } = parties;
    // A reload is a way back in: the pre-join screen, with the doctor in the call.
    await patient.reload();
    await expect(button(patient, 'Join now')).toBeEnabled({ timeout: 20_000 });
    await expect(patient.getByLabel('Camera preview')).toBeVisible();
    await expectNoSeriousAxeViolations(patient, 'pre-join screen (patient)');
    await joinNow(patient);
    for (const [role, page] of [
      ['doctor', doctor],
      ['patient', patient],
    ] as const) {
      await expect(button(page, 'Leave call')).toBeVisible();
      await expectNoSeriousAxeViolations(page, `call (${role}, chat closed)`);
      await page.getByRole('button', { name: /^Chat\b/ }).click();
      await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
      await expectNoSeriousAxeViolations(page, `call (${role}, chat open)`);
    }
    await hangUp(parties);
    for (const [role, page] of [
      ['doctor', doctor],
      ['patient', patient],
    ] as const) {
      await expect(page.getByRole('status').filter({ hasText: /ended/i })).toBeVisible();
      await expectNoSeriousAxeViolations(page, `appointment after the call (${role})`);
    }
  });

  test('keyboard only: Tab reaches every call control in on-screen order, and Enter and Space work them', async ({
    app,
    newUserPage,
  }) => {
    const parties = await connectedCall(newUserPage, app.demoPassword);
    const { doctor, patient } = parties;

    for (const [role, page] of [
      ['doctor', doctor],
      ['patient', patient],
    ] as const) {
      await test.step(`${role}: Tab order`, async () => {
        const controls = CALL_CONTROLS[role];
        for (const name of controls) await expect(button(page, name)).toBeVisible();
        await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        const reached: string[] = [];
        for (let i = 0; i < 40 && !controls.every((name) => reached.includes(name)); i += 1) {
          await page.keyboard.press('Tab');
          reached.push(await focusedName(page));
        }
        console.log(`${role} Tab order: ${reached.join(' → ')}`);
        const controlsReached = reached.filter((name) => (controls as readonly string[]).includes(name));
        expect(controlsReached, `${role}: every control is reached by Tab, in on-screen order`).toEqual(
          await visualOrder(page, controls),
        );
      });
    }

    await test.step('patient: Enter and Space toggle the microphone and the camera; the doctor sees it', async () => {
      await button(patient, 'Mute').focus();
      await patient.keyboard.press('Enter');
      await expect(button(patient, 'Unmute')).toBeFocused();
      await expect(doctor.getByRole('status').filter({ hasText: /is muted/ })).toHaveCount(1);
      await patient.keyboard.press('Space');
      await expect(button(patient, 'Mute')).toBeFocused();
      await button(patient, 'Turn camera off').focus();
      await patient.keyboard.press('Space');
      await expect(button(patient, 'Turn camera on')).toBeFocused();
      await expect(doctor.getByRole('status').filter({ hasText: /camera off/ })).toHaveCount(1);
      await patient.keyboard.press('Enter');
      await expect(button(patient, 'Turn camera off')).toBeFocused();
    });

    await test.step('patient: Enter opens and closes the chat and goes in and out of fullscreen', async () => {
      const chat = patient.getByRole('button', { name: /^Chat\b/ });
      await chat.focus();
      const compose = patient.getByRole('textbox', { name: 'Message' });
      await patient.keyboard.press('Enter');
      await expect(compose).toBeVisible();
      await chat.focus();
      await patient.keyboard.press('Enter');
      await expect(compose).toBeHidden();
      await button(patient, 'Fullscreen').focus();
      await patient.keyboard.press('Enter');
      await expect(button(patient, 'Exit fullscreen')).toBeVisible();
      await button(patient, 'Exit fullscreen').focus();
      await patient.keyboard.press('Enter');
      await expect(button(patient, 'Fullscreen')).toBeVisible();
    });

    await test.step('doctor: Space shares the screen and stops it; End call for everyone asks in a dialog (Escape cancels), and Enter on its confirmation ends the call for both', async () => {
      await button(doctor, 'Share screen').focus();
      await doctor.keyboard.press('Space');
      await expect(button(doctor, 'Stop sharing')).toBeVisible();
      await button(doctor, 'Stop sharing').focus();
      await doctor.keyboard.press('Space');
      await expect(button(doctor, 'Share screen')).toBeVisible();
      const endForEveryone = button(doctor, 'End call for everyone');
      await endForEveryone.focus();
      await doctor.keyboard.press('Enter');
      const confirm = doctor.getByRole('dialog', { name: 'End the call for everyone?' });
      await expect(confirm).toBeVisible();
      // Focus moves into the dialog, onto the safe choice; Escape cancels and gives focus back.
      await expect(confirm.getByRole('button', { name: 'Cancel', exact: true })).toBeFocused();
      await expectNoSeriousAxeViolations(doctor, 'call (doctor, end-for-everyone confirmation)');
      await doctor.keyboard.press('Escape');
      await expect(confirm).toBeHidden();
      await expect(endForEveryone).toBeFocused();
      await expect(button(patient, 'Leave call')).toBeVisible();
      await doctor.keyboard.press('Enter');
      await expect(confirm).toBeVisible();
      await doctor.keyboard.press('Tab');
      await expect(confirm.getByRole('button', { name: 'Yes, end the call' })).toBeFocused();
      await doctor.keyboard.press('Enter');
      await returnedToAppointment(doctor, parties.id);
      await returnedToAppointment(patient, parties.id);
    });
  });
});
