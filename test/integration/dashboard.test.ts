import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CallStartInfo } from '../../src/protocol/api.js';
import type { DashboardSnapshot } from '../../src/protocol/dashboard.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RedisBus } from '../../src/server/bus/redis-bus.js';
import { FakeClock } from '../support/clock.js';
import { EMAIL, type Person, seedWorld, type World } from '../support/fixtures.js';
import { Agent, type SocketClient, startServer, type TestServer } from '../support/server.js';
import { redisUrl, serviceAvailable, sqliteInMemory, testDatabases } from '../support/suites.js';
import { type TestWorld, useWorld } from '../support/world.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** What of `messages` is about one of these appointments (call status, waiting room). */
const about = (messages: ServerMessage[], appointmentIds: string[]) =>
  messages.filter(
    (m) =>
      (m.type === 'call-status' && appointmentIds.includes(m.call.appointmentId)) ||
      (m.type === 'lobby' && appointmentIds.includes(m.lobby.appointmentId)),
  );

/** A round trip on the socket: everything published before it has been delivered to it. */
const settle = async (s: SocketClient) =>
  expect(await s.call({ type: 'ping' })).toMatchObject({ type: 'pong' });

async function linkGuest(server: TestServer, doctor: Agent, appointmentId: string): Promise<Agent> {
  const started = await doctor.request('POST', `/api/appointments/${appointmentId}/call/start`, {});
  expect(started.status).toBe(200);
  const url = (started.body as CallStartInfo).links.patient.url;
  const guest = new Agent(server);
  const token = new URL(url).hash.replace('#token=', '');
  expect(
    (await guest.request('POST', '/api/call-links/exchange', { token, displayName: 'Pat' })).status,
  ).toBe(200);
  return guest;
}

/** Starts the call (doctor), lets both parties into the room: the call is in progress. */
async function connectCall(
  setup: TestWorld,
  agents: { doctor: Agent; patient: Agent },
  appointmentId: string,
): Promise<void> {
  const path = (s: string) => `/api/appointments/${appointmentId}/call/${s}`;
  expect((await agents.doctor.request('POST', path('start'), {})).status).toBe(200);
  expect((await agents.patient.request('POST', path('join'), {})).status).toBe(200);
  for (const who of [agents.doctor, agents.patient]) {
    const s = await setup.socket(who);
    expect(await s.call({ type: 'join', appointmentId })).toMatchObject({ type: 'ack' });
  }
}

