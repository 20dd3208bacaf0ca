import { beforeEach, describe, expect, it } from 'vitest';
import type { AppointmentDetail, CallContext } from '../../src/protocol/api.js';
import type { PolicyView } from '../../src/server/policy/policy-service.js';
import { FakeClock } from '../support/clock.js';
import type { World } from '../support/fixtures.js';
import { Agent, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const MINUTE = 60_000;
type Who = 'doctor' | 'patient' | 'admin' | 'otherDoctor' | 'otherPatient' | 'otherAdmin' | 'anonymous';
const EVERYONE: Who[] = [
  'doctor',
  'patient',
  'admin',
  'otherDoctor',
  'otherPatient',
  'otherAdmin',
  'anonymous',
];

describe.each(testDatabases())('hospital policy on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  const agents = {} as Record<Who, Agent>;
  const path = () => `/api/hospitals/${world.hospitalA}/policy`;

  beforeEach(async () => {
    clock = new FakeClock();
    ({ server, world } = await setup.open({ database, clock }));
    for (const who of EVERYONE)
      agents[who] = who === 'anonymous' ? new Agent(server) : await setup.signIn(who);
  });

  const policyOf = async () => (await agents.admin.request('GET', path())).body as PolicyView;

  it('starts from the environment and shows which values are defaults', async () => {
    const view = await policyOf();
    expect(view.policy).toEqual({
      recordingAllowed: false,
      patientsSeeRecordings: false,
      retentionDays: 90,
      checkInMinutes: 15,
      maxCallMinutes: 60,
      idleTimeoutMinutes: 10,
      adminsReadChat: false,
      recordingOnWithdraw: 'discard',
    });
    expect(Object.values(view.overrides).every((v) => v === null)).toBe(true);
  });

  it("the hospital's admin changes it; the change is audited with old and new values; null is the default again", async () => {
    const r = await agents.admin.request('PUT', path(), { maxCallMinutes: 30, recordingAllowed: true });
    expect(r.status).toBe(200);
    expect((r.body as PolicyView).policy).toMatchObject({ maxCallMinutes: 30, recordingAllowed: true });
    const events = (await server.ctx.store.audit.list({ actorId: world.admin.id })).filter(
      (e) => e.action === 'policy.update',
    );
    expect(JSON.parse(events[0]?.detail ?? '{}')).toEqual({
      hospitalId: world.hospitalA,
      'maxCallMinutes.old': 60,
      'maxCallMinutes.new': 30,
      'recordingAllowed.old': false,
      'recordingAllowed.new': true,
    });
    const back = await agents.admin.request('PUT', path(), { maxCallMinutes: null });
    expect((back.body as PolicyView).policy).toMatchObject({ maxCallMinutes: 60, recordingAllowed: true });
    expect((back.body as PolicyView).overrides.maxCallMinutes).toBeNull();
  });

  it('every other role, and the admin of another hospital, is refused on GET and PUT; nothing changes', async () => {
    for (const who of EVERYONE.filter((w) => w !== 'admin')) {
      for (const method of ['GET', 'PUT'] as const) {
        const r = await agents[who].request(
          method,
          path(),
          method === 'PUT' ? { maxCallMinutes: 20 } : undefined,
        );
        expect({ who, method, status: r.status }).toEqual({
          who,
          method,
          status: who === 'anonymous' ? 401 : 403,
        });
      }
    }
    expect(await server.ctx.store.policies.find(world.hospitalA)).toBeUndefined();
    const denied = (await server.ctx.store.audit.list({ actorId: world.otherAdmin.id })).filter(
      (e) => e.outcome === 'denied',
    );
    expect(denied.map((e) => e.action)).toEqual(['policy.read', 'policy.update']);
    // Their own hospital is theirs.
    expect((await agents.otherAdmin.request('GET', `/api/hospitals/${world.hospitalB}/policy`)).status).toBe(
      200,
    );
  });

  it('refuses malformed changes with 400 and changes nothing', async () => {
    for (const body of [
      { maxCallMinutes: 5 },
      // Above the server's VIDEO_CALL_MAX_DURATION_MINUTES (60), which TURN credentials are sized for.
      { maxCallMinutes: 61 },
      { maxCallMinutes: 100_000 },
      { checkInMinutes: -1 },
      { idleTimeoutMinutes: 1.5 },
      { retentionDays: '30' },
      { recordingAllowed: 'yes' },
      { unknownSetting: true },
      [],
      'null',
    ]) {
      const r = await agents.admin.request('PUT', path(), body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
    }
    // Each refusal names its field, so the policy page can show it there.
    for (const [body, field] of [
      [{ maxCallMinutes: 61 }, 'maxCallMinutes'],
      [{ checkInMinutes: -1 }, 'checkInMinutes'],
      [{ recordingAllowed: 'yes' }, 'recordingAllowed'],
    ] as const) {
      const r = await agents.admin.request('PUT', path(), body);
      expect((r.body as { error: { fields?: Record<string, string> } }).error.fields).toEqual({
        [field]: expect.any(String),
      });
    }
    expect(await server.ctx.store.policies.find(world.hospitalA)).toBeUndefined();
  });

  it('the check-in window, maximum length and recording flag reach the next call; a running call keeps its own', async () => {
    const id = world.appointment.id;
    await agents.admin.request('PUT', path(), {
      checkInMinutes: 5,
      maxCallMinutes: 20,
      recordingAllowed: true,
    });
    const entry = ((await agents.patient.request('GET', `/api/appointments/${id}`)).body as AppointmentDetail)
      .callEntry;
    expect(entry?.checkInOpensAt).toBe(world.appointment.scheduled_at - 5 * MINUTE);
    const context = async () =>
      (await agents.patient.request('GET', `/api/call/context?appointmentId=${id}`)).body as CallContext;
    expect(await context()).toMatchObject({ recordingAllowed: true, maxDurationMinutes: 20 });

    expect((await agents.doctor.request('POST', `/api/appointments/${id}/call/start`, {})).status).toBe(200);
    await agents.admin.request('PUT', path(), { maxCallMinutes: 45, recordingAllowed: false });
    // The running call keeps 20 minutes; the recording flag is the hospital's as it is now.
    expect(await context()).toMatchObject({ recordingAllowed: false, maxDurationMinutes: 20 });
    const [session] = await server.ctx.store.callSessions.listForAppointment(id);
    expect(session).toMatchObject({ max_duration_ms: 20 * MINUTE, idle_timeout_ms: 10 * MINUTE });
  });

  it("an admin reads an appointment's chat only where the policy allows it, audited", async () => {
    const id = world.appointment.id;
    await agents.patient.request('POST', `/api/appointments/${id}/messages`, { clientId: 'k1', body: 'hi' });
    const read = () => agents.admin.request('GET', `/api/appointments/${id}/messages`);
    expect((await read()).status).toBe(403);
    await agents.admin.request('PUT', path(), { adminsReadChat: true });
    const r = await read();
    expect(r.status).toBe(200);
    expect((r.body as { messages: unknown[] }).messages).toHaveLength(1);
    expect((await agents.otherAdmin.request('GET', `/api/appointments/${id}/messages`)).status).toBe(403);
    // Writing stays the parties'.
    expect(
      (await agents.admin.request('POST', `/api/appointments/${id}/messages`, { clientId: 'k2', body: 'x' }))
        .status,
    ).toBe(403);
    const reads = (await server.ctx.store.audit.list({ actorId: world.admin.id })).filter(
      (e) => e.action === 'chat.read',
    );
    expect(reads.map((e) => e.outcome)).toEqual(['denied', 'ok']);
  });

  it('the sweeper ends an empty call at the idle timeout its hospital had when it started', async () => {
    const id = world.appointment.id;
    await agents.admin.request('PUT', path(), { idleTimeoutMinutes: 2 });
    await agents.doctor.request('POST', `/api/appointments/${id}/call/start`, {});
    clock.advance(2 * MINUTE - 1);
    await server.ctx.sweeper.runOnce();
    expect((await server.ctx.store.appointments.getRow(id))?.video_call_status).toBe('waiting');
    clock.advance(1);
    await server.ctx.sweeper.runOnce();
    const [session] = await server.ctx.store.callSessions.listForAppointment(id);
    expect(session?.end_reason).toBe('timed_out');
    // Hospital B's call keeps the server's default (10 minutes).
    const other = await setup.signIn('otherDoctor');
    await other.request('POST', `/api/appointments/${world.otherAppointment.id}/call/start`, {});
    clock.advance(5 * MINUTE);
    await server.ctx.sweeper.runOnce();
    expect((await server.ctx.store.appointments.getRow(world.otherAppointment.id))?.video_call_status).toBe(
      'waiting',
    );
  });

  it("a patient may check in only within the hospital's window", async () => {
    const later = await server.ctx.store.appointments.create({
      hospitalId: world.hospitalA,
      doctorId: world.doctor.id,
      patientId: world.patient.id,
      scheduledAt: clock.now() + 10 * MINUTE,
      reason: 'Later',
    });
    const s = await setup.socket(agents.patient);
    const checkIn = () => s.call({ type: 'check-in', appointmentId: later.id });
    expect(await checkIn()).toMatchObject({ type: 'ack' });
    await agents.admin.request('PUT', path(), { checkInMinutes: 5 });
    const again = await server.ctx.store.appointments.create({
      hospitalId: world.hospitalA,
      doctorId: world.doctor.id,
      patientId: world.patient.id,
      scheduledAt: clock.now() + 10 * MINUTE,
      reason: 'Later again',
    });
    expect(await s.call({ type: 'check-in', appointmentId: again.id })).toMatchObject({
      type: 'error',
      code: 'check_in_not_open',
    });
  });

  it('what a withdrawal does to a recording is a setting of its own, audited like the others', async () => {
    const r = await agents.admin.request('PUT', path(), { recordingOnWithdraw: 'keep' });
    expect(r.status).toBe(200);
    expect((r.body as PolicyView).policy.recordingOnWithdraw).toBe('keep');
    expect((r.body as PolicyView).overrides.recordingOnWithdraw).toBe('keep');
    const events = (await server.ctx.store.audit.list({ actorId: world.admin.id })).filter(
      (e) => e.action === 'policy.update',
    );
    expect(JSON.parse(events[0]?.detail ?? '{}')).toMatchObject({
      'recordingOnWithdraw.old': 'discard',
      'recordingOnWithdraw.new': 'keep',
    });
    const bad = await agents.admin.request('PUT', path(), { recordingOnWithdraw: 'shred' });
    expect(bad.status).toBe(400);
  });
});

describe.each(testDatabases())('hospital policy without a recordings key on $name', (database) => {
  const setup = useWorld({ database, env: { RECORDINGS_KEY: '' } });

  it('recording cannot be allowed: setting it is refused and the effective policy says false', async () => {
    const { world } = await setup.open({ env: { RECORDING_ALLOWED: 'false' } });
    const admin = await setup.signIn('admin');
    const path = `/api/hospitals/${world.hospitalA}/policy`;
    const r = await admin.request('PUT', path, { recordingAllowed: true });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: { code: 'recordings_key_missing' } });
    const view = (await admin.request('GET', path)).body as PolicyView;
    expect(view.policy.recordingAllowed).toBe(false);
    expect(view.overrides.recordingAllowed).toBeNull();
    // Everything else still changes.
    expect((await admin.request('PUT', path, { recordingAllowed: false, checkInMinutes: 5 })).status).toBe(
      200,
    );
  });

  it('a hospital that allowed recording before the key was removed does not record', async () => {
    const { world, server } = await setup.open();
    const admin = await setup.signIn('admin');
    await server.ctx.policy.update(world.admin.id, world.hospitalA, { recordingAllowed: true });
    const view = (await admin.request('GET', `/api/hospitals/${world.hospitalA}/policy`)).body as PolicyView;
    expect(view.overrides.recordingAllowed).toBe(true);
    expect(view.policy.recordingAllowed).toBe(false);
  });
});
