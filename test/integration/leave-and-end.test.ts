import { beforeEach, describe, expect, it } from 'vitest';
import type { AppointmentDetail, CallStartInfo } from '../../src/protocol/api.js';
import type { CallStatusView } from '../../src/protocol/messages.js';
import { FakeClock } from '../support/clock.js';
import type { World } from '../support/fixtures.js';
import { Agent, type SocketClient, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const MINUTE = 60_000;
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';

/** Leaving is not ending: a party leaves and comes back; only the doctor (or the server) ends the call. */
describe.each(testDatabases())('leaving and ending a call on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  let doctor: Agent;
  let patient: Agent;
  let admin: Agent;

  const id = () => world.appointment.id;
  const path = (suffix: string) => `/api/appointments/${id()}/call/${suffix}`;
  const start = async (): Promise<CallStartInfo> => {
    const r = await doctor.request('POST', path('start'), {});
    expect(r.status).toBe(200);
    return r.body as CallStartInfo;
  };
  const join = (s: SocketClient) => s.call({ type: 'join', appointmentId: id() });
  /** The doctor's and the patient's sockets in the room, the call in progress. */
  const inCall = async (patientAgent: Agent) => {
    const d = await setup.socket(doctor);
    await join(d);
    const p = await setup.socket(patientAgent);
    await join(p);
    const status = await p.next('call-status', (m) => m.call.status === 'in_progress');
    await d.next('call-status', (m) => m.call.status === 'in_progress');
    return { d, p, call: status.call };
  };
  const appointmentRow = () => server.ctx.store.appointments.get(id());
  const sessions = () => server.ctx.store.callSessions.listForAppointment(id());
  const refusals = async (actorId: string) =>
    (await server.ctx.store.audit.list({ actorId }))
      .filter((e) => e.outcome === 'denied')
      .map((e) => ({
        action: e.action,
        appointment_id: e.appointment_id,
        detail: typeof e.detail === 'string' ? (JSON.parse(e.detail) as unknown) : e.detail,
      }));
  const callEntry = async (agent: Agent) => {
    const r = await agent.request('GET', `/api/appointments/${id()}`);
    expect(r.status).toBe(200);
    return (r.body as AppointmentDetail).callEntry;
  };
  /** A round trip: everything the server sent before it has arrived. */
  const settle = async (...ss: SocketClient[]) => {
    for (const s of ss) expect(await s.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
  };

  beforeEach(async () => {
    clock = new FakeClock();
    ({ server, world } = await setup.open({ clock }));
    ({ doctor, patient, admin } = await setup.signInAll('doctor', 'patient', 'admin'));
  });

  it('S11 a signed-in patient cannot end the call: 403 wrong_role, recorded, and the call goes on', async () => {
    await start();
    await patient.request('POST', path('join'), {});
    const { d, p } = await inCall(patient);
    const before = await appointmentRow();
    for (const reason of ['hung_up', 'failed'] as const) {
      const r = await patient.request('POST', path('end'), { reason });
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({
        error: { code: 'wrong_role', message: expect.stringContaining('Only the doctor ends') },
      });
    }
    expect(await refusals(world.patient.id)).toEqual([
      { action: 'call.end', appointment_id: id(), detail: { code: 'wrong_role' } },
      { action: 'call.end', appointment_id: id(), detail: { code: 'wrong_role' } },
    ]);
    expect(await appointmentRow()).toEqual(before);
    expect((await sessions())[0]).toMatchObject({ ended_at: null, end_reason: null });
    // Both are still in the room: nobody was told the call ended, and relaying still works.
    await settle(d, p);
    expect(
      [...d.received, ...p.received].filter((m) => m.type === 'call-status' && m.call.status === 'ended'),
    ).toEqual([]);
    await p.call({ type: 'offer', sdp: SDP });
    expect((await d.next('offer')).from.role).toBe('patient');
    // The doctor still can.
    expect((await doctor.request('POST', path('end'), {})).status).toBe(200);
    expect((await sessions())[0]).toMatchObject({ end_reason: 'hung_up', ended_by: world.doctor.id });
  });

  it('S11 a patient who came by link (call cookie only) cannot end the call either', async () => {
    const { links } = await start();
    const guest = new Agent(server);
    const token = links.patient.url.split('#token=')[1] ?? '';
    expect(
      (await guest.request('POST', '/api/call-links/exchange', { token, displayName: 'Pat' })).status,
    ).toBe(200);
    const { d, p } = await inCall(guest);
    const r = await guest.request('POST', path('end'), {});
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: { code: 'wrong_role' } });
    expect(await refusals(world.patient.id)).toEqual([
      { action: 'call.end', appointment_id: id(), detail: { code: 'wrong_role' } },
    ]);
    expect((await appointmentRow())?.video_call_status).toBe('in_progress');
    await settle(d, p);
    expect(p.received.some((m) => m.type === 'call-status' && m.call.status === 'ended')).toBe(false);
  });

  it('S15 a patient who leaves comes back into the same call: still in progress, its clock not reset', async () => {
    const { call: started } = await start();
    await patient.request('POST', path('join'), {});
    const { d, p, call } = await inCall(patient);
    const cookie = patient.callCookie;
    clock.advance(2 * MINUTE);
    await p.call({ type: 'leave' });
    expect((await d.next('peer-left')).peer.role).toBe('patient');
    expect((await appointmentRow())?.video_call_status).toBe('in_progress');
    expect(await callEntry(patient)).toMatchObject({ joinedRoomId: started.roomId });

    // Back with the same call cookie (not asking for a new one) on a new socket, as a reloaded page does.
    p.close();
    clock.advance(MINUTE);
    const again = await setup.socket(patient);
    expect(patient.callCookie).toBe(cookie);
    const joined = await join(again);
    expect(joined).toMatchObject({ type: 'ack' });
    expect((await d.next('peer-joined')).peer.role).toBe('patient');
    const status = (await patient.request('GET', path('status'))).body as { call: CallStatusView };
    expect(status.call).toMatchObject({
      status: 'in_progress',
      roomId: started.roomId,
      connectedAt: call.connectedAt,
    });
    const [only, ...more] = await sessions();
    expect(more).toEqual([]);
    expect(only).toMatchObject({ room_id: started.roomId, connected_at: call.connectedAt, ended_at: null });
    // The patient's join from the appointment page (its Rejoin) also goes into this call.
    const rejoin = await patient.request('POST', path('join'), {});
    expect((rejoin.body as { call: CallStatusView }).call).toMatchObject({
      roomId: started.roomId,
      connectedAt: call.connectedAt,
    });
  });

  it('S15 a link guest who leaves keeps its call cookie and comes back with it', async () => {
    const { links, call: started } = await start();
    const guest = new Agent(server);
    const token = links.patient.url.split('#token=')[1] ?? '';
    await guest.request('POST', '/api/call-links/exchange', { token, displayName: 'Pat' });
    const { d, p } = await inCall(guest);
    await p.call({ type: 'leave' });
    await d.next('peer-left');
    p.close();
    const context = await guest.request('GET', `/api/call/context?appointmentId=${id()}`);
    expect(context.status).toBe(200);
    expect(context.body).toMatchObject({
      hasGrant: true,
      call: { status: 'in_progress', roomId: started.roomId },
    });
    const again = await setup.socket(guest);
    expect(await join(again)).toMatchObject({ type: 'ack' });
    expect((await d.next('peer-joined')).peer.role).toBe('patient');
  });

  it('S24 a call both parties left is ended by the sweeper as timed_out, not before', async () => {
    await start();
    await patient.request('POST', path('join'), {});
    const { d, p } = await inCall(patient);
    await d.call({ type: 'subscribe', appointmentId: id() });
    await p.call({ type: 'leave' });
    await d.call({ type: 'leave' });
    const leftAt = clock.now();
    clock.set(leftAt + 10 * MINUTE - 1);
    await server.ctx.sweeper.runOnce();
    expect((await appointmentRow())?.video_call_status).toBe('in_progress');
    clock.set(leftAt + 10 * MINUTE);
    await server.ctx.sweeper.runOnce();
    const ended = await d.next('call-status', (m) => m.call.status === 'ended');
    expect(ended.call.endReason).toBe('timed_out');
    expect((await sessions())[0]).toMatchObject({ end_reason: 'timed_out', ended_by: null });
  });

  it('the appointment tells each party when check-in opens and whether it has been in the active call', async () => {
    const opensAt = world.appointment.scheduled_at - 15 * MINUTE;
    expect(await callEntry(patient)).toEqual({ checkInOpensAt: opensAt, joinedRoomId: null });
    expect(await callEntry(admin)).toBeNull();
    const { call } = await start();
    await patient.request('POST', path('join'), {});
    expect(await callEntry(patient)).toEqual({ checkInOpensAt: opensAt, joinedRoomId: null });
    await inCall(patient);
    expect(await callEntry(patient)).toEqual({ checkInOpensAt: opensAt, joinedRoomId: call.roomId });
    expect(await callEntry(doctor)).toEqual({ checkInOpensAt: opensAt, joinedRoomId: call.roomId });
    expect((await doctor.request('POST', path('end'), {})).status).toBe(200);
    expect(await callEntry(patient)).toEqual({ checkInOpensAt: opensAt, joinedRoomId: null });
    // A new call of the appointment: nobody has been in it yet.
    await start();
    expect(await callEntry(patient)).toEqual({ checkInOpensAt: opensAt, joinedRoomId: null });
  });
});
