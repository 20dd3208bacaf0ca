import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppointmentDetail, CallStartInfo } from '../../src/protocol/api.js';
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
  path: (id: string) => string;
  body?: unknown;
  /** Call state the route is tried in. */
  callState: 'not_started' | 'waiting';
  expect: Record<Who, number>;
}

const OUTSIDERS = { otherDoctor: 403, otherPatient: 403, otherAdmin: 403, anonymous: 401 } as const;

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
    name: 'call quality report',
    method: 'GET',
    path: (id) => `/api/appointments/${id}/calls/quality`,
    callState: 'waiting',
    // The doctor's post-call report and the clinic's analytics; not the patient's (S30).
    expect: { doctor: 200, patient: 403, admin: 200, ...OUTSIDERS },
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
        const r = await agents[who].request(route.method, route.path(id), route.body);
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
                  appointment_id: id,
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

/** The state a recording route is tried in: a call in progress, and its recording so far. */
type RecordingStage = 'in-call' | 'asking' | 'recording' | 'finished';

interface RecordingRouteCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  path: (appointmentId: string, recordingId: string) => string;
  body?: unknown;
  stage: RecordingStage;
  expect: Record<Who, number>;
}

// ASCII, so the JSON agent can send it as it is (a sealed segment needs no WebM to play back bytes).
const CHUNK = Buffer.from('chunk of a recording');
const CHUNK_SHA = createHash('sha256').update(CHUNK).digest('hex');
const NOT_ADMINS = { admin: 403, ...OUTSIDERS } as const;

/** Every recording route (docs/api.md "Recordings"): who gets through, in the state it is meant for. */
const RECORDING_ROUTES: RecordingRouteCase[] = [
  {
    name: 'ask to record',
    method: 'POST',
    path: (a) => `/api/appointments/${a}/recordings`,
    body: {},
    stage: 'in-call',
    expect: { doctor: 201, patient: 403, ...NOT_ADMINS },
  },
  {
    name: 'answer the question',
    method: 'POST',
    path: (_a, r) => `/api/recordings/${r}/consent`,
    body: { answer: 'allow' },
    stage: 'asking',
    expect: { doctor: 403, patient: 200, ...NOT_ADMINS },
  },
  {
    name: 'withdraw consent',
    method: 'POST',
    path: (_a, r) => `/api/recordings/${r}/withdraw`,
    body: {},
    stage: 'recording',
    expect: { doctor: 403, patient: 200, ...NOT_ADMINS },
  },
  {
    name: 'stop recording',
    method: 'POST',
    path: (_a, r) => `/api/recordings/${r}/stop`,
    body: { segments: [] },
    stage: 'recording',
    expect: { doctor: 200, patient: 403, ...NOT_ADMINS },
  },
  {
    name: 'upload a chunk',
    method: 'PUT',
    path: (_a, r) => `/api/recordings/${r}/segments/0/chunks/0`,
    body: CHUNK,
    stage: 'recording',
    expect: { doctor: 200, patient: 403, ...NOT_ADMINS },
  },
  {
    name: 'list recordings',
    method: 'GET',
    path: (a) => `/api/appointments/${a}/recordings`,
    stage: 'finished',
    expect: { doctor: 200, patient: 200, admin: 200, ...OUTSIDERS },
  },
  {
    name: 'play a recording',
    method: 'GET',
    path: (_a, r) => `/api/recordings/${r}/segments/0`,
    stage: 'finished',
    expect: { doctor: 200, patient: 200, admin: 200, ...OUTSIDERS },
  },
  {
    name: 'download a recording',
    method: 'GET',
    path: (_a, r) => `/api/recordings/${r}/segments/0/download`,
    stage: 'finished',
    expect: { doctor: 200, patient: 200, admin: 200, ...OUTSIDERS },
  },
];

/** Refused callers first, so a route that changes the recording is tried in the same state by all. */
const RECORDING_CALLERS: Who[] = [
  'anonymous',
  'otherDoctor',
  'otherPatient',
  'otherAdmin',
  'admin',
  'doctor',
  'patient',
];

