import type { Page } from '@playwright/test';
import {
  appointmentDetail,
  appointmentPathPattern,
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  callPathPattern,
  connectedCall,
  hangUp,
  openAppointmentAsBoth,
  report,
} from './support/call-flow.js';
import { expect, test, waitForFramesGrowing } from './support/fixtures.js';
import { connectionStates, negotiationCounts, restartIceAt } from './support/negotiation.js';

// Issue 4 item 5: perfect negotiation. Both sides renegotiate in the same millisecond (glare) several times
// in a row, and both parties enter the call at the same instant; every time the call connects and video
// keeps flowing both ways.

const GLARE_ROUNDS = 5;

/** One open connection, negotiated (stable) and connected. */
async function settled(page: Page): Promise<string> {
  const states = await connectionStates(page);
  if (states.length !== 1) return `${states.length} open connections`;
  const [state] = states;
  return `${state?.signalingState}/${state?.connectionState}`;
}

test.describe('perfect negotiation (issue 4)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });
  test('both sides renegotiate at the same moment, again and again: glare is resolved and the call stays up', async ({
    app,
    newUserPage,
  }) => {
    const parties = await connectedCall(newUserPage, app.demoPassword);
    const { doctor, patient } = parties;
    const before = { doctor: await negotiationCounts(doctor), patient: await negotiationCounts(patient) };

    for (let round = 1; round <= GLARE_ROUNDS; round += 1) {
      await test.step(`round ${round}: an ICE restart on both sides in the same millisecond`, async () => {
        // Far enough ahead that both pages have the timer set before it fires, whatever the machine's load:
        // a few times what a round trip to both pages takes right now.
        const pingedAt = Date.now();
        await Promise.all([doctor.evaluate(() => 0), patient.evaluate(() => 0)]);
        const at = Date.now() + Math.max(500, 3 * (Date.now() - pingedAt));
        const margins = await Promise.all([restartIceAt(doctor, at), restartIceAt(patient, at)]);
        if (margins.some((ms) => ms < 0))
          console.log(`round ${round}: armed late (ms left: ${margins.join(', ')})`);
        await doctor.waitForTimeout(Math.max(0, at - Date.now()));
        for (const [role, page] of [
          ['doctor', doctor],
          ['patient', patient],
        ] as const) {
          await expect
            .poll(() => settled(page), {
              message: `${role}: negotiation settles and the connection is up`,
              timeout: 20_000,
            })
            .toBe('stable/connected');
        }
        await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
      });
    }

    const after = { doctor: await negotiationCounts(doctor), patient: await negotiationCounts(patient) };
    const offers = {
      doctor: after.doctor.offerAttempts - before.doctor.offerAttempts,
      patient: after.patient.offerAttempts - before.patient.offerAttempts,
    };
    const rollbacks = {
      doctor: after.doctor.rollbacks - before.doctor.rollbacks,
      patient: after.patient.rollbacks - before.patient.rollbacks,
    };
    report(`offer attempts in ${GLARE_ROUNDS} glare rounds`, JSON.stringify(offers), '');
    report('rollbacks (the polite patient yields)', JSON.stringify(rollbacks), '');
    // Proof that glare happened (otherwise the rounds proved nothing): the polite side rolled its own offer
    // back at least once (it then need not offer again: the doctor's offer already restarted ICE), and the
    // impolite doctor never rolls back. The two timers fire in two processes, so in a round one side's
    // offer may reach the other before that side's own timer fires: that round is no glare, and the side
    // that answers needs no offer of its own (its answer already has new ICE credentials). Every round
    // takes at least one offer, and a round with glare two, so together the offers are at least the rounds
    // plus the rollbacks.
    expect(rollbacks.patient).toBeGreaterThan(0);
    expect(rollbacks.doctor).toBe(0);
    expect(offers.doctor + offers.patient).toBeGreaterThanOrEqual(GLARE_ROUNDS + rollbacks.patient);

    await hangUp(parties);
  });

  test('doctor and patient enter the call at the same instant: it connects, every time', async ({
    app,
    newUserPage,
  }) => {
    const parties = await openAppointmentAsBoth(newUserPage, app.demoPassword);
    const { doctor, patient, id } = parties;
    // The doctor starts and steps back to the appointment page, so that both can then click together.
    await button(doctor, 'Start video call').click();
    await doctor.waitForURL(callPathPattern(id));

    for (let round = 1; round <= 3; round += 1) {
      await test.step(`round ${round}: both click Join video call, then Join now, together`, async () => {
        await Promise.all([doctor.goto(`/appointments/${id}`), patient.goto(`/appointments/${id}`)]);
        const doctorJoin = button(doctor, 'Join video call');
        // A patient who has been in this call (and left by going back) comes back with Rejoin.
        const patientJoin = button(patient, round === 1 ? 'Join video call' : 'Rejoin');
        await Promise.all([expect(doctorJoin).toBeEnabled(), expect(patientJoin).toBeEnabled()]);
        await Promise.all([doctorJoin.click(), patientJoin.click()]);
        await Promise.all([doctor.waitForURL(callPathPattern(id)), patient.waitForURL(callPathPattern(id))]);
        // Both on the pre-join screen; into the room at the same instant.
        const joinButtons = [button(doctor, 'Join now'), button(patient, 'Join now')];
        await Promise.all(joinButtons.map((join) => expect(join).toBeEnabled()));
        const clickedAt = Date.now();
        await Promise.all(joinButtons.map((join) => join.click()));
        await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
        report(
          `round ${round}: simultaneous Join now clicks → frames flowing both ways`,
          Date.now() - clickedAt,
        );
        for (const page of [doctor, patient]) {
          await expect.poll(() => settled(page)).toBe('stable/connected');
        }
        await expect
          .poll(async () => (await appointmentDetail(doctor, id)).appointment.videoCallStatus)
          .toBe('in_progress');
      });
    }

    await hangUp(parties);
    await expect(doctor).toHaveURL(appointmentPathPattern(id));
  });
});
