import { readFileSync } from 'node:fs';
import { expectNoSeriousAxeViolations } from './support/axe.js';
import { DEMO_ACCOUNTS, expect, signIn, test } from './support/fixtures.js';

// axe is injected as a script (as in accessibility.spec.ts); the screen walk checks the page under its CSP.
test.use({ bypassCSP: true });

test('an admin filters the audit trail by keyboard and downloads what is shown as CSV', async ({
  app,
  newUserPage,
}) => {
  const admin = await newUserPage('admin');
  await signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword);
  await admin
    .getByRole('navigation', { name: 'Hospital' })
    .getByRole('link', { name: 'Audit', exact: true })
    .click();
  await expect(admin.getByRole('heading', { name: 'Audit trail', level: 1 })).toBeVisible();
  const rows = admin.locator('.audit__table tbody tr');
  await expect(rows.first()).toBeVisible();
  await expectNoSeriousAxeViolations(admin, 'audit trail');

  // The admin's own sign-in, found by person and action, typed and submitted with the keyboard.
  await admin.getByLabel('Person (email)').fill(DEMO_ACCOUNTS.admin);
  await admin.getByLabel('Action (or its start, e.g. call.)').fill('auth.');
  await admin.getByLabel('Outcome').selectOption({ label: 'Done' });
  await admin.getByLabel('Action (or its start, e.g. call.)').press('Enter');
  await expect(rows.first()).toContainText('auth.login');
  for (const row of await rows.all()) {
    await expect(row).toContainText('auth.');
    await expect(row).toContainText('Done');
  }

  const link = admin.getByRole('link', { name: 'Download CSV' });
  await expect(link).toHaveAttribute('href', /audit\.csv\?.*action=auth\./);
  const [download] = await Promise.all([admin.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path()) ?? '', 'utf8')
    .trimEnd()
    .split('\r\n');
  expect(csv[0]).toBe(
    'seq,time,actor_id,actor_name,actor_role,action,target,appointment_id,outcome,detail,hash',
  );
  expect(csv.length).toBe((await rows.count()) + 1);
  expect(csv.slice(1).every((line) => line.includes(',auth.') && line.includes(',ok,'))).toBe(true);
});
