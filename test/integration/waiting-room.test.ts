import { beforeEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../src/protocol/close-codes.js';
import type { WaitingRoomView } from '../../src/protocol/messages.js';
import { FakeClock } from '../support/clock.js';
import type { World } from '../support/fixtures.js';
import type { Agent, SocketClient, TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const MINUTE = 60_000;
const GRACE_MS = 300;

describe.each(testDatabases())('waiting room on $name', (database) => {
  const setup = useWorld({ database, hubLimits: { reconnectGraceMs: GRACE_MS } });
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  let agents: Record<'doctor' | 'patient' | 'admin' | 'otherPatient', Agent>;

  const socket = (who: keyof typeof agents) => setup.socket(agents[who]);
  const checkIn = (s: SocketClient, appointmentId = world.appointment.id) =>
    s.call({ type: 'check-in', appointmentId });
  const subscribe = async (s: SocketClient, appointmentId = world.appointment.id) => {
    expect(await s.call({ type: 'subscribe', appointmentId })).toMatchObject({ type: 'ack' });
    await s.next('call-status');
    return (await s.next('lobby')).lobby;
  };
  const lobby = (s: SocketClient, waiting: boolean): Promise<WaitingRoomView> =>
    s.next('lobby', (m) => m.lobby.patientWaiting === waiting).then((m) => m.lobby);

  beforeEach(async () => {
    clock = new FakeClock();
    ({ server, world } = await setup.open({ clock }));
    agents = await setup.signInAll('doctor', 'patient', 'admin', 'otherPatient');
  });

  it('S20 check-in opens VIDEO_CALL_CHECK_IN_MINUTES before the scheduled time', async () => {
    const later = await server.ctx.store.appointments.create({
      hospitalId: world.hospitalA,
      doctorId: world.doctor.id,
      patientId: world.patient.id,
      scheduledAt: clock.now() + 15 * MINUTE + 1,
      reason: 'Follow-up',
    });
    const p = await socket('patient');
    expect(await checkIn(p, later.id)).toMatchObject({ type: 'error', code: 'check_in_not_open' });
    expect((await server.ctx.store.appointments.get(later.id))?.checked_in_at).toBeNull();
    clock.advance(1);
    expect(await checkIn(p, later.id)).toMatchObject({ type: 'ack' });
    expect((await server.ctx.store.appointments.get(later.id))?.checked_in_at).toBe(clock.now());
  });

  it('S20 only the patient checks in: the doctor and the admin get wrong_role, others not_party', async () => {
    expect(await checkIn(await socket('doctor'))).toMatchObject({ code: 'wrong_role' });
    expect(await checkIn(await socket('admin'))).toMatchObject({ code: 'wrong_role' });
    expect(await checkIn(await socket('otherPatient'))).toMatchObject({ code: 'not_party' });
    expect((await server.ctx.store.appointments.get(world.appointment.id))?.checked_in_at).toBeNull();
  });

  it('S20 a subscribed doctor sees the patient arrive and leave; checkedInAt survives a reconnect', async () => {
    const d = await socket('doctor');
    expect(await subscribe(d)).toEqual({
      appointmentId: world.appointment.id,
      patientWaiting: false,
      checkedInAt: null,
    });
    const checkedInAt = clock.now();
    const p = await socket('patient');
    expect(await checkIn(p)).toMatchObject({ type: 'ack' });
    expect(await lobby(d, true)).toEqual({
      appointmentId: world.appointment.id,
      patientWaiting: true,
      checkedInAt,
    });

    clock.advance(5 * MINUTE);
    p.ws.close(1000);
    expect(await lobby(d, false)).toEqual({
      appointmentId: world.appointment.id,
      patientWaiting: false,
      checkedInAt,
    });
    const p2 = await socket('patient');
    expect(await checkIn(p2)).toMatchObject({ type: 'ack' });
    expect(await lobby(d, true)).toMatchObject({ checkedInAt });
    // Checking in again on the same socket changes nothing either.
    expect(await checkIn(p2)).toMatchObject({ type: 'ack' });
    expect(await lobby(d, true)).toMatchObject({ checkedInAt });
  });

  it('S20 subscribe sends the current waiting room, to the doctor and the hospital’s admin', async () => {
    const p = await socket('patient');
    await checkIn(p);
    const checkedInAt = clock.now();
    for (const who of ['doctor', 'admin'] as const) {
      expect(await subscribe(await socket(who))).toEqual({
        appointmentId: world.appointment.id,
        patientWaiting: true,
        checkedInAt,
      });
    }
  });

  it('S20 a dropped patient socket leaves the waiting room once the reconnect grace is over', async () => {
    const d = await socket('doctor');
    await subscribe(d);
    const p = await socket('patient');
    await checkIn(p);
    await lobby(d, true);
    p.ws.terminate();
    expect(await lobby(d, false)).toMatchObject({ checkedInAt: clock.now() });
  });

  it('S20 when the doctor starts, the waiting patient hears it and may join; check-in is then refused', async () => {
    const p = await socket('patient');
    await subscribe(p);
    await checkIn(p);
    const checkedInAt = clock.now();
    clock.advance(3 * MINUTE);
    const started = await agents.doctor.request(
      'POST',
      `/api/appointments/${world.appointment.id}/call/start`,
      {},
    );
    expect(started.status).toBe(200);
    const status = await p.next('call-status', (m) => m.call.status === 'waiting');
    expect(status.call.roomId).toEqual(expect.any(String));
    expect(await checkIn(p)).toMatchObject({ type: 'error', code: 'illegal_transition' });
    // The call session keeps when the patient arrived, which the start clears from the appointment: the
    // admin's wait before the doctor joined counts from it (docs/analytics.md).
    const [session] = await server.ctx.store.callSessions.listForAppointment(world.appointment.id);
    expect(session?.patient_checked_in_at).toBe(checkedInAt);
    expect((await server.ctx.store.appointments.get(world.appointment.id))?.checked_in_at).toBeNull();

    const joined = await agents.patient.request(
      'POST',
      `/api/appointments/${world.appointment.id}/call/join`,
      {},
    );
    expect(joined.status).toBe(200);
    const inCall = await socket('patient');
    expect(await inCall.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
  });

  it('S20 a patient who goes from the waiting room into the call waits no more, while the check-in socket has its grace', async () => {
    const d = await socket('doctor');
    await subscribe(d);
    const p = await socket('patient');
    await checkIn(p);
    await lobby(d, true);
    const path = `/api/appointments/${world.appointment.id}/call`;
    expect((await agents.doctor.request('POST', `${path}/start`, {})).status).toBe(200);
    expect((await agents.patient.request('POST', `${path}/join`, {})).status).toBe(200);
    // The call page replaces its socket to carry the call cookie: a reconnect (4000), not a departure.
    p.ws.close(CLOSE_CODES.client_reconnecting, 'reconnecting');
    const inCall = await socket('patient');
    expect(await inCall.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
    // At once, not only when the old socket's grace ends: a fresh subscriber sees nobody waiting.
    expect(await subscribe(await socket('admin'))).toMatchObject({ patientWaiting: false });
    expect(await lobby(d, false)).toMatchObject({ patientWaiting: false });
  });

  it('S20 after a call ends the patient may check in again, with a new checkedInAt', async () => {
    const p = await socket('patient');
    await checkIn(p);
    const first = clock.now();
    const path = `/api/appointments/${world.appointment.id}/call`;
    expect((await agents.doctor.request('POST', `${path}/start`, {})).status).toBe(200);
    expect((await agents.doctor.request('POST', `${path}/end`, {})).status).toBe(200);
    clock.advance(2 * MINUTE);
    const d = await socket('doctor');
    await subscribe(d);
    const p2 = await socket('patient');
    expect(await checkIn(p2)).toMatchObject({ type: 'ack' });
    const view = await lobby(d, true);
    expect(view.checkedInAt).toBe(clock.now());
    expect(view.checkedInAt).not.toBe(first);
  });
});
