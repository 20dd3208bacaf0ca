import { beforeEach, describe, expect, it } from 'vitest';
import type { AppointmentDetail } from '../../src/protocol/api.js';
import type { World } from '../support/fixtures.js';
import { Agent, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

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

interface RouteCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  /** `id` is the appointment's; `world` gives the hospital for the admin routes under /api/hospitals. */
  path: (id: string, world: World) => string;
  /** Refusals are audited without an appointment (the route names a hospital). */
  hospitalRoute?: boolean;
  body?: unknown | ((w: World) => unknown);
  /** Call state the route is tried in. */
  callState: 'not_started' | 'waiting';
  expect: Record<Who, number>;
}

const OUTSIDERS = { otherDoctor: 403, otherPatient: 403, otherAdmin: 403, anonymous: 401 } as const;

/** The hospital admin's tools: that hospital's admins only (docs/admin-api-appointments.md). */
const ADMIN_ONLY = {
  doctor: 403,
  patient: 403,
  otherDoctor: 403,
  otherPatient: 403,
  otherAdmin: 403,
  anonymous: 401,
} as const;
const TOMORROW = Date.now() + 86_400_000;

const ROUTES: RouteCase[] = [
  {
    name: 'view appointment',
    method: 'GET',
    path: (id) => `/api/appointments/${id}`,
    callState: 'not_started',
    expect: { doctor: 200, patient: 200, admin: 200, ...OUTSIDERS },
  },
  {
    name: 'read chat',
    method: 'GET',
    path: (id) => `/api/appointments/${id}/messages`,
    callState: 'not_started',
    expect: { doctor: 200, patient: 200, admin: 403, ...OUTSIDERS },
  },
  {
    name: 'send chat',
    method: 'POST',
    path: (id) => `/api/appointments/${id}/messages`,
    body: { clientId: 'k1', body: 'hello' },
    callState: 'not_started',
    expect: { doctor: 201, patient: 201, admin: 403, ...OUTSIDERS },
  },
  {
    name: 'call status',
    method: 'GET',
    path: (id) => `/api/appointments/${id}/call/status`,
    callState: 'not_started',
    expect: { doctor: 200, patient: 200, admin: 200, ...OUTSIDERS },
  },
  {
    name: 'start call',
    method: 'POST',
    path: (id) => `/api/appointments/${id}/call/start`,
    body: {},
    callState: 'not_started',
    expect: { doctor: 200, patient: 403, admin: 403, ...OUTSIDERS },
  },
  {
    name: 'join call',
    method: 'POST',
    path: (id) => `/api/appointments/${id}/call/join`,
    body: {},
    callState: 'waiting',
    expect: { doctor: 403, patient: 200, admin: 403, ...OUTSIDERS },
  },
  {
    name: 'call join info',
    method: 'GET',
    path: (id) => `/api/appointments/${id}/call`,
    callState: 'waiting',
    expect: { doctor: 200, patient: 200, admin: 403, ...OUTSIDERS },
  },
  {
    name: 'end call',
    method: 'POST',
    path: (id) => `/api/appointments/${id}/call/end`,
    body: {},
    callState: 'waiting',
    // A patient leaves; ending the call for both is the doctor's decision (S11, S15).
    expect: { doctor: 200, patient: 403, admin: 403, ...OUTSIDERS },
  },
  {
    name: 'list hospital appointments',
    method: 'GET',
    path: (_id, w) => `/api/hospitals/${w.hospitalA}/appointments`,
    hospitalRoute: true,
    callState: 'not_started',
    expect: { admin: 200, ...ADMIN_ONLY },
  },
  {
    name: 'create appointment',
    method: 'POST',
    path: (_id, w) => `/api/hospitals/${w.hospitalA}/appointments`,
    body: (w: World) => ({
      doctorId: w.doctor.id,
      patientId: w.patient.id,
      scheduledAt: TOMORROW,
      lengthMinutes: 30,
      confirm: true,
    }),
    hospitalRoute: true,
    callState: 'not_started',
    expect: { admin: 201, ...ADMIN_ONLY },
  },
  {
    name: 'preview appointment import',
    method: 'POST',
    path: (_id, w) => `/api/hospitals/${w.hospitalA}/appointments/import/preview`,
    body: { csv: 'doctor_email,patient_email,start,length_minutes\n' },
    hospitalRoute: true,
    callState: 'not_started',
    expect: { admin: 200, ...ADMIN_ONLY },
  },
  {
    name: 'import appointments',
    method: 'POST',
    path: (_id, w) => `/api/hospitals/${w.hospitalA}/appointments/import`,
    body: { csv: 'doctor_email,patient_email,start,length_minutes\n' },
    hospitalRoute: true,
    callState: 'not_started',
    expect: { admin: 201, ...ADMIN_ONLY },
  },
  {
    name: 'read hospital policy',
    method: 'GET',
    path: (_id, w) => `/api/hospitals/${w.hospitalA}/policy`,
    hospitalRoute: true,
    callState: 'not_started',
    expect: { admin: 200, ...ADMIN_ONLY },
  },
  {
    name: 'change hospital policy',
    method: 'PUT',
    path: (_id, w) => `/api/hospitals/${w.hospitalA}/policy`,
    body: { checkInMinutes: 20 },
    hospitalRoute: true,
    callState: 'not_started',
    expect: { admin: 200, ...ADMIN_ONLY },
  },
  {
    name: 'reschedule appointment',
    method: 'POST',
    path: (id) => `/api/appointments/${id}/reschedule`,
    body: { scheduledAt: TOMORROW, confirm: true },
    callState: 'not_started',
    expect: { admin: 200, ...ADMIN_ONLY },
  },
  {
    name: "appointment's call history",
    method: 'GET',
    path: (id) => `/api/appointments/${id}/calls`,
    callState: 'waiting',
    expect: { admin: 200, ...ADMIN_ONLY },
  },
  {
    name: 'cancel appointment',
    method: 'POST',
    path: (id) => `/api/appointments/${id}/cancel`,
    body: {},
    callState: 'not_started',
    expect: { admin: 200, ...ADMIN_ONLY },
  },
];

