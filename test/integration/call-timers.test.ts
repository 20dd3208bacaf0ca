import { describe, expect, it } from 'vitest';
import type { CallStatusView, ServerMessage } from '../../src/protocol/messages.js';
import { decodePresence, encodePresence, presenceKeys } from '../../src/server/realtime/presence.js';
import { FakeClock } from '../support/clock.js';
import type { World } from '../support/fixtures.js';
import { Agent, type SocketClient, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const MINUTE = 60_000;
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(testDatabases())('call timers and the sweeper on $name', (database) => {
  // Presence is refreshed often, so that a clock moved by minutes does not leave it stale (S21).
  const setup = useWorld({ database, hubLimits: { presenceRefreshMs: 20 } });
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  let doctor: Agent;
  let patient: Agent;
  let roomId: string;

  const ctx = () => setup.server.ctx;
  const boot = async (env: Record<string, string> = {}) => {
    clock = new FakeClock();
    ({ server, world } = await setup.open({ clock, env }));
    ({ doctor, patient } = await setup.signInAll('doctor', 'patient'));
  };
  const socket = (agent: Agent) => setup.socket(agent);
  const callPath = (suffix: string) => `/api/appointments/${world.appointment.id}/call/${suffix}`;
  const start = async () => {
    const r = await doctor.request('POST', callPath('start'), {});
    expect(r.status).toBe(200);
    roomId = (r.body as { call: CallStatusView }).call.roomId ?? '';
  };
  const join = (s: SocketClient) => s.call({ type: 'join', appointmentId: world.appointment.id });
  /** Both parties in the room, the call in_progress. */
  const inCall = async (alreadyStarted = false) => {
    if (!alreadyStarted) await start();
    await patient.request('POST', callPath('join'), {});
    const d = await socket(doctor);
    await join(d);
    const p = await socket(patient);
    await join(p);
    const status = await p.next('call-status', (m) => m.call.status === 'in_progress');
    await d.next('call-status', (m) => m.call.status === 'in_progress');
    return { d, p, call: status.call };
  };
  /** Moves the clock and waits until the hub has refreshed every presence entry at the new time. */
  const advanceTo = async (t: number) => {
    clock.set(t);
    const key = presenceKeys.room(roomId);
    await waitFor(
      async () =>
        Object.values(await ctx().bus.members(key)).every((raw) => decodePresence(raw)?.beat === clock.now()),
      'presence refreshed',
    );
  };
  /** After a round trip, everything the server sent before it has arrived. */
  const settle = async (...ss: SocketClient[]) => {
    for (const s of ss) expect(await s.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
  };
  const count = (s: SocketClient, type: ServerMessage['type']) =>
    s.received.filter((m) => m.type === type).length;
  const session = async () => (await ctx().store.callSessions.listForAppointment(world.appointment.id))[0];

  it('S19 endsAt is connectedAt plus VIDEO_CALL_MAX_DURATION_MINUTES, and null until connected', async () => {
    await boot();
    await start();
    const waiting = await doctor.request('GET', callPath('status'));
    expect((waiting.body as { call: CallStatusView }).call).toMatchObject({
      connectedAt: null,
      endsAt: null,
    });
    clock.advance(30_000);
    const { call } = await inCall(true);
    expect(call.connectedAt).toBe(clock.now());
    expect(call.endsAt).toBe(clock.now() + 60 * MINUTE);
    const r = await patient.request('GET', callPath('status'));
    expect((r.body as { call: CallStatusView }).call).toMatchObject({
      connectedAt: call.connectedAt,
      endsAt: call.endsAt,
    });
  });

  it('S19 both parties are warned exactly once, 5 minutes before the maximum duration', async () => {
    await boot();
    const { d, p, call } = await inCall();
    const endsAt = call.endsAt ?? 0;
    await advanceTo(endsAt - 5 * MINUTE - 1);
    await ctx().sweeper.runOnce();
    await settle(d, p);
    expect([count(d, 'call-warning'), count(p, 'call-warning')]).toEqual([0, 0]);

    await advanceTo(endsAt - 5 * MINUTE);
    await ctx().sweeper.runOnce();
    await ctx().sweeper.runOnce();
    await Promise.all([ctx().sweeper.runOnce(), ctx().sweeper.runOnce()]);
    for (const s of [d, p]) {
      expect(await s.next('call-warning')).toEqual({
        type: 'call-warning',
        appointmentId: world.appointment.id,
        reason: 'max_duration',
        endsAt,
        seq: expect.any(Number),
      });
    }
    await settle(d, p);
    expect([count(d, 'call-warning'), count(p, 'call-warning')]).toEqual([0, 0]);
    expect((await session())?.warned_at).toBe(endsAt - 5 * MINUTE);
    expect((await ctx().store.appointments.get(world.appointment.id))?.video_call_status).toBe('in_progress');
  });

  it('S19 a call shorter than the warning period is warned at once', async () => {
    await boot({ VIDEO_CALL_MAX_DURATION_MINUTES: '3' });
    const { d, p, call } = await inCall();
    expect(call.endsAt).toBe((call.connectedAt ?? 0) + 3 * MINUTE);
    await ctx().sweeper.runOnce();
    for (const s of [d, p]) expect((await s.next('call-warning')).endsAt).toBe(call.endsAt);
  });

  it('S19 the server ends the call at the maximum duration with reason max_duration', async () => {
    await boot();
    const admin = await Agent.signIn(server as TestServer, 'admin@a.test');
    const a = await socket(admin);
    await a.call({ type: 'subscribe', appointmentId: world.appointment.id });
    const { d, p, call } = await inCall();
    const endsAt = call.endsAt ?? 0;
    await advanceTo(endsAt - 1);
    await ctx().sweeper.runOnce();
    expect((await ctx().store.appointments.get(world.appointment.id))?.video_call_status).toBe('in_progress');
    await advanceTo(endsAt);
    await ctx().sweeper.runOnce();
    for (const s of [d, p, a]) {
      const ended = await s.next('call-status', (m) => m.call.status === 'ended');
      expect(ended.call).toMatchObject({ endReason: 'max_duration', durationSeconds: 3600, endsAt: null });
    }
    expect(await session()).toMatchObject({
      end_reason: 'max_duration',
      ended_by: null,
      duration_seconds: 3600,
    });
    expect(await ctx().store.appointments.get(world.appointment.id)).toMatchObject({
      video_call_status: 'ended',
      call_duration_seconds: 3600,
      video_call_ended_at: endsAt,
    });
    // S23: nothing goes through the room after the end.
    expect(await d.call({ type: 'offer', sdp: SDP })).toMatchObject({ code: 'not_in_room' });
    expect(await join(p)).toMatchObject({ code: 'call_not_active' });
    await ctx().sweeper.runOnce();
    await settle(d, p);
    expect(count(d, 'call-status') + count(p, 'call-status')).toBe(0);
  });

  it("S19 a hospital's shorter maximum (its policy) is the next call's: the server ends it at that length", async () => {
    await boot();
    const admin = await Agent.signIn(server as TestServer, 'admin@a.test');
    const policy = await admin.request('PUT', `/api/hospitals/${world.hospitalA}/policy`, {
      maxCallMinutes: 20,
    });
    expect(policy.status).toBe(200);
    const { d, p, call } = await inCall();
    expect(call.endsAt).toBe((call.connectedAt ?? 0) + 20 * MINUTE);
    const endsAt = call.endsAt ?? 0;
    await advanceTo(endsAt - 1);
    await ctx().sweeper.runOnce();
    expect((await ctx().store.appointments.get(world.appointment.id))?.video_call_status).toBe('in_progress');
    await advanceTo(endsAt);
    await ctx().sweeper.runOnce();
    for (const s of [d, p]) {
      const ended = await s.next('call-status', (m) => m.call.status === 'ended');
      expect(ended.call).toMatchObject({ endReason: 'max_duration', durationSeconds: 20 * 60 });
    }
  });

  it('S24 an active call whose room stays empty for VIDEO_CALL_IDLE_TIMEOUT_MINUTES ends as timed_out', async () => {
    await boot();
    await start();
    const d = await socket(doctor);
    await d.call({ type: 'subscribe', appointmentId: world.appointment.id });
    await join(d);
    clock.advance(3 * MINUTE);
    await d.call({ type: 'leave' });
    const leftAt = clock.now();
    clock.set(leftAt + 10 * MINUTE - 1);
    await ctx().sweeper.runOnce();
    expect((await ctx().store.appointments.get(world.appointment.id))?.video_call_status).toBe('waiting');
    clock.set(leftAt + 10 * MINUTE);
    await ctx().sweeper.runOnce();
    const ended = await d.next('call-status', (m) => m.call.status === 'ended');
    expect(ended.call.endReason).toBe('timed_out');
    expect(await session()).toMatchObject({ end_reason: 'timed_out', ended_by: null });
  });

  it('S24 a call with someone in its room is not abandoned, however long it waits', async () => {
    await boot();
    await start();
    const d = await socket(doctor);
    await join(d);
    await advanceTo(clock.now() + 30 * MINUTE);
    await ctx().sweeper.runOnce();
    expect((await ctx().store.appointments.get(world.appointment.id))?.video_call_status).toBe('waiting');
    await settle(d);
    expect(d.received.filter((m) => m.type === 'peer-left' || m.type === 'call-status')).toEqual([]);
  });

  it('S21 a presence entry not refreshed for 30 s is released by the sweeper and the other party told', async () => {
    await boot();
    await start();
    const d = await socket(doctor);
    await join(d);
    await d.next('joined');
    const key = presenceKeys.room(roomId);
    const ghost = { userId: world.patient.id, role: 'patient' as const, displayName: 'Patient A' };
    const write = (beat: number) =>
      ctx().bus.claim(
        key,
        'patient',
        encodePresence({ connectionId: 'gone', nodeId: 'dead', peer: ghost, beat }),
      );

    await write(clock.now() - 29_999);
    await ctx().sweeper.runOnce();
    await settle(d);
    expect(count(d, 'peer-left')).toBe(0);

    await write(clock.now() - 30_000);
    await ctx().sweeper.runOnce();
    expect((await d.next('peer-left')).peer).toEqual(ghost);
    expect(Object.keys(await ctx().bus.members(key))).toEqual(['doctor']);
    await ctx().sweeper.runOnce();
    await settle(d);
    expect(count(d, 'peer-left')).toBe(0);
  });

  it('S23 after a hang-up relayed messages get not_in_room and join gets call_not_active', async () => {
    await boot();
    const { d, p } = await inCall();
    expect((await doctor.request('POST', callPath('end'), {})).status).toBe(200);
    for (const s of [d, p]) {
      expect((await s.next('call-status', (m) => m.call.status === 'ended')).call.endReason).toBe('hung_up');
    }
    expect(await d.call({ type: 'offer', sdp: SDP })).toMatchObject({ code: 'not_in_room' });
    expect(await p.call({ type: 'ice-candidate', candidate: null })).toMatchObject({ code: 'not_in_room' });
    expect(await p.call({ type: 'media-state', audioMuted: true, videoOff: false })).toMatchObject({
      code: 'not_in_room',
    });
    expect(await join(d)).toMatchObject({ code: 'call_not_active' });
    expect(await join(p)).toMatchObject({ code: 'call_not_active' });
    expect(Object.keys(await ctx().bus.members(presenceKeys.room(roomId)))).toEqual([]);
  });
});
