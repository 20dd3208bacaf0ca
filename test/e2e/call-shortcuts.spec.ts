import {
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  connectedCall,
  joinNow,
  returnedToAppointment,
} from './support/call-flow.js';
import { expect, test } from './support/fixtures.js';

// Issue 14: the call page's keyboard shortcuts (M, V, C, L, ?) do what their buttons do, are listed in a
// popover, never fire while typing in the chat, and can be turned off (WCAG 2.1.4).

test('keyboard shortcuts mute, turn the camera off, open the chat, list themselves, turn off, and leave', async ({
  app,
  newUserPage,
}) => {
  test.setTimeout(CALL_SCENARIO_TIMEOUT_MS);
  const { patient, id } = await connectedCall(newUserPage, app.demoPassword);

  await patient.keyboard.press('m');
  await expect(button(patient, 'Unmute')).toBeVisible();
  await patient.keyboard.press('m');
  await expect(button(patient, 'Mute')).toBeVisible();
  await patient.keyboard.press('v');
  await expect(button(patient, 'Turn camera on')).toBeVisible();
  await patient.keyboard.press('v');
  await expect(button(patient, 'Turn camera off')).toBeVisible();

  await patient.keyboard.press('c');
  const message = patient.getByLabel('Message', { exact: true });
  await expect(message).toBeFocused();
  await message.pressSequentially('my mother came');
  await expect(message).toHaveValue('my mother came');
  await expect(button(patient, 'Mute')).toBeVisible();
  await patient.keyboard.press('Escape');
  await expect(message).toBeHidden();

  await patient.keyboard.press('?');
  const help = patient.getByRole('region', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await expect(help).toContainText('Mute or unmute your microphone');
  await help.getByRole('checkbox', { name: 'Use these single-key shortcuts' }).uncheck();
  await patient.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await expect(button(patient, 'Keyboard shortcuts')).toBeFocused();
  await patient.keyboard.press('m');
  await expect(button(patient, 'Mute')).toBeVisible();

  // Off is remembered by this browser; on again, L leaves the call (it stays open for Rejoin).
  await patient.reload();
  // A reload is a way back in: the pre-join screen first.
  await joinNow(patient);
  await expect(button(patient, 'Leave call')).toBeVisible({ timeout: 30_000 });
  await patient.keyboard.press('m');
  await expect(button(patient, 'Mute')).toBeVisible();
  await button(patient, 'Keyboard shortcuts').click();
  await patient.getByRole('checkbox', { name: 'Use these single-key shortcuts' }).check();
  await patient.keyboard.press('Escape');
  await patient.keyboard.press('l');
  await returnedToAppointment(patient, id);
  await expect(button(patient, 'Rejoin')).toBeVisible();
});