describe.each(testDatabases())('recording routes access control on $name', (database) => {
  const setup = useWorld({ database, env: { RECORDING_ALLOWED: 'true', RECORDING_PATIENT_ACCESS: 'true' } });
  let server: TestServer;
  let world: World;
  const agents = {} as Record<Who, Agent>;

  /** The appointment's call in progress and its recording at `stage`; the recording's id. */
  const reach = async (stage: RecordingStage): Promise<string> => {
    const id = world.appointment.id;
    expect((await agents.doctor.request('POST', `/api/appointments/${id}/call/start`, {})).status).toBe(200);
    expect((await agents.patient.request('POST', `/api/appointments/${id}/call/join`, {})).status).toBe(200);
    const d = await setup.socket(agents.doctor);
    await d.call({ type: 'join', appointmentId: id });
    const p = await setup.socket(agents.patient);
    await p.call({ type: 'join', appointmentId: id });
    await d.next('call-status', (m) => m.call.status === 'in_progress');
    if (stage === 'in-call') return '';
    const asked = await agents.doctor.request('POST', `/api/appointments/${id}/recordings`, {});
    const recordingId = (asked.body as { id: string }).id;
    if (stage === 'asking') return recordingId;
    await agents.patient.request('POST', `/api/recordings/${recordingId}/consent`, { answer: 'allow' });
    if (stage === 'recording') return recordingId;
    await putChunk(agents.doctor, recordingId);
    await agents.doctor.request('POST', `/api/recordings/${recordingId}/stop`, {
      segments: [{ segment: 0, chunks: 1 }],
    });
    return recordingId;
  };

  const putChunk = (agent: Agent, recordingId: string) =>
    agent.request('PUT', `/api/recordings/${recordingId}/segments/0/chunks/0`, CHUNK.toString('ascii'), {
      'content-type': 'application/octet-stream',
      'x-chunk-sha256': CHUNK_SHA,
    });

  beforeEach(async () => {
    ({ server, world } = await setup.open());
    for (const who of EVERYONE) {
      agents[who] = who === 'anonymous' ? new Agent(server) : await setup.signIn(who);
    }
  });

  for (const route of RECORDING_ROUTES) {
    it(`${route.name}: only the right roles get through; every refusal is audited and changes nothing`, async () => {
      const recordingId = await reach(route.stage);
      const path = route.path(world.appointment.id, recordingId);
      for (const who of RECORDING_CALLERS) {
        const before = recordingId ? await server.ctx.store.recordings.get(recordingId) : undefined;
        const deniedBefore =
          who === 'anonymous'
            ? 0
            : (await server.ctx.store.audit.list({ actorId: world[who].id })).filter(
                (e) => e.outcome === 'denied',
              ).length;
        const r =
          route.method === 'PUT'
            ? await putChunk(agents[who], recordingId)
            : await agents[who].request(route.method, path, route.body);
        const expected = route.expect[who];
        expect({ who, status: r.status }).toEqual({ who, status: expected });
        if (expected >= 400) {
          if (recordingId) expect(await server.ctx.store.recordings.get(recordingId)).toEqual(before);
          if (who !== 'anonymous') {
            const denied = (await server.ctx.store.audit.list({ actorId: world[who].id })).filter(
              (e) => e.outcome === 'denied',
            );
            expect({ who, audited: denied.length - deniedBefore }).toEqual({ who, audited: 1 });
          }
        }
      }
    });
  }
});

/** Who asks: the hospital's admin and everyone who is not. */
type Caller = 'anonymous' | 'linkGuest' | 'patient' | 'doctor' | 'otherAdmin' | 'admin';
/** The admin last: what it changes (a deactivated doctor) must not change what the others are told. */
const CALLERS: Caller[] = ['anonymous', 'linkGuest', 'patient', 'doctor', 'otherAdmin', 'admin'];

/**
 * Everyone but the hospital's own admin is refused alike (docs/admin-api.md): no session is
 * 401, and a link guest, who holds only a call cookie, has none; any other role, and an admin of another
 * hospital, is 403 `forbidden`.
 */
const REFUSED: Record<Exclude<Caller, 'admin'>, { status: number; code: string }> = {
  anonymous: { status: 401, code: 'unauthenticated' },
  linkGuest: { status: 401, code: 'unauthenticated' },
  patient: { status: 403, code: 'forbidden' },
  doctor: { status: 403, code: 'forbidden' },
  otherAdmin: { status: 403, code: 'forbidden' },
};

interface AdminRoute {
  /** As the API document lists it: `METHOD /api/...` with `:params`. */
  route: string;
  /** The audit action of its refusals. */
  audit: string;
  /** What the hospital's admin gets. */
  ok: number;
  body?: (w: World) => unknown;
  /** `:id`: the hospital's appointment unless it is a person (the hospital's doctor). */
  person?: true;
  /** A query string the route needs, without the `?`. */
  query?: string;
}

const TOMORROW = Date.now() + 86_400_000;
const NO_ROWS_CSV = { csv: 'doctor_email,patient_email,start,length_minutes\n' };

