import { beforeEach, describe, expect, it } from 'vitest';
import type { AppointmentDetail, AppointmentList, AppointmentView } from '../../src/protocol/api.js';
import { MAX_IMPORT_ROWS } from '../../src/server/appointments/appointment-import.js';
import type { World } from '../support/fixtures.js';
import type { Agent, TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
type ErrorOf = { error: { code: string; message: string; [k: string]: unknown } };
const code = (r: { body: unknown }) => (r.body as ErrorOf).error?.code;

describe.each(testDatabases())('appointments for hospital admins on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  let admin: Agent;
  let otherAdmin: Agent;
  let doctor: Agent;
  let patient: Agent;
  /** Tomorrow at 09:00 UTC: a clear day in the future. */
  let tomorrow: number;

  beforeEach(async () => {
    ({ server, world } = await setup.open());
    ({ admin, otherAdmin, doctor, patient } = await setup.signInAll(
      'admin',
      'otherAdmin',
      'doctor',
      'patient',
    ));
    tomorrow = Math.floor(Date.now() / DAY) * DAY + DAY + 9 * 60 * MINUTE;
  });

  const base = () => `/api/hospitals/${world.hospitalA}/appointments`;
  const create = (body: Record<string, unknown>, who: Agent = admin) =>
    who.request('POST', base(), {
      doctorId: world.doctor.id,
      patientId: world.patient.id,
      scheduledAt: tomorrow,
      lengthMinutes: 30,
      reason: 'Follow-up',
      ...body,
    });
  const count = async () =>
    Number(
      (
        await server.ctx.store.db.kysely
          .selectFrom('appointments')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );
  const created = (r: { body: unknown }) => (r.body as { appointment: AppointmentView }).appointment;

  it('creates an appointment with its planned length, audited', async () => {
    const r = await create({});
    expect(r.status).toBe(201);
    expect(created(r)).toMatchObject({ scheduledAt: tomorrow, lengthMinutes: 30, cancelledAt: null });
    const audit = await server.ctx.store.audit.list({ appointmentId: created(r).id });
    expect(audit.map((e) => [e.action, e.outcome, e.actor_id])).toEqual([
      ['appointment.create', 'ok', world.admin.id],
    ]);
  });

  it("refuses a doctor of another hospital and a patient who is not the hospital's", async () => {
    const before = await count();
    const r1 = await create({ doctorId: world.otherDoctor.id });
    expect([r1.status, code(r1)]).toEqual([400, 'doctor_not_in_hospital']);
    const r2 = await create({ doctorId: world.admin.id });
    expect(code(r2)).toBe('doctor_not_in_hospital');
    const r3 = await create({ patientId: world.otherPatient.id });
    expect([r3.status, code(r3)]).toEqual([400, 'patient_not_in_hospital']);
    const r4 = await create({ patientId: world.doctor.id });
    expect(code(r4)).toBe('patient_not_in_hospital');
    expect(await count()).toBe(before);
  });

  it('warns of a time in the past or an overlap, and creates only with confirm', async () => {
    const before = await count();
    const past = await create({ scheduledAt: Date.now() - DAY });
    expect([past.status, code(past)]).toEqual([409, 'appointment_needs_confirmation']);
    expect((past.body as ErrorOf).error['warnings']).toEqual([{ code: 'in_past' }]);
    expect(await count()).toBe(before);
    expect((await create({ scheduledAt: Date.now() - DAY, confirm: true })).status).toBe(201);

    const first = created(await create({}));
    const overlap = await create({ scheduledAt: tomorrow + 15 * MINUTE });
    expect([overlap.status, code(overlap)]).toEqual([409, 'appointment_needs_confirmation']);
    expect((overlap.body as ErrorOf).error['warnings']).toEqual([
      { code: 'overlaps', appointment: expect.objectContaining({ id: first.id }) },
    ]);
    // Right after the first one ends: no overlap.
    expect((await create({ scheduledAt: tomorrow + 30 * MINUTE })).status).toBe(201);
    expect((await create({ scheduledAt: tomorrow + 15 * MINUTE, confirm: true })).status).toBe(201);
  });

  it('reschedules; refuses while its call is waiting or in progress; warns of overlaps', async () => {
    const a = created(await create({}));
    const other = created(await create({ scheduledAt: tomorrow + 2 * 60 * MINUTE }));
    const r = await admin.request('POST', `/api/appointments/${a.id}/reschedule`, {
      scheduledAt: tomorrow + DAY,
      lengthMinutes: 45,
    });
    expect(r.status).toBe(200);
    expect(created(r)).toMatchObject({ scheduledAt: tomorrow + DAY, lengthMinutes: 45 });
    const clash = await admin.request('POST', `/api/appointments/${a.id}/reschedule`, {
      scheduledAt: other.scheduledAt,
    });
    expect(code(clash)).toBe('appointment_needs_confirmation');

    const id = world.appointment.id;
    expect((await doctor.request('POST', `/api/appointments/${id}/call/start`, {})).status).toBe(200);
    const before = await server.ctx.store.appointments.get(id);
    const during = await admin.request('POST', `/api/appointments/${id}/reschedule`, {
      scheduledAt: tomorrow + 3 * DAY,
      confirm: true,
    });
    expect([during.status, code(during)]).toEqual([409, 'appointment_in_call']);
    const cancel = await admin.request('POST', `/api/appointments/${id}/cancel`, {});
    expect([cancel.status, code(cancel)]).toEqual([409, 'appointment_in_call']);
    expect(await server.ctx.store.appointments.get(id)).toEqual(before);
  });

  it('a cancelled appointment starts no call, takes no check-in, and both parties see it cancelled', async () => {
    const id = world.appointment.id;
    const r = await admin.request('POST', `/api/appointments/${id}/cancel`, {});
    expect(r.status).toBe(200);
    expect(created(r).cancelledAt).toEqual(expect.any(Number));
    const start = await doctor.request('POST', `/api/appointments/${id}/call/start`, {});
    expect([start.status, code(start)]).toEqual([409, 'appointment_cancelled']);
    expect((await server.ctx.store.appointments.getRow(id))?.video_call_status).toBe('not_started');
    const s = await setup.socket(patient);
    expect(await s.call({ type: 'check-in', appointmentId: id })).toMatchObject({
      type: 'error',
      code: 'appointment_cancelled',
    });
    for (const who of [doctor, patient]) {
      const list = (await who.request('GET', '/api/appointments')).body as AppointmentList;
      expect(list.appointments.find((a) => a.id === id)?.cancelledAt).toEqual(expect.any(Number));
      const detail = (await who.request('GET', `/api/appointments/${id}`)).body as AppointmentDetail;
      expect(detail.appointment.cancelledAt).toEqual(expect.any(Number));
      expect(detail.permissions.canStart).toBe(false);
    }
    const moved = await admin.request('POST', `/api/appointments/${id}/reschedule`, {
      scheduledAt: tomorrow,
    });
    expect(code(moved)).toBe('appointment_cancelled');
    // Cancelling twice changes nothing more.
    expect((await admin.request('POST', `/api/appointments/${id}/cancel`, {})).status).toBe(200);
    const audit = await server.ctx.store.audit.list({ appointmentId: id });
    expect(audit.filter((e) => e.action === 'appointment.cancel' && e.outcome === 'ok')).toHaveLength(1);
  });

  it('lists by day or range with filters, patient search and pages', async () => {
    for (let i = 0; i < 5; i++) await create({ scheduledAt: tomorrow + i * 60 * MINUTE, reason: `r${i}` });
    await create({ scheduledAt: tomorrow + DAY, doctorId: world.doctor.id });
    const list = async (query: string) => {
      const r = await admin.request('GET', `${base()}?${query}`);
      expect(r.status).toBe(200);
      return r.body as { appointments: AppointmentView[]; total: number; page: number };
    };
    const day = new Date(tomorrow).toISOString().slice(0, 10);
    expect((await list(`day=${day}`)).total).toBe(5);
    const paged = await list(`day=${day}&pageSize=2&page=3`);
    expect([paged.total, paged.appointments.length, paged.appointments[0]?.reason]).toEqual([5, 1, 'r4']);
    expect((await list(`from=${tomorrow}&to=${tomorrow + 2 * DAY}`)).total).toBe(6);
    expect((await list(`doctorId=${world.otherDoctor.id}`)).total).toBe(0);
    expect((await list('patient=PATIENT%20a')).total).toBe(7);
    expect((await list('patient=patient%40a.test')).total).toBe(7);
    expect((await list('patient=nobody')).total).toBe(0);
    expect((await list('patient=%25')).total).toBe(0);
    await doctor.request('POST', `/api/appointments/${world.appointment.id}/call/start`, {});
    expect((await list('callStatus=waiting')).appointments.map((a) => a.id)).toEqual([world.appointment.id]);
    expect((await list('checkedIn=true')).total).toBe(0);
    // The seeded appointment (now, 30 minutes) becomes a no-show once its time is over without a call.
    const past = created(await create({ scheduledAt: Date.now() - DAY, confirm: true }));
    expect((await list('noShow=true')).appointments.map((a) => a.id)).toEqual([past.id]);
    await admin.request('POST', `/api/appointments/${past.id}/cancel`, {});
    expect((await list('noShow=true')).total).toBe(0);
    expect((await list('cancelled=true')).total).toBe(1);
    // Another hospital's admin sees only theirs.
    const theirs = await otherAdmin.request('GET', `/api/hospitals/${world.hospitalB}/appointments`);
    expect((theirs.body as { total: number }).total).toBe(1);
    for (const bad of [
      'day=2026-13-01',
      'pageSize=1000',
      'page=0',
      'callStatus=maybe',
      'noShow=yes',
      'from=5&to=1',
      'x=1',
      `day=${day}&from=1`,
    ]) {
      expect({ bad, status: (await admin.request('GET', `${base()}?${bad}`)).status }).toEqual({
        bad,
        status: 400,
      });
    }
  });

  it('a patient sees their appointments across hospitals; each doctor sees only their own', async () => {
    // Hospital B's admin adds Patient A by email: the account is linked, not duplicated.
    const linked = await server.ctx.people.create(
      { userId: world.otherAdmin.id, hospitalId: world.hospitalB },
      { displayName: 'Patient A', email: 'PATIENT@a.test', role: 'patient' },
    );
    expect([linked.linkedExisting, linked.person.id]).toEqual([true, world.patient.id]);
    const atB = await otherAdmin.request('POST', `/api/hospitals/${world.hospitalB}/appointments`, {
      doctorId: world.otherDoctor.id,
      patientId: world.patient.id,
      scheduledAt: tomorrow,
      lengthMinutes: 20,
      reason: 'Second opinion',
    });
    expect(atB.status).toBe(201);
    const listOf = async (who: Agent) => {
      const r = await who.request('GET', '/api/appointments');
      expect(r.status).toBe(200);
      return (r.body as AppointmentList).appointments.map((a) => [a.hospital.id, a.reason]);
    };
    expect(await listOf(patient)).toEqual(
      expect.arrayContaining([
        [world.hospitalA, 'Check-up'],
        [world.hospitalB, 'Second opinion'],
      ]),
    );
    expect(await listOf(patient)).toHaveLength(2);
    expect(await listOf(doctor)).toEqual([[world.hospitalA, 'Check-up']]);
    const otherDoctor = (await setup.signInAll('otherDoctor')).otherDoctor;
    expect(await listOf(otherDoctor)).toEqual(
      expect.arrayContaining([
        [world.hospitalB, 'Other'],
        [world.hospitalB, 'Second opinion'],
      ]),
    );
    expect(await listOf(otherDoctor)).toHaveLength(2);
  });

  it('lists every call session of an appointment', async () => {
    const id = world.appointment.id;
    await doctor.request('POST', `/api/appointments/${id}/call/start`, {});
    await doctor.request('POST', `/api/appointments/${id}/call/end`, {});
    await doctor.request('POST', `/api/appointments/${id}/call/start`, {});
    const r = await admin.request('GET', `/api/appointments/${id}/calls`);
    expect(r.status).toBe(200);
    const calls = (r.body as { calls: { endReason: string | null }[] }).calls;
    expect(calls.map((c) => c.endReason)).toEqual(['hung_up', null]);
  });

  it('an admin of another hospital is refused on every route, and nothing changes', async () => {
    const id = world.appointment.id;
    const before = await server.ctx.store.appointments.get(id);
    const n = await count();
    const csv = `doctor_email,patient_email,start,length_minutes\ndoctor@a.test,patient@a.test,${new Date(tomorrow).toISOString()},30\n`;
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', base()],
      [
        'POST',
        base(),
        { doctorId: world.doctor.id, patientId: world.patient.id, scheduledAt: tomorrow, lengthMinutes: 30 },
      ],
      ['POST', `/api/appointments/${id}/reschedule`, { scheduledAt: tomorrow, confirm: true }],
      ['POST', `/api/appointments/${id}/cancel`, {}],
      ['GET', `/api/appointments/${id}/calls`],
      ['POST', `${base()}/import/preview`, { csv }],
      ['POST', `${base()}/import`, { csv, confirm: true }],
    ];
    for (const [method, path, body] of attempts) {
      for (const who of [otherAdmin, doctor, patient]) {
        const r = await who.request(method, path, body);
        expect({ path, status: r.status, code: code(r) }).toEqual({ path, status: 403, code: 'forbidden' });
      }
    }
    expect(await server.ctx.store.appointments.get(id)).toEqual(before);
    expect(await count()).toBe(n);
    const denied = (await server.ctx.store.audit.list({ actorId: world.otherAdmin.id })).filter(
      (e) => e.outcome === 'denied',
    );
    expect(denied).toHaveLength(attempts.length);
  });

  it('refuses malformed bodies with 400', async () => {
    const n = await count();
    for (const body of [
      { doctorId: world.doctor.id },
      { doctorId: world.doctor.id, patientId: world.patient.id, scheduledAt: 'tomorrow', lengthMinutes: 30 },
      { doctorId: world.doctor.id, patientId: world.patient.id, scheduledAt: tomorrow, lengthMinutes: 0 },
      { doctorId: world.doctor.id, patientId: world.patient.id, scheduledAt: tomorrow, lengthMinutes: 481 },
      {
        doctorId: world.doctor.id,
        patientId: world.patient.id,
        scheduledAt: tomorrow,
        lengthMinutes: 30,
        extra: 1,
      },
      {
        doctorId: world.doctor.id,
        patientId: world.patient.id,
        scheduledAt: tomorrow,
        lengthMinutes: 30,
        reason: 'x'.repeat(501),
      },
    ]) {
      const r = await admin.request('POST', base(), body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
    }
    expect((await admin.request('POST', base(), '{not json')).status).toBe(400);
    const id = world.appointment.id;
    expect((await admin.request('POST', `/api/appointments/${id}/reschedule`, {})).status).toBe(400);
    expect((await admin.request('POST', `/api/appointments/${id}/cancel`, { why: 1 })).status).toBe(400);
    expect((await admin.request('POST', `${base()}/import`, { file: 'x' })).status).toBe(400);
    expect(await count()).toBe(n);
  });

  describe('CSV import', () => {
    const at = (offsetMinutes: number) => new Date(tomorrow + offsetMinutes * MINUTE).toISOString();
    const header = 'doctor_email,patient_email,start,length_minutes,reason';
    const goodRow = (i: number) => `doctor@a.test,patient@a.test,${at(i * 30)},30,Visit ${i}`;
    const preview = (csv: string) => admin.request('POST', `${base()}/import/preview`, { csv });
    const importCsv = (csv: string, confirm = false) =>
      admin.request('POST', `${base()}/import`, { csv, confirm });
    const errorsOf = (r: { body: unknown }) =>
      ((r.body as { errors?: unknown[] }).errors ?? (r.body as ErrorOf).error['errors']) as Array<{
        row: number;
        column: string | null;
        message: string;
      }>;

    it('previews every row without writing, naming row, column and problem', async () => {
      const n = await count();
      const csv = [
        header,
        goodRow(0),
        `doctor@b.test,patient@a.test,${at(60)},30,Other hospital's doctor`,
        `nobody@a.test,patient@a.test,${at(90)},30,Unknown doctor`,
        `doctor@a.test,ghost@a.test,${at(120)},30,Unknown patient`,
        `doctor@a.test,patient@b.test,${at(150)},30,Not this hospital's patient`,
        'doctor@a.test,patient@a.test,2026-12-04 09:30,30,No time zone',
        'doctor@a.test,patient@a.test,2026-02-30T09:30:00Z,30,No such day',
        `doctor@a.test,patient@a.test,${at(180)},ninety,Bad length`,
        `doctor@a.test,patient@a.test,${at(210)}`,
      ].join('\n');
      const r = await preview(csv);
      expect(r.status).toBe(200);
      expect((r.body as { rows: number }).rows).toBe(9);
      expect(errorsOf(r).map((e) => [e.row, e.column])).toEqual([
        [3, 'doctor_email'],
        [4, 'doctor_email'],
        [5, 'patient_email'],
        [6, 'patient_email'],
        [7, 'start'],
        [8, 'start'],
        [9, 'length_minutes'],
        [10, null],
        [10, 'length_minutes'],
      ]);
      expect(errorsOf(r)[0]?.message).toBe('doctor@b.test is not a doctor of this hospital.');
      expect(await count()).toBe(n);
      // The import of the same file writes nothing, and names the rows.
      const imp = await importCsv(csv, true);
      expect([imp.status, code(imp)]).toEqual([400, 'import_invalid']);
      expect((imp.body as ErrorOf).error.message).toBe(
        'Nothing was imported: rows 3, 4, 5, 6, 7, 8, 9, 10 are wrong.',
      );
      expect(await count()).toBe(n);
    });

    it('refuses wrong columns, naming them', async () => {
      const r = await preview(`doctor,patient_email,start\ndoctor@a.test,patient@a.test,${at(0)}\n`);
      expect(errorsOf(r)).toEqual([
        { row: 1, column: null, message: expect.stringContaining('Unknown column "doctor"') },
        { row: 1, column: 'doctor_email', message: 'Column "doctor_email" is missing.' },
        { row: 1, column: 'length_minutes', message: 'Column "length_minutes" is missing.' },
      ]);
      expect(code(await preview('"unclosed,quote\n'))).toBe('import_invalid');
      expect(code(await preview('\n\n'))).toBe('import_invalid');
    });

    it('imports all rows in one go, warning first of overlaps and past times', async () => {
      const n = await count();
      const rows = Array.from({ length: 50 }, (_, i) => goodRow(i));
      const ok = await importCsv([header, ...rows].join('\n'));
      expect(ok.status).toBe(201);
      expect((ok.body as { imported: number }).imported).toBe(50);
      expect(await count()).toBe(n + 50);
      const audit = (await server.ctx.store.audit.list({ actorId: world.admin.id })).filter(
        (e) => e.action === 'appointment.import',
      );
      expect(JSON.parse(audit[0]?.detail ?? '{}')).toMatchObject({ count: 50 });

      const clash = [
        header,
        goodRow(0),
        `doctor@a.test,patient@a.test,${at(3 * 24 * 60)},30,a`,
        `doctor@a.test,patient@a.test,${at(3 * 24 * 60 + 10)},30,b`,
      ];
      const p = await preview(clash.join('\n'));
      expect((p.body as { warnings: unknown[] }).warnings).toEqual([
        expect.objectContaining({ row: 2, code: 'overlaps', appointmentId: expect.any(String) }),
        expect.objectContaining({ row: 4, code: 'overlaps', otherRow: 3 }),
      ]);
      const refused = await importCsv(clash.join('\n'));
      expect([refused.status, code(refused)]).toEqual([409, 'appointment_needs_confirmation']);
      expect(await count()).toBe(n + 50);
      expect((await importCsv(clash.join('\n'), true)).status).toBe(201);
      expect(await count()).toBe(n + 53);
    });

    it(`refuses 10,000 rows with a clear answer (at most ${MAX_IMPORT_ROWS}), and a body over the limit`, async () => {
      const n = await count();
      const rows = Array.from({ length: 10_000 }, (_, i) => goodRow(i));
      const started = Date.now();
      const r = await importCsv([header, ...rows].join('\n'), true);
      expect([r.status, code(r)]).toEqual([413, 'import_too_large']);
      expect((r.body as ErrorOf).error.message).toBe(
        `The file has 10000 appointment rows; one import takes at most ${MAX_IMPORT_ROWS}. Split it into several files.`,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      const huge = await importCsv(`${header}\n${'x'.repeat(3 * 1024 * 1024)}`);
      expect([huge.status, code(huge)]).toEqual([413, 'payload_too_large']);
      expect(await count()).toBe(n);
    });

    it(`imports ${MAX_IMPORT_ROWS} rows in one transaction`, async () => {
      const n = await count();
      const rows = Array.from({ length: MAX_IMPORT_ROWS }, (_, i) => goodRow(i));
      const r = await importCsv([header, ...rows].join('\n'), true);
      expect(r.status).toBe(201);
      expect(await count()).toBe(n + MAX_IMPORT_ROWS);
    }, 30_000);
  });
});
