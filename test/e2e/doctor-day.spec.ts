import { button, CALL_SCENARIO_TIMEOUT_MS, callPathPattern, joinNow } from './support/call-flow.js';
import { DEMO_ACCOUNTS, expect, signIn, test, waitForFramesGrowing } from './support/fixtures.js';

// The doctor's day runs from the list: a queue of checked-in patients with the time each has waited, and
// a Start beside each, straight into the call.

test('a checked-in patient appears in the doctor’s queue with the time waited, and Start there connects them', async ({
  app,
  newUserPage,
}) => {
  test.setTimeout(CALL_SCENARIO_TIMEOUT_MS);
  const [doctor, patient] = await Promise.all([newUserPage('doctor'), newUserPage('patient')]);
  await Promise.all([
    signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword),
    signIn(patient, DEMO_ACCOUNTS.patient, app.demoPassword),
  ]);
  const queue = doctor.getByRole('region', { name: 'Waiting now' });
  await expect(queue.getByText('Nobody is in a waiting room.')).toBeVisible();

  const href = await patient.locator('a[href^="/appointments/"]').first().getAttribute('href');
  const id = href?.split('/').pop() ?? '';
  await patient.goto(`/appointments/${id}`);
  await patient.getByRole('link', { name: 'Check in', exact: true }).click();
  await patient.waitForURL(callPathPattern(id));

  // Live, without a reload of the doctor's list.
  const entry = queue.getByRole('listitem');
  await expect(entry).toHaveCount(1);
  await expect(entry.getByRole('link', { name: 'Pat Demo' })).toBeVisible();
  await expect(entry).toContainText(/waiting \d+:\d{2}/);
  const firstWait = (await entry.textContent()) ?? '';
  await expect(entry).not.toHaveText(firstWait, { timeout: 5000 });

  await button(doctor, 'Start video call with Pat Demo').first().click();
  await doctor.waitForURL(callPathPattern(id));
  await joinNow(doctor);
  await joinNow(patient);
  await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
});