/** Every admin route, one line each (a test below fails when the API document has one this lacks). */
const ADMIN_ROUTES: AdminRoute[] = [
  { route: 'GET /api/hospitals/:hospitalId/appointments', audit: 'appointment.list', ok: 200 },
  {
    route: 'POST /api/hospitals/:hospitalId/appointments',
    audit: 'appointment.create',
    ok: 201,
    body: (w) => ({
      doctorId: w.doctor.id,
      patientId: w.patient.id,
      scheduledAt: TOMORROW,
      lengthMinutes: 30,
      confirm: true,
    }),
  },
  {
    route: 'POST /api/hospitals/:hospitalId/appointments/import/preview',
    audit: 'appointment.import',
    ok: 200,
    body: () => NO_ROWS_CSV,
  },
  {
    route: 'POST /api/hospitals/:hospitalId/appointments/import',
    audit: 'appointment.import',
    ok: 201,
    body: () => NO_ROWS_CSV,
  },
  {
    route: 'POST /api/appointments/:id/reschedule',
    audit: 'appointment.reschedule',
    ok: 200,
    body: () => ({ scheduledAt: TOMORROW, confirm: true }),
  },
  {
    route: 'POST /api/appointments/:id/reassign',
    audit: 'appointment.reassign',
    ok: 200,
    body: (w) => ({ doctorId: w.doctor.id }),
  },
  { route: 'POST /api/appointments/:id/cancel', audit: 'appointment.cancel', ok: 200, body: () => ({}) },
  { route: 'GET /api/appointments/:id/calls', audit: 'appointment.calls', ok: 200 },
  {
    route: 'GET /api/hospitals/:hospitalId/dashboard',
    audit: 'dashboard.read',
    ok: 200,
    query: 'day=2026-12-04&tzOffsetMinutes=60',
  },
  {
    route: 'GET /api/hospitals/:hospitalId/analytics',
    audit: 'analytics.read',
    ok: 200,
    query: 'from=2026-11-01&to=2026-12-04&tz=Europe/Berlin',
  },
  {
    route: 'GET /api/hospitals/:hospitalId/analytics/calls.csv',
    audit: 'analytics.export',
    ok: 200,
    query: 'from=2026-11-01&to=2026-12-04&tz=Europe/Berlin',
  },
  { route: 'GET /api/hospitals/:hospitalId/policy', audit: 'policy.read', ok: 200 },
  {
    route: 'PUT /api/hospitals/:hospitalId/policy',
    audit: 'policy.update',
    ok: 200,
    body: () => ({ checkInMinutes: 20 }),
  },
  { route: 'GET /api/hospitals/:hospitalId/audit', audit: 'audit.read', ok: 200 },
  {
    route: 'GET /api/hospitals/:hospitalId/audit.csv',
    audit: 'audit.export',
    ok: 200,
    query: 'action=call.&outcome=denied',
  },
  { route: 'GET /api/hospitals/:hospitalId/people', audit: 'people.list', ok: 200 },
  {
    route: 'POST /api/hospitals/:hospitalId/people',
    audit: 'people.create',
    ok: 201,
    body: () => ({ displayName: 'Dr. Made', email: 'made@a.test', role: 'doctor' }),
  },
  { route: 'GET /api/hospitals/:hospitalId/people/:id', audit: 'people.view', ok: 200, person: true },
  {
    route: 'POST /api/hospitals/:hospitalId/people/:id/set-password-link',
    audit: 'people.reset-link',
    ok: 201,
    person: true,
  },
  {
    route: 'GET /api/hospitals/:hospitalId/people/:id/future-appointments',
    audit: 'people.future-appointments',
    ok: 200,
    person: true,
  },
  {
    route: 'POST /api/hospitals/:hospitalId/people/:id/reactivate',
    audit: 'people.reactivate',
    ok: 200,
    person: true,
  },
  {
    route: 'POST /api/hospitals/:hospitalId/people/:id/deactivate',
    audit: 'people.deactivate',
    ok: 200,
    person: true,
  },
];

/** An admin route of the API document: under a hospital, or tagged as an admin tool. */
function isAdminOperation(path: string, tags: readonly string[]): boolean {
  return path.startsWith('/api/hospitals/') || tags.some((t) => t.startsWith('admin'));
}

