import { beforeEach, describe, expect, it } from 'vitest';
import type { AppointmentList, AppointmentView } from '../../src/protocol/api.js';
import type { UserRow } from '../../src/server/accounts/users-repo.js';
import type { World } from '../support/fixtures.js';
import type { Agent, TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
type ErrorOf = { error: { code: string; message: string; [k: string]: unknown } };
const code = (r: { body: unknown }) => (r.body as ErrorOf).error?.code;
const appointmentOf = (r: { body: unknown }) => (r.body as { appointment: AppointmentView }).appointment;

describe.each(testDatabases())('giving an appointment to another doctor on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  let agents: Record<'admin' | 'otherAdmin' | 'doctor' | 'patient', Agent>;
  let secondDoctor: UserRow;
  /** Tomorrow at 09:00 UTC, the doctor's appointment to give away. */
  let tomorrow: number;
  let id: string;

  beforeEach(async () => {
    ({ server, world } = await setup.open());
    agents = await setup.signInAll('admin', 'otherAdmin', 'doctor', 'patient');
    secondDoctor = await server.ctx.store.users.create({
      email: 'second@a.test',
      role: 'doctor',
      hospitalId: world.hospitalA,
      displayName: 'Dr. Second',
      passwordHash: 'x',
    });
    tomorrow = Math.floor(Date.now() / DAY) * DAY + DAY + 9 * 60 * MINUTE;
    id = (
      await server.ctx.store.appointments.create({
        hospitalId: world.hospitalA,
        doctorId: world.doctor.id,
        patientId: world.patient.id,
        scheduledAt: tomorrow,
        lengthMinutes: 30,
        reason: 'Follow-up',
      })
    ).id;
  });

  const reassign = (body: unknown, who: Agent = agents.admin, appointmentId = id) =>
    who.request('POST', `/api/appointments/${appointmentId}/reassign`, body);
  const row = () => server.ctx.store.appointments.get(id);
  const auditOf = async (appointmentId = id) =>
    (await server.ctx.store.audit.list({ appointmentId })).filter((e) => e.action === 'appointment.reassign');

  it('gives it to another active doctor of the hospital, audited; both doctors and the patient see it', async () => {
    const r = await reassign({ doctorId: secondDoctor.id });
    expect(r.status).toBe(200);
    expect(appointmentOf(r)).toMatchObject({
      id,
      doctor: { id: secondDoctor.id, displayName: 'Dr. Second' },
      scheduledAt: tomorrow,
      lengthMinutes: 30,
    });
    const events = await auditOf();
    expect(events.map((e) => [e.outcome, e.actor_id])).toEqual([['ok', world.admin.id]]);
    expect(JSON.parse(events[0]?.detail ?? '{}')).toEqual({
      confirmed: false,
      'doctorId.old': world.doctor.id,
      'doctorId.new': secondDoctor.id,
    });
    const listOf = async (who: Agent) =>
      ((await who.request('GET', '/api/appointments')).body as AppointmentList).appointments.map((a) => a.id);
    expect(await listOf(agents.doctor)).not.toContain(id);
    expect(
      ((await agents.patient.request('GET', '/api/appointments')).body as AppointmentList).appointments.find(
        (a) => a.id === id,
      )?.doctor.displayName,
    ).toBe('Dr. Second');
    expect((await server.ctx.store.appointments.listForDoctor(secondDoctor.id)).map((a) => a.id)).toEqual([
      id,
    ]);
    // The old doctor may no longer open it.
    expect((await agents.doctor.request('GET', `/api/appointments/${id}`)).status).toBe(403);
  });

  it('S28 the doctor it was taken from stops hearing it at once; its patient still does', async () => {
    const old = await setup.socket(agents.doctor);
    const patient = await setup.socket(agents.patient);
    const patientTab = await setup.socket(agents.patient);
    for (const s of [old, patientTab]) {
      expect((await s.call({ type: 'subscribe', appointmentId: id })).type).toBe('ack');
    }
    const say = async (body: string) => {
      const ack = await patient.call({ type: 'chat', appointmentId: id, clientId: body, body });
      expect(ack.type).toBe('ack');
      // Delivered to the patient's other tab: every subscriber on this node has had its turn.
      await patientTab.next('chat', (m) => m.message.body === body);
    };
    await say('before');
    expect((await old.next('chat')).message.body).toBe('before');

    expect((await reassign({ doctorId: secondDoctor.id })).status).toBe(200);
    await say('after');
    expect(old.received.filter((m) => m.type === 'chat')).toEqual([]);
    // Subscribing again is refused: it is no longer theirs.
    expect(await old.call({ type: 'subscribe', appointmentId: id })).toMatchObject({
      type: 'error',
      code: 'not_party',
    });
  });

  it('refuses a doctor of another hospital, a deactivated doctor and anyone not a doctor; nothing changes; audited', async () => {
    const deactivated = await server.ctx.store.users.create({
      email: 'gone@a.test',
      role: 'doctor',
      hospitalId: world.hospitalA,
      displayName: 'Dr. Gone',
      passwordHash: 'x',
    });
    await server.ctx.store.people.setDisabled(deactivated.id, Date.now());
    const before = await row();
    for (const doctorId of [
      world.otherDoctor.id,
      deactivated.id,
      world.admin.id,
      world.patient.id,
      world.otherPatient.id,
      'no-such-user',
    ]) {
      const r = await reassign({ doctorId, confirm: true });
      expect({ doctorId, status: r.status, code: code(r) }).toEqual({
        doctorId,
        status: 400,
        code: 'doctor_not_in_hospital',
      });
    }
    expect(await row()).toEqual(before);
    const events = await auditOf();
    expect(events.map((e) => e.outcome)).toEqual(Array(6).fill('denied'));
  });

  it('refuses while the call is waiting or in progress, and for a cancelled appointment; nothing changes', async () => {
    const live = world.appointment.id;
    expect((await agents.doctor.request('POST', `/api/appointments/${live}/call/start`, {})).status).toBe(
      200,
    );
    const before = await server.ctx.store.appointments.get(live);
    const during = await reassign({ doctorId: secondDoctor.id, confirm: true }, agents.admin, live);
    expect([during.status, code(during)]).toEqual([409, 'appointment_in_call']);
    expect(await server.ctx.store.appointments.get(live)).toEqual(before);
    expect((await auditOf(live)).map((e) => e.outcome)).toEqual(['denied']);

    expect((await agents.admin.request('POST', `/api/appointments/${id}/cancel`, {})).status).toBe(200);
    const cancelled = await row();
    const r = await reassign({ doctorId: secondDoctor.id, confirm: true });
    expect([r.status, code(r)]).toEqual([409, 'appointment_cancelled']);
    expect(await row()).toEqual(cancelled);
  });

  it("warns of an overlap with the new doctor's appointments and gives it only with confirm", async () => {
    const theirs = await server.ctx.store.appointments.create({
      hospitalId: world.hospitalA,
      doctorId: secondDoctor.id,
      patientId: world.patient.id,
      scheduledAt: tomorrow + 15 * MINUTE,
      lengthMinutes: 30,
      reason: 'Theirs',
    });
    const before = await row();
    const r = await reassign({ doctorId: secondDoctor.id });
    expect([r.status, code(r)]).toEqual([409, 'appointment_needs_confirmation']);
    expect((r.body as ErrorOf).error['warnings']).toEqual([
      { code: 'overlaps', appointment: expect.objectContaining({ id: theirs.id }) },
    ]);
    expect(await row()).toEqual(before);
    const ok = await reassign({ doctorId: secondDoctor.id, confirm: true });
    expect(ok.status).toBe(200);
    expect(appointmentOf(ok).doctor.id).toBe(secondDoctor.id);
    const done = (await auditOf()).filter((e) => e.outcome === 'ok');
    expect(JSON.parse(done[0]?.detail ?? '{}')).toMatchObject({ confirmed: true });
  });

  it('giving it to the doctor it already has changes nothing and records nothing', async () => {
    const before = await row();
    const r = await reassign({ doctorId: world.doctor.id });
    expect(r.status).toBe(200);
    expect(await row()).toEqual(before);
    expect(await auditOf()).toEqual([]);
  });

  it('is for the admins of its hospital only: other roles and hospitals are refused, audited, nothing changes', async () => {
    const before = await row();
    for (const who of [agents.otherAdmin, agents.doctor, agents.patient]) {
      const r = await reassign({ doctorId: secondDoctor.id, confirm: true }, who);
      expect([r.status, code(r)]).toEqual([403, 'forbidden']);
    }
    const unknown = await reassign({ doctorId: secondDoctor.id }, agents.admin, 'no-such-appointment');
    expect([unknown.status, code(unknown)]).toEqual([404, 'not_found']);
    expect(await row()).toEqual(before);
    const denied = (await server.ctx.store.audit.list({ actorId: world.otherAdmin.id })).filter(
      (e) => e.action === 'appointment.reassign' && e.outcome === 'denied',
    );
    expect(denied).toHaveLength(1);
  });

  it('refuses malformed bodies with 400, naming the field', async () => {
    const before = await row();
    for (const body of [{}, { doctorId: '' }, { doctorId: 5 }, { doctorId: secondDoctor.id, extra: 1 }, []]) {
      const r = await reassign(body);
      expect({ body, status: r.status, code: code(r) }).toEqual({
        body,
        status: 400,
        code: 'validation_failed',
      });
    }
    const r = await reassign({ doctorId: 5 });
    expect((r.body as ErrorOf).error['fields']).toEqual({ doctorId: expect.any(String) });
    expect(await row()).toEqual(before);
  });
});