describe.each(testDatabases())('API access control on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  const agents = {} as Record<Who, Agent>;

  beforeEach(async () => {
    ({ server, world } = await setup.open());
    for (const who of EVERYONE) {
      agents[who] = who === 'anonymous' ? new Agent(server) : await setup.signIn(who);
    }
  });

  const denials = async (who: Who) =>
    who === 'anonymous'
      ? []
      : (await server.ctx.store.audit.list({ actorId: world[who].id }))
          .filter((e) => e.outcome === 'denied')
          .map((e) => ({ appointment_id: e.appointment_id, outcome: e.outcome, detail: e.detail }));

  for (const route of ROUTES) {
    it(`${route.name}: only the right roles get through, and a refusal changes nothing`, async () => {
      const id = world.appointment.id;
      if (route.callState === 'waiting') {
        expect((await agents.doctor.request('POST', `/api/appointments/${id}/call/start`, {})).status).toBe(
          200,
        );
      }
      for (const who of EVERYONE) {
        const before = await server.ctx.store.appointments.get(id);
        const chatBefore = await server.ctx.store.chat.list(id, { limit: 100 });
        const deniedBefore = await denials(who);
        const body = typeof route.body === 'function' ? route.body(world) : route.body;
        const r = await agents[who].request(route.method, route.path(id, world), body);
        const expected = route.expect[who];
        expect({ who, status: r.status }).toEqual({ who, status: expected });
        if (expected >= 400) {
          expect(r.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
          expect(await server.ctx.store.appointments.get(id)).toEqual(before);
          expect(await server.ctx.store.chat.list(id, { limit: 100 })).toEqual(chatBefore);
          // Every refusal of someone signed in is audited with its code; anonymous ones name nobody.
          if (who !== 'anonymous') {
            const code = (r.body as { error: { code: string } }).error.code;
            expect({ who, audited: (await denials(who)).slice(deniedBefore.length) }).toEqual({
              who,
              audited: [
                {
                  appointment_id: route.hospitalRoute ? null : id,
                  outcome: 'denied',
                  detail: JSON.stringify({ code }),
                },
              ],
            });
          }
        }
        if (route.name === 'end call' && r.status === 200) {
          // Ended by the doctor; restart so the next role sees the same state.
          await agents.doctor.request('POST', `/api/appointments/${id}/call/start`, {});
        }
      }
    });
  }

  it('lists: a doctor sees theirs, a patient theirs, an admin all of their hospital, none of another', async () => {
    const ids = async (who: Who) =>
      (
        (await agents[who].request('GET', '/api/appointments')).body as { appointments: { id: string }[] }
      ).appointments.map((a) => a.id);
    expect(await ids('doctor')).toEqual([world.appointment.id]);
    expect(await ids('patient')).toEqual([world.appointment.id]);
    expect(await ids('admin')).toEqual([world.appointment.id]);
    expect(await ids('otherAdmin')).toEqual([world.otherAppointment.id]);
    expect((await agents.anonymous.request('GET', '/api/appointments')).status).toBe(401);
  });

  it('permissions follow role and call state', async () => {
    const id = world.appointment.id;
    const perms = async (who: Who) =>
      ((await agents[who].request('GET', `/api/appointments/${id}`)).body as AppointmentDetail).permissions;
    expect(await perms('doctor')).toEqual({ canStart: true, canJoin: false, canEnd: false, canChat: true });
    expect(await perms('patient')).toEqual({ canStart: false, canJoin: false, canEnd: false, canChat: true });
    expect(await perms('admin')).toEqual({ canStart: false, canJoin: false, canEnd: false, canChat: false });
    await agents.doctor.request('POST', `/api/appointments/${id}/call/start`, {});
    expect(await perms('patient')).toEqual({ canStart: false, canJoin: true, canEnd: false, canChat: true });
    expect(await perms('doctor')).toEqual({ canStart: false, canJoin: false, canEnd: true, canChat: true });
  });

  it('a patient cannot join before the doctor starts (409) and the refusal is audited', async () => {
    const id = world.appointment.id;
    const r = await agents.patient.request('POST', `/api/appointments/${id}/call/join`, {});
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: { code: 'call_not_active' } });
    const audit = await server.ctx.store.audit.list({ appointmentId: id });
    expect(audit.map((e) => [e.action, e.outcome])).toContainEqual(['call.join', 'denied']);
  });

  it('an unknown appointment is 404 for everyone signed in', async () => {
    const r = await agents.doctor.request('GET', '/api/appointments/00000000-0000-7000-8000-000000000000');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error: { code: 'not_found' } });
  });
});