describe.each(testDatabases())('S28 hospital dashboard on $name', (database) => {
  const setup = useWorld({ database });

  const open = async () => {
    const clock = new FakeClock(Date.parse('2026-12-04T10:00:00Z'));
    const { server, world } = await setup.open({ clock });
    const agents = await setup.signInAll(
      'doctor',
      'patient',
      'admin',
      'otherDoctor',
      'otherPatient',
      'otherAdmin',
    );
    const dashboardPath = (hospitalId = world.hospitalA, query = `day=${dayOf(clock.now())}`) =>
      `/api/hospitals/${hospitalId}/dashboard?${query}`;
    return { clock, server, world, agents, dashboardPath };
  };

  const subscribeHospital = (s: SocketClient, hospitalId: string) =>
    s.call({ type: 'subscribe-hospital', hospitalId });

  it('S28 the hospital subscription is refused for the doctor, the patient, a link guest and the admin of another hospital; each refusal is audited', async () => {
    const { server, world, agents } = await open();
    const guest = await linkGuest(server, agents.doctor, world.appointment.id);
    const refused: [string, Agent, string][] = [
      ['doctor', agents.doctor, world.doctor.id],
      ['patient', agents.patient, world.patient.id],
      ['link guest', guest, world.patient.id],
      ['other admin', agents.otherAdmin, world.otherAdmin.id],
      ['other doctor', agents.otherDoctor, world.otherDoctor.id],
    ];
    for (const [who, agent, userId] of refused) {
      const s = await setup.socket(agent);
      expect({ who, reply: await subscribeHospital(s, world.hospitalA) }).toMatchObject({
        who,
        reply: { type: 'error', code: 'forbidden' },
      });
      // The connection's messages run in order: once the ping is answered, the refusal is recorded.
      await settle(s);
      const denied = (await server.ctx.store.audit.list({ actorId: userId })).filter(
        (e) => e.action === 'ws.subscribe-hospital' && e.outcome === 'denied',
      );
      expect(denied.length, who).toBeGreaterThan(0);
      expect(JSON.parse(denied.at(-1)?.detail ?? '{}')).toEqual({
        code: 'forbidden',
        hospitalId: world.hospitalA,
      });
    }
    // A hospital that does not exist is refused alike: the answer tells nothing.
    const own = await setup.socket(agents.admin);
    expect(await subscribeHospital(own, randomUUID())).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await subscribeHospital(own, world.hospitalA)).toMatchObject({ type: 'ack' });
    // A malformed one changes nothing and says what is wrong.
    expect(await own.call({ type: 'subscribe-hospital' })).toMatchObject({ code: 'validation_failed' });
    expect(
      await own.call({ type: 'subscribe-hospital', hospitalId: world.hospitalA, extra: 1 }),
    ).toMatchObject({
      code: 'validation_failed',
    });
  });

  it("S28 the admin's dashboard hears check-in, the call starting, connecting and ending, and booking changes; nothing of another hospital", async () => {
    const { clock, world, agents } = await open();
    const admin = await setup.socket(agents.admin);
    const otherAdmin = await setup.socket(agents.otherAdmin);
    expect(await subscribeHospital(admin, world.hospitalA)).toMatchObject({ type: 'ack' });
    expect(await subscribeHospital(otherAdmin, world.hospitalB)).toMatchObject({ type: 'ack' });
    const id = world.appointment.id;

    const patient = await setup.socket(agents.patient);
    expect(await patient.call({ type: 'check-in', appointmentId: id })).toMatchObject({ type: 'ack' });
    expect((await admin.next('lobby')).lobby).toEqual({
      appointmentId: id,
      patientWaiting: true,
      checkedInAt: clock.now(),
    });

    await connectCall(setup, agents, id);
    expect((await admin.next('call-status', (m) => m.call.status === 'waiting')).call.appointmentId).toBe(id);
    const inProgress = await admin.next('call-status', (m) => m.call.status === 'in_progress');
    expect(inProgress.call.connectedAt).toBe(clock.now());
    // Once in the room, the patient waits no more.
    await admin.next('lobby', (m) => !m.lobby.patientWaiting);

    clock.advance(95_000);
    expect((await agents.doctor.request('POST', `/api/appointments/${id}/call/end`, {})).status).toBe(200);
    const ended = await admin.next('call-status', (m) => m.call.status === 'ended');
    expect(ended.call).toMatchObject({ appointmentId: id, durationSeconds: 95, endReason: 'hung_up' });
    // The admin's socket is in no room: the call's room messages never reach it.
    expect(admin.received.some((m) => 'seq' in m && m.seq !== undefined)).toBe(false);

    // Booking changes: a new appointment, a move, a cancellation.
    const created = await agents.admin.request('POST', `/api/hospitals/${world.hospitalA}/appointments`, {
      doctorId: world.doctor.id,
      patientId: world.patient.id,
      scheduledAt: clock.now() + 60 * MINUTE,
      lengthMinutes: 20,
    });
    expect(created.status).toBe(201);
    expect(await admin.next('appointments-changed')).toEqual({
      type: 'appointments-changed',
      hospitalId: world.hospitalA,
    });
    const newId = (created.body as { appointment: { id: string } }).appointment.id;
    expect(
      (
        await agents.admin.request('POST', `/api/appointments/${newId}/reschedule`, {
          scheduledAt: clock.now() + 90 * MINUTE,
        })
      ).status,
    ).toBe(200);
    await admin.next('appointments-changed');
    expect((await agents.admin.request('POST', `/api/appointments/${newId}/cancel`, {})).status).toBe(200);
    await admin.next('appointments-changed');

    // Hospital B's admin heard none of it; hospital B's check-in reaches B's admin only.
    const otherPatient = await setup.socket(agents.otherPatient);
    expect(
      await otherPatient.call({ type: 'check-in', appointmentId: world.otherAppointment.id }),
    ).toMatchObject({ type: 'ack' });
    expect((await otherAdmin.next('lobby')).lobby.appointmentId).toBe(world.otherAppointment.id);
    await settle(admin);
    await settle(otherAdmin);
    expect(about(admin.received, [world.otherAppointment.id])).toEqual([]);
    expect(about(otherAdmin.received, [id, newId])).toEqual([]);
    expect(otherAdmin.received.filter((m) => m.type === 'appointments-changed')).toEqual([]);

    // After unsubscribing, nothing more arrives.
    expect(await admin.call({ type: 'unsubscribe-hospital', hospitalId: world.hospitalA })).toMatchObject({
      type: 'ack',
    });
    admin.received.length = 0;
    expect((await agents.doctor.request('POST', `/api/appointments/${id}/call/start`, {})).status).toBe(200);
    await settle(admin);
    expect(about(admin.received, [id])).toEqual([]);
  });

  it("S28 the dashboard route gives the day's appointments with call, waiting room and whether a call ever connected", async () => {
    const { clock, server, world, agents, dashboardPath } = await open();
    const store = server.ctx.store;
    const base = { hospitalId: world.hospitalA, doctorId: world.doctor.id, patientId: world.patient.id };
    const tomorrow = await store.appointments.create({ ...base, scheduledAt: clock.now() + DAY, reason: '' });
    const yesterday = await store.appointments.create({
      ...base,
      scheduledAt: clock.now() - DAY,
      reason: '',
    });
    const later = await store.appointments.create({
      ...base,
      scheduledAt: clock.now() + 3 * 60 * MINUTE,
      reason: '',
      lengthMinutes: 15,
    });
    // Yesterday's call started today: a call under way is on the dashboard whatever its day.
    expect(
      (await agents.doctor.request('POST', `/api/appointments/${yesterday.id}/call/start`, {})).status,
    ).toBe(200);
    const patient = await setup.socket(agents.patient);
    expect(await patient.call({ type: 'check-in', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });

    const r = await agents.admin.request('GET', dashboardPath());
    expect(r.status).toBe(200);
    const snapshot = r.body as DashboardSnapshot;
    expect(snapshot).toMatchObject({
      hospitalId: world.hospitalA,
      from: Date.parse(`${dayOf(clock.now())}T00:00:00Z`),
      to: Date.parse(`${dayOf(clock.now())}T00:00:00Z`) + DAY,
      now: clock.now(),
    });
    expect(snapshot.rows.map((row) => row.appointmentId)).toEqual([
      yesterday.id,
      world.appointment.id,
      later.id,
    ]);
    expect(snapshot.rows.map((row) => row.appointmentId)).not.toContain(tomorrow.id);
    const [started, waiting, upcoming] = snapshot.rows;
    expect(started?.call).toMatchObject({ status: 'waiting', connectedAt: null });
    expect(waiting).toMatchObject({
      doctor: { id: world.doctor.id, displayName: 'Dr. A' },
      patient: { id: world.patient.id, displayName: 'Patient A' },
      cancelledAt: null,
      connected: false,
      call: { status: 'not_started' },
      lobby: { appointmentId: world.appointment.id, patientWaiting: true, checkedInAt: clock.now() },
    });
    expect(upcoming).toMatchObject({
      lengthMinutes: 15,
      lobby: { patientWaiting: false, checkedInAt: null },
    });

    // A connected call is remembered after it ended (no no-show).
    await connectCall(setup, agents, world.appointment.id);
    clock.advance(60_000);
    await agents.doctor.request('POST', `/api/appointments/${world.appointment.id}/call/end`, {});
    const after = (await agents.admin.request('GET', dashboardPath())).body as DashboardSnapshot;
    expect(after.rows.find((row) => row.appointmentId === world.appointment.id)).toMatchObject({
      connected: true,
      call: { status: 'ended', durationSeconds: 60 },
    });

    // The day is the browser's: two hours east of UTC, the day starts two hours earlier.
    const east = (
      await agents.admin.request(
        'GET',
        dashboardPath(world.hospitalA, `day=${dayOf(clock.now())}&tzOffsetMinutes=120`),
      )
    ).body as DashboardSnapshot;
    expect(east.from).toBe(snapshot.from - 120 * MINUTE);
  });

  it("the site's root leads a hospital admin to the day at a glance, and everyone else to their appointments", async () => {
    const { server, agents } = await open();
    const home = async (agent: Agent) => {
      const r = await agent.request('GET', '/');
      return [r.status, r.headers.get('location')];
    };
    expect(await home(agents.admin)).toEqual([302, '/dashboard']);
    expect(await home(agents.doctor)).toEqual([302, '/appointments']);
    expect(await home(agents.patient)).toEqual([302, '/appointments']);
    expect(await home(new Agent(server))).toEqual([302, '/login']);
  });

  it('S28 the dashboard route: other roles and other hospitals get 403 (audited), no session 401, a bad query 400', async () => {
    const { server, world, agents, dashboardPath } = await open();
    const refused: Person[] = ['doctor', 'patient', 'otherAdmin', 'otherDoctor', 'otherPatient'];
    for (const who of refused) {
      const r = await agents[who].request('GET', dashboardPath());
      expect({ who, status: r.status, body: r.body }).toMatchObject({
        who,
        status: 403,
        body: { error: { code: 'forbidden' } },
      });
    }
    const audited = await server.ctx.store.audit.list({ actorId: world.otherAdmin.id });
    expect(audited.some((e) => e.action === 'dashboard.read' && e.outcome === 'denied')).toBe(true);
    expect((await new Agent(server).request('GET', dashboardPath())).status).toBe(401);
    // Hospital B's admin sees B's day and nothing of A's.
    const b = (await agents.otherAdmin.request('GET', dashboardPath(world.hospitalB)))
      .body as DashboardSnapshot;
    expect(b.rows.map((row) => row.appointmentId)).toEqual([world.otherAppointment.id]);
    for (const query of [
      '',
      'day=2026-13-01',
      'day=tomorrow',
      `day=2026-12-04&tzOffsetMinutes=900`,
      'day=2026-12-04&tzOffsetMinutes=east',
      'day=2026-12-04&extra=1',
    ]) {
      const r = await agents.admin.request('GET', dashboardPath(world.hospitalA, query));
      expect({ query, status: r.status, code: (r.body as { error: { code: string } }).error.code }).toEqual({
        query,
        status: 400,
        code: 'validation_failed',
      });
    }
  });
});