describe.each(testDatabases())('admin routes × every caller on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  const agents = {} as Record<Caller, Agent>;

  beforeEach(async () => {
    ({ server, world } = await setup.open());
    for (const who of ['patient', 'doctor', 'otherAdmin', 'admin'] as const)
      agents[who] = await setup.signIn(who);
    agents.anonymous = new Agent(server);
    // A link guest: the patient's call link of another appointment of the hospital, exchanged in a
    // browser that never signed in, so the appointment the routes are about stays as it was.
    const second = await server.ctx.store.appointments.create({
      hospitalId: world.hospitalA,
      doctorId: world.doctor.id,
      patientId: world.patient.id,
      scheduledAt: TOMORROW,
      reason: 'Second',
    });
    const doctor = await setup.signIn('doctor');
    const started = await doctor.request('POST', `/api/appointments/${second.id}/call/start`, {});
    expect(started.status).toBe(200);
    const link = (started.body as CallStartInfo).links.patient;
    agents.linkGuest = new Agent(server);
    const token = new URL(link.url).hash.replace('#token=', '');
    const exchanged = await agents.linkGuest.request('POST', '/api/call-links/exchange', {
      token,
      displayName: 'Pat',
    });
    expect(exchanged.status).toBe(200);
    expect({ session: agents.linkGuest.cookie, call: agents.linkGuest.callCookie !== '' }).toEqual({
      session: '',
      call: true,
    });
  });

  /** Every row of every table but the audit trail, which a refusal adds to. */
  const state = async () => {
    const k = server.ctx.store.db.kysely;
    const tables = [
      'hospitals',
      'users',
      'sessions',
      'appointments',
      'call_sessions',
      'call_links',
      'call_grants',
      'chat_messages',
      'patient_hospitals',
      'password_links',
      'hospital_policies',
    ] as const;
    const rows: Record<string, string[]> = {};
    for (const t of tables) {
      rows[t] = (await k.selectFrom(t).selectAll().execute()).map((r) => JSON.stringify(r)).sort();
    }
    return rows;
  };
  /** The caller behind the request, as the audit trail names them (a link guest is the link's patient). */
  const actorOf = (who: Caller): string | null =>
    who === 'anonymous' ? null : who === 'linkGuest' ? world.patient.id : world[who].id;
  const denials = async (who: Caller) => {
    const actorId = actorOf(who);
    if (actorId === null) return [];
    return (await server.ctx.store.audit.list({ actorId }))
      .filter((e) => e.outcome === 'denied')
      .map((e) => ({ action: e.action, detail: e.detail }));
  };
  const pathOf = (route: AdminRoute) =>
    (route.route.split(' ')[1] ?? '')
      .replace(':hospitalId', world.hospitalA)
      .replace(':id', route.person ? world.doctor.id : world.appointment.id) +
    (route.query ? `?${route.query}` : '');

  for (const route of ADMIN_ROUTES) {
    it(`${route.route}: only the hospital's admin gets through; every refusal is audited and changes nothing`, async () => {
      const method = route.route.split(' ')[0] ?? '';
      for (const who of CALLERS) {
        const before = await state();
        const deniedBefore = await denials(who);
        const r = await agents[who].request(method, pathOf(route), route.body?.(world));
        if (who === 'admin') {
          expect({ who, status: r.status, body: r.body }).toMatchObject({ who, status: route.ok });
          continue;
        }
        const refused = REFUSED[who];
        expect({ who, status: r.status, body: r.body }).toEqual({
          who,
          status: refused.status,
          body: { error: { code: refused.code, message: expect.any(String) } },
        });
        expect({ who, state: await state() }).toEqual({ who, state: before });
        // Anonymous refusals name nobody and are not kept; a link guest's names the link's patient.
        expect({ who, audited: (await denials(who)).slice(deniedBefore.length) }).toEqual({
          who,
          audited:
            who === 'anonymous'
              ? []
              : [{ action: route.audit, detail: JSON.stringify({ code: refused.code }) }],
        });
      }
    });
  }

  it('every admin route of the API document is in this matrix, and every row of it is a real route', async () => {
    const r = await agents.anonymous.request('GET', '/api/openapi.json');
    const doc = r.body as { paths: Record<string, Record<string, { tags?: string[] }>> };
    const inDocument = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        route: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        admin: isAdminOperation(path, op.tags ?? []),
      })),
    );
    const inMatrix = ADMIN_ROUTES.map((a) => a.route);
    expect(inDocument.filter((d) => d.admin && !inMatrix.includes(d.route)).map((d) => d.route)).toEqual([]);
    const documented = inDocument.map((d) => d.route);
    expect(inMatrix.filter((m) => !documented.includes(m))).toEqual([]);
    expect(new Set(inMatrix).size).toBe(inMatrix.length);
  });
});