interface PeopleRouteCase {
  name: string;
  method: 'GET' | 'POST';
  /** The route is about hospital A's doctor (a person of `admin`'s hospital, not `otherAdmin`'s). */
  path: (w: World) => string;
  body?: (who: Who) => unknown;
  action: string;
  expect: Record<Who, number>;
}

const NOT_ADMINS = {
  doctor: 403,
  patient: 403,
  otherDoctor: 403,
  otherPatient: 403,
  anonymous: 401,
} as const;

const PEOPLE_ROUTES: PeopleRouteCase[] = [
  {
    name: 'list people',
    method: 'GET',
    path: () => '/api/admin/people',
    action: 'people.list',
    // Each admin sees their own hospital's people (api-access of the lists is checked in people.test.ts).
    expect: { admin: 200, otherAdmin: 200, ...NOT_ADMINS },
  },
  {
    name: 'create a person',
    method: 'POST',
    path: () => '/api/admin/people',
    body: (who) => ({ displayName: `made by ${who}`, email: `${who}-made@x.test`, role: 'doctor' }),
    action: 'people.create',
    expect: { admin: 201, otherAdmin: 201, ...NOT_ADMINS },
  },
  {
    name: 'view a person',
    method: 'GET',
    path: (w) => `/api/admin/people/${w.doctor.id}`,
    action: 'people.view',
    expect: { admin: 200, otherAdmin: 403, ...NOT_ADMINS },
  },
  {
    name: 'new set-password link',
    method: 'POST',
    path: (w) => `/api/admin/people/${w.doctor.id}/set-password-link`,
    action: 'people.reset-link',
    expect: { admin: 201, otherAdmin: 403, ...NOT_ADMINS },
  },
  {
    name: 'future appointments',
    method: 'GET',
    path: (w) => `/api/admin/people/${w.doctor.id}/future-appointments`,
    action: 'people.future-appointments',
    expect: { admin: 200, otherAdmin: 403, ...NOT_ADMINS },
  },
  {
    name: 'reactivate',
    method: 'POST',
    path: (w) => `/api/admin/people/${w.doctor.id}/reactivate`,
    action: 'people.reactivate',
    expect: { admin: 200, otherAdmin: 403, ...NOT_ADMINS },
  },
  {
    name: 'deactivate',
    method: 'POST',
    path: (w) => `/api/admin/people/${w.doctor.id}/deactivate`,
    action: 'people.deactivate',
    expect: { admin: 200, otherAdmin: 403, ...NOT_ADMINS },
  },
];

describe.each(testDatabases())('people routes access control on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  const agents = {} as Record<Who, Agent>;

  beforeEach(async () => {
    ({ server, world } = await setup.open());
    for (const who of EVERYONE) {
      agents[who] = who === 'anonymous' ? new Agent(server) : await setup.signIn(who);
    }
  });

  const state = async () => {
    const k = server.ctx.store.db.kysely;
    return {
      users: await k.selectFrom('users').selectAll().orderBy('id').execute(),
      links: await k.selectFrom('password_links').selectAll().orderBy('id').execute(),
      patients: await k.selectFrom('patient_hospitals').selectAll().orderBy('patient_id').execute(),
      sessions: await k.selectFrom('sessions').select(['id_hash', 'revoked_at']).orderBy('id_hash').execute(),
    };
  };
  const denials = async (who: Who) =>
    who === 'anonymous'
      ? []
      : (await server.ctx.store.audit.list({ actorId: world[who].id }))
          .filter((e) => e.outcome === 'denied')
          .map((e) => ({ action: e.action, detail: e.detail }));

  for (const route of PEOPLE_ROUTES) {
    it(`${route.name}: only an admin of the person's hospital gets through; a refusal changes nothing`, async () => {
      for (const who of EVERYONE) {
        const before = await state();
        const deniedBefore = await denials(who);
        const r = await agents[who].request(route.method, route.path(world), route.body?.(who));
        const expected = route.expect[who];
        expect({ who, status: r.status }).toEqual({ who, status: expected });
        if (expected < 400) continue;
        expect(r.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
        expect(await state()).toEqual(before);
        if (who !== 'anonymous') {
          const code = (r.body as { error: { code: string } }).error.code;
          expect(code).toBe(who === 'otherAdmin' ? 'forbidden' : 'wrong_role');
          expect({ who, audited: (await denials(who)).slice(deniedBefore.length) }).toEqual({
            who,
            audited: [{ action: route.action, detail: JSON.stringify({ code }) }],
          });
        }
      }
    });
  }
});