describe.runIf(serviceAvailable('redis'))('S28 the hospital channel crosses nodes (Redis)', () => {
  const setup = useWorld();

  it("S28 a check-in and a call on node B reach the admin's dashboard on node A, and nothing of hospital B does", async () => {
    const db = setup.track(await sqliteInMemory.open());
    const nodes: TestServer[] = [];
    const prefix = `carecall-test-${randomUUID()}:`;
    for (const _ of [1, 2]) {
      const bus = setup.track(new RedisBus(redisUrl() as string, () => {}, prefix));
      nodes.push(setup.track(await startServer(db, { bus })));
    }
    const [a, b] = nodes as [TestServer, TestServer];
    const world: World = await seedWorld(a.ctx.store);
    const signIn = (node: TestServer, who: Person) => Agent.signIn(node, EMAIL[who]);
    const socketOf = async (agent: Agent) => {
      const s = setup.track(await agent.socket());
      await s.next('welcome');
      return s;
    };
    const admin = await socketOf(await signIn(a, 'admin'));
    const otherAdmin = await socketOf(await signIn(a, 'otherAdmin'));
    expect(await admin.call({ type: 'subscribe-hospital', hospitalId: world.hospitalA })).toMatchObject({
      type: 'ack',
    });
    expect(await otherAdmin.call({ type: 'subscribe-hospital', hospitalId: world.hospitalB })).toMatchObject({
      type: 'ack',
    });

    const patientOnB = await signIn(b, 'patient');
    const patient = await socketOf(patientOnB);
    expect(await patient.call({ type: 'check-in', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
    expect((await admin.next('lobby', (m) => m.lobby.patientWaiting)).lobby.appointmentId).toBe(
      world.appointment.id,
    );
    const doctorOnB = await signIn(b, 'doctor');
    const path = `/api/appointments/${world.appointment.id}/call`;
    expect((await doctorOnB.request('POST', `${path}/start`, {})).status).toBe(200);
    await admin.next('call-status', (m) => m.call.status === 'waiting');
    expect((await doctorOnB.request('POST', `${path}/end`, {})).status).toBe(200);
    await admin.next('call-status', (m) => m.call.status === 'ended');

    const otherPatient = await socketOf(await signIn(b, 'otherPatient'));
    expect(
      await otherPatient.call({ type: 'check-in', appointmentId: world.otherAppointment.id }),
    ).toMatchObject({ type: 'ack' });
    await otherAdmin.next('lobby', (m) => m.lobby.appointmentId === world.otherAppointment.id);
    await settle(admin);
    await settle(otherAdmin);
    expect(about(admin.received, [world.otherAppointment.id])).toEqual([]);
    expect(about(otherAdmin.received, [world.appointment.id])).toEqual([]);
  });
});
