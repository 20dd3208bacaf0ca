import { beforeEach, describe, expect, it } from 'vitest';
import type { CallContext, CallLinkView, CallStartInfo } from '../../src/protocol/api.js';
import type { ErrorBody } from '../../src/protocol/errors.js';
import type { Database } from '../../src/server/db/schema.js';
import { hashSecret } from '../../src/server/ids.js';
import { FakeClock } from '../support/clock.js';
import type { World } from '../support/fixtures.js';
import { Agent, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const HOUR = 3_600_000;
const TABLES: Array<keyof Database> = [
  'hospitals',
  'users',
  'sessions',
  'appointments',
  'call_sessions',
  'call_links',
  'call_grants',
  'chat_messages',
  'audit_events',
];

const tokenOf = (link: CallLinkView): string => link.url.split('#token=')[1] ?? '';
const errorCode = (r: { body: unknown }): string | undefined => (r.body as ErrorBody | null)?.error?.code;

describe.each(testDatabases())('call links and call cookies on $name', (database) => {
  const setup = useWorld({ database, hubLimits: { sessionCheckMs: 25 } });
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  let doctor: Agent;
  let patient: Agent;

  const path = (suffix: string, id = world.appointment.id) => `/api/appointments/${id}/call/${suffix}`;
  const start = async (): Promise<CallStartInfo> => {
    const r = await doctor.request('POST', path('start'), {});
    expect(r.status).toBe(200);
    return r.body as CallStartInfo;
  };
  const end = async () => expect((await doctor.request('POST', path('end'), {})).status).toBe(200);
  const exchange = (agent: Agent, token: string, displayName?: string, headers?: Record<string, string>) =>
    agent.request(
      'POST',
      '/api/call-links/exchange',
      { token, ...(displayName === undefined ? {} : { displayName }) },
      headers,
    );
  const socket = (agent: Agent) => setup.socket(agent);
  const dump = async (tables = TABLES) => {
    const k = server.ctx.store.db.kysely;
    const rows: Record<string, unknown[]> = {};
    for (const t of tables) rows[t] = await k.selectFrom(t).selectAll().execute();
    return rows;
  };
  /** The appointment and its call sessions, to show that a refusal changed nothing. */
  const callRows = async () => ({
    appointment: await server.ctx.store.appointments.get(world.appointment.id),
    sessions: await server.ctx.store.callSessions.listForAppointment(world.appointment.id),
  });

  beforeEach(async () => {
    clock = new FakeClock();
    ({ server, world } = await setup.open({ clock }));
    ({ doctor, patient } = await setup.signInAll('doctor', 'patient'));
  });

  it('S16 start returns a doctor and a patient link with the token in the fragment only', async () => {
    const { links } = await start();
    for (const [role, link] of Object.entries(links)) {
      expect(link.role).toBe(role);
      expect(link.url).toMatch(
        new RegExp(`^http://127\\.0\\.0\\.1:1/appointments/${world.appointment.id}/call#token=[\\w-]{43}$`),
      );
      expect(link.url).not.toContain('?');
      expect(link.expiresAt).toBe(clock.now() + 24 * HOUR);
    }
    expect(tokenOf(links.doctor)).not.toBe(tokenOf(links.patient));
  });

  it('S16 the database keeps only SHA-256 digests of link tokens and call cookies', async () => {
    const { links } = await start();
    const anon = new Agent(server);
    expect((await exchange(anon, tokenOf(links.patient), 'Pat')).status).toBe(200);
    const stored = await dump(['call_links', 'call_grants']);
    expect(stored['call_links']).toHaveLength(2);
    expect(stored['call_grants']).toHaveLength(2);
    const roles = (stored['call_links'] as Array<{ token_hash: string; role: string }>).map((l) => l.role);
    expect(roles.sort()).toEqual(['doctor', 'patient']);
    for (const link of Object.values(links)) {
      const row = (stored['call_links'] as Array<{ token_hash: string; role: string }>).find(
        (l) => l.role === link.role,
      );
      expect(row?.token_hash).toBe(hashSecret(tokenOf(link)));
      expect(row?.token_hash).not.toBe(tokenOf(link));
    }
    const cookieSecret = anon.callCookie.split('=')[1] ?? '';
    const doctorSecret = doctor.callCookie.split('=')[1] ?? '';
    expect(cookieSecret.length).toBeGreaterThan(20);
    const grants = stored['call_grants'] as Array<{ secret_hash: string }>;
    expect(grants.map((g) => g.secret_hash).sort()).toEqual(
      [hashSecret(cookieSecret), hashSecret(doctorSecret)].sort(),
    );
    const everything = JSON.stringify(await dump());
    for (const secret of [tokenOf(links.doctor), tokenOf(links.patient), cookieSecret, doctorSecret]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('S16 a patient link exchanged without a session gives a call cookie for that one appointment', async () => {
    const { links } = await start();
    const later = await server.ctx.store.appointments.create({
      hospitalId: world.hospitalA,
      doctorId: world.doctor.id,
      patientId: world.patient.id,
      scheduledAt: clock.now() + 24 * HOUR,
      reason: 'Follow-up',
    });
    const anon = new Agent(server);
    const r = await exchange(anon, tokenOf(links.patient), '  Pat Typed  ');
    expect(r.status).toBe(200);
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('carecall_call='));
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    expect(anon.cookie).toBe('');
    const context = r.body as CallContext;
    expect(context).toMatchObject({
      via: 'link',
      appointmentId: world.appointment.id,
      self: { userId: world.patient.id, role: 'patient', displayName: 'Pat Typed' },
      other: { role: 'doctor', displayName: 'Dr. A' },
      hasGrant: true,
      grantExpiresAt: links.patient.expiresAt,
      call: { status: 'waiting' },
    });

    const s = await socket(anon);
    expect(s.received).toEqual([]);
    expect(await s.call({ type: 'subscribe', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
    expect(await s.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
    expect((await s.next('joined')).self).toEqual({
      userId: world.patient.id,
      role: 'patient',
      displayName: 'Pat Typed',
    });
    const chat = await s.call({
      type: 'chat',
      appointmentId: world.appointment.id,
      clientId: 'c1',
      body: 'hello',
    });
    expect(chat).toMatchObject({ type: 'ack', message: { senderId: world.patient.id, body: 'hello' } });

    expect(await s.call({ type: 'subscribe', appointmentId: later.id })).toMatchObject({ code: 'not_party' });
    expect(
      await s.call({ type: 'chat', appointmentId: later.id, clientId: 'c2', body: 'elsewhere' }),
    ).toMatchObject({ code: 'not_party' });
    expect(await server.ctx.store.chat.list(later.id, { limit: 10 })).toEqual([]);
    expect((await anon.request('GET', '/api/appointments')).status).toBe(401);
    expect((await anon.request('GET', `/api/appointments/${later.id}/messages`)).status).toBe(403);
    const post = await anon.request('POST', `/api/appointments/${world.appointment.id}/messages`, {
      clientId: 'c3',
      body: 'over HTTP',
    });
    expect(post.status).toBe(201);
  });

  it('S18 a link is exchanged once: another browser is refused, the same browser gets its cookie back', async () => {
    const { links } = await start();
    const first = new Agent(server);
    expect((await exchange(first, tokenOf(links.patient), 'Pat')).status).toBe(200);
    const cookie = first.callCookie;
    const before = await callRows();

    const second = new Agent(server);
    const refused = await exchange(second, tokenOf(links.patient), 'Mallory');
    expect(refused.status).toBe(409);
    expect(errorCode(refused)).toBe('link_already_used');
    expect(second.callCookie).toBe('');

    const again = await exchange(first, tokenOf(links.patient), 'Pat');
    expect(again.status).toBe(200);
    expect(again.headers.getSetCookie().filter((c) => c.startsWith('carecall_call='))).toEqual([]);
    expect(first.callCookie).toBe(cookie);
    expect((again.body as CallContext).self.displayName).toBe('Pat');
    expect(await callRows()).toEqual(before);
    expect(await server.ctx.store.db.kysely.selectFrom('call_grants').selectAll().execute()).toHaveLength(2);
  });

  it('S18 two browsers exchanging the same link at once: exactly one gets the cookie', async () => {
    const { links } = await start();
    const [a, b] = [new Agent(server), new Agent(server)];
    const results = await Promise.all([
      exchange(a, tokenOf(links.patient), 'Pat'),
      exchange(b, tokenOf(links.patient), 'Pat'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect([a.callCookie, b.callCookie].filter(Boolean)).toHaveLength(1);
    const grants = await server.ctx.store.db.kysely.selectFrom('call_grants').selectAll().execute();
    expect(grants.filter((g) => g.link_id !== null)).toHaveLength(1);
  });

  it('S16 a doctor link acts as the doctor under the doctor’s own name', async () => {
    const { links } = await start();
    const anon = new Agent(server);
    const r = await exchange(anon, tokenOf(links.doctor), 'Somebody Else');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      via: 'link',
      self: { userId: world.doctor.id, role: 'doctor', displayName: 'Dr. A' },
    });
    const s = await socket(anon);
    expect(await s.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
    expect(await s.call({ type: 'screen-share', active: true })).toMatchObject({ type: 'ack' });
  });

  it('S18 a forged, a malformed and an unknown token are link_invalid', async () => {
    await start();
    const before = await callRows();
    const anon = new Agent(server);
    for (const token of ['A'.repeat(43), 'not a token!', 'x']) {
      const r = await exchange(anon, token, 'Pat');
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe('link_invalid');
    }
    expect(anon.callCookie).toBe('');
    expect(await callRows()).toEqual(before);
  });

  it('S18 a link past VIDEO_CALL_TOKEN_EXPIRY_HOURS is link_expired', async () => {
    const { links } = await start();
    const before = await callRows();
    clock.advance(24 * HOUR);
    const r = await exchange(new Agent(server), tokenOf(links.patient), 'Pat');
    expect(r.status).toBe(410);
    expect(errorCode(r)).toBe('link_expired');
    expect(await callRows()).toEqual(before);
  });

  it('S18 a restart revokes the old links and closes sockets opened with only their cookie (4006)', async () => {
    const first = await start();
    const anon = new Agent(server);
    expect((await exchange(anon, tokenOf(first.links.patient), 'Pat')).status).toBe(200);
    const linkOnly = await socket(anon);
    const signedIn = await socket(doctor);
    await end();
    const second = await start();
    expect((await linkOnly.closed()).code).toBe(4006);

    for (const link of [first.links.doctor, first.links.patient]) {
      const r = await exchange(new Agent(server), tokenOf(link), 'Pat');
      expect(r.status).toBe(410);
      expect(errorCode(r)).toBe('link_revoked');
    }
    // A signed-in socket stays open; it merely lost the earlier call's cookie.
    expect(await signedIn.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      code: 'call_grant_required',
    });
    const r = await exchange(new Agent(server), tokenOf(second.links.patient), 'Pat');
    expect(r.status).toBe(200);
  });

  it('S18 a socket opened with only a call cookie is closed with 4005 when its link expires', async () => {
    const { links } = await start();
    const anon = new Agent(server);
    expect((await exchange(anon, tokenOf(links.patient), 'Pat')).status).toBe(200);
    const s = await socket(anon);
    await s.call({ type: 'join', appointmentId: world.appointment.id });
    clock.set(links.patient.expiresAt);
    expect((await s.closed()).code).toBe(4005);
    const refused = await anon.socket().catch((err: { status?: number }) => err);
    expect(refused).toMatchObject({ status: 401 });
  });

  it('S18 a link opened in a browser signed in as someone else is link_for_other_user', async () => {
    const { links } = await start();
    const before = await callRows();
    const otherPatient = await Agent.signIn(server, 'patient@b.test');
    const r = await exchange(otherPatient, tokenOf(links.patient), 'Pat');
    expect(r.status).toBe(409);
    expect(errorCode(r)).toBe('link_for_other_user');
    const wrongParty = await exchange(patient, tokenOf(links.doctor));
    expect(wrongParty.status).toBe(409);
    expect(errorCode(wrongParty)).toBe('link_for_other_user');
    expect(otherPatient.callCookie).toBe('');
    // Neither refusal used the link up.
    expect((await exchange(new Agent(server), tokenOf(links.patient), 'Pat')).status).toBe(200);
    expect((await callRows()).appointment).toEqual(before.appointment);
  });

  it('S18 a patient link needs the typed name without a session, not with one', async () => {
    const { links } = await start();
    const anon = new Agent(server);
    for (const name of [undefined, '   ', 'x'.repeat(81)]) {
      const r = await exchange(anon, tokenOf(links.patient), name);
      expect(r.status).toBe(400);
      expect(errorCode(r)).toBe('validation_failed');
    }
    const r = await exchange(patient, tokenOf(links.patient));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ via: 'session', self: { displayName: 'Patient A' } });
  });

  it('S18 a link exchange from a foreign Origin is refused', async () => {
    const { links } = await start();
    const anon = new Agent(server);
    const r = await exchange(anon, tokenOf(links.patient), 'Pat', { origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(errorCode(r)).toBe('origin_not_allowed');
    expect(anon.callCookie).toBe('');
    expect((await exchange(anon, tokenOf(links.patient), 'Pat')).status).toBe(200);
  });

  it('S18 every exchange is audited, allowed and denied, without the token', async () => {
    const { links } = await start();
    await exchange(new Agent(server), tokenOf(links.patient), 'Pat');
    await exchange(new Agent(server), tokenOf(links.patient), 'Eve');
    await exchange(new Agent(server), 'B'.repeat(43), 'Eve');
    const audit = (await server.ctx.store.audit.list()).filter((e) => e.action === 'call.link.exchange');
    expect(audit.map((e) => [e.outcome, e.detail && JSON.parse(e.detail)])).toEqual([
      ['ok', { role: 'patient', signedIn: false }],
      ['denied', { code: 'link_already_used' }],
      ['denied', { code: 'link_invalid' }],
    ]);
    expect(audit[0]).toMatchObject({ actor_id: world.patient.id, appointment_id: world.appointment.id });
    const text = JSON.stringify(await server.ctx.store.audit.list());
    expect(text).not.toContain(tokenOf(links.patient));
    expect(text).not.toContain(tokenOf(links.doctor));
  });

  it('S16 invite: the doctor of an active call only, at most 10 extra patient links', async () => {
    const before = await doctor.request('POST', path('invite'), {});
    expect(before.status).toBe(409);
    expect(errorCode(before)).toBe('call_not_active');
    await start();
    const byPatient = await patient.request('POST', path('invite'), {});
    expect(byPatient.status).toBe(403);
    expect(errorCode(byPatient)).toBe('wrong_role');
    const tokens = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const r = await doctor.request('POST', path('invite'), {});
      expect(r.status).toBe(200);
      const { link } = r.body as { link: CallLinkView };
      expect(link.role).toBe('patient');
      tokens.add(tokenOf(link));
    }
    expect(tokens.size).toBe(10);
    const rows = await callRows();
    const eleventh = await doctor.request('POST', path('invite'), {});
    expect(eleventh.status).toBe(429);
    expect(errorCode(eleventh)).toBe('too_many_links');
    expect(await callRows()).toEqual(rows);
    // Any invited link works, once.
    const [one] = [...tokens];
    expect((await exchange(new Agent(server), one ?? '', 'Pat')).status).toBe(200);
    await end();
    const after = await doctor.request('POST', path('invite'), {});
    expect(errorCode(after)).toBe('call_not_active');
  });

  it('S16 join is the patient’s, enter either party’s, and only while the call is active', async () => {
    const admin = await Agent.signIn(server, 'admin@a.test');
    const otherDoctor = await Agent.signIn(server, 'doctor@b.test');
    const before = await callRows();
    const expectRefused = async (agent: Agent, suffix: string, status: number, code: string) => {
      const r = await agent.request('POST', path(suffix), {});
      expect([suffix, r.status, errorCode(r)]).toEqual([suffix, status, code]);
      expect(agent.callCookie).toBe('');
    };
    await expectRefused(doctor, 'join', 403, 'wrong_role');
    await expectRefused(admin, 'join', 403, 'wrong_role');
    await expectRefused(otherDoctor, 'join', 403, 'not_party');
    await expectRefused(patient, 'join', 409, 'call_not_active');
    await expectRefused(doctor, 'enter', 409, 'call_not_active');
    await expectRefused(patient, 'enter', 409, 'call_not_active');
    await expectRefused(admin, 'enter', 403, 'wrong_role');
    expect(await callRows()).toEqual(before);

    await start();
    doctor.callCookie = '';
    await expectRefused(admin, 'join', 403, 'wrong_role');
    await expectRefused(otherDoctor, 'enter', 403, 'not_party');
    await expectRefused(doctor, 'join', 403, 'wrong_role');
    const entered = await doctor.request('POST', path('enter'), {});
    expect(entered.status).toBe(200);
    expect(entered.body).toMatchObject({ call: { status: 'waiting' } });
    expect(doctor.callCookie).not.toBe('');
    const joined = await patient.request('POST', path('join'), {});
    expect(joined.status).toBe(200);
    expect(patient.callCookie).not.toBe('');
    const d = await socket(doctor);
    expect(await d.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
  });
});
