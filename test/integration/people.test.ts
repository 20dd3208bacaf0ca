import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreatedPerson, DeactivatedPerson, PeoplePage } from '../../src/protocol/people.js';
import type { Db } from '../../src/server/db/database.js';
import { FakeClock } from '../support/clock.js';
import type { World } from '../support/fixtures.js';
import { Agent, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const tokenOf = (url: string) => new URL(url).hash.replace('#token=', '');

describe.each(testDatabases())('people on $name', (database) => {
  const setup = useWorld({ database });
  let db: Db;
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  let admin: Agent;

  beforeEach(async () => {
    clock = new FakeClock();
    ({ db, server, world } = await setup.open({ clock }));
    admin = await setup.signIn('admin');
  });

  const people = () => `/api/hospitals/${world.hospitalA}/people`;
  const create = async (body: unknown, as = admin) => as.request('POST', people(), body);
  const list = async (query = '') => (await admin.request('GET', `${people()}${query}`)).body as PeoplePage;
  const setPassword = (token: string, password: string) =>
    new Agent(server).request('POST', '/api/set-password', { token, password });
  const snapshot = async () => ({
    users: await db.kysely.selectFrom('users').selectAll().orderBy('id').execute(),
    links: await db.kysely.selectFrom('password_links').selectAll().orderBy('id').execute(),
    patients: await db.kysely.selectFrom('patient_hospitals').selectAll().orderBy('patient_id').execute(),
    sessions: await db.kysely
      .selectFrom('sessions')
      .select(['id_hash', 'revoked_at'])
      .orderBy('id_hash')
      .execute(),
  });

  it("lists and searches only the admin's hospital, by name, email, role and status, paged", async () => {
    const all = await list();
    expect(all.people.map((p) => p.email).sort()).toEqual([
      'admin@a.test',
      'doctor@a.test',
      'patient@a.test',
    ]);
    expect(all.total).toBe(3);
    expect((await list('?q=DR.')).people.map((p) => p.email)).toEqual(['doctor@a.test']);
    expect((await list('?q=patient%40a')).people.map((p) => p.email)).toEqual(['patient@a.test']);
    expect((await list('?q=%25')).total).toBe(0);
    expect((await list('?role=admin')).people.map((p) => p.email)).toEqual(['admin@a.test']);
    const page = await list('?pageSize=2&page=2');
    expect({ n: page.people.length, total: page.total, page: page.page }).toEqual({
      n: 1,
      total: 3,
      page: 2,
    });
    expect((await list('?status=deactivated')).total).toBe(0);
  });

  it('creates a doctor with a one-time link; the doctor sets a password and signs in; the link then fails', async () => {
    const r = await create({ displayName: ' Dr. New ', email: 'New@A.test', role: 'doctor' });
    expect(r.status).toBe(201);
    const created = r.body as CreatedPerson;
    expect(created.person).toMatchObject({ email: 'new@a.test', displayName: 'Dr. New', role: 'doctor' });
    expect(created.linkedExisting).toBe(false);
    expect(created.setPasswordLink?.url).toMatch(/^http:\/\/127\.0\.0\.1:1\/set-password#token=[\w-]{43}$/);
    expect(created.setPasswordLink?.expiresAt).toBe(clock.now() + 72 * 3_600_000);
    expect(created.setPasswordLink?.emailed).toBe(false);
    // Only a hash of the token is stored.
    const token = tokenOf(created.setPasswordLink?.url ?? '');
    const stored = await db.kysely.selectFrom('password_links').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);
    // No password works before the link is used.
    expect(
      (await new Agent(server).request('POST', '/api/session', { email: 'new@a.test', password: '!' }))
        .status,
    ).toBe(401);

    expect((await setPassword(token, 'short')).status).toBe(400);
    expect((await setPassword(token, 'a good long password')).status).toBe(204);
    await Agent.signIn(server, 'new@a.test', 'a good long password');
    const again = await setPassword(token, 'another long password');
    expect(again.status).toBe(410);
    expect(again.body).toMatchObject({ error: { code: 'password_link_used' } });
    await Agent.signIn(server, 'new@a.test', 'a good long password');
    expect((await list('?role=doctor')).total).toBe(2);
  });

  it('an expired or unknown link is refused and changes nothing', async () => {
    const created = (await create({ displayName: 'P', email: 'p@x.test', role: 'patient' }))
      .body as CreatedPerson;
    const token = tokenOf(created.setPasswordLink?.url ?? '');
    clock.advance(72 * 3_600_000);
    const before = await snapshot();
    const expired = await setPassword(token, 'a good long password');
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: { code: 'password_link_expired' } });
    const unknown = await setPassword('x'.repeat(43), 'a good long password');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'password_link_invalid' } });
    expect(await snapshot()).toEqual(before);
  });

  it('a reset gives a new link, ends the old one, and setting the password signs out old sessions', async () => {
    const doctor = await setup.signIn('doctor');
    const socket = await setup.socket(doctor);
    const first = await admin.request('POST', `${people()}/${world.doctor.id}/set-password-link`);
    expect(first.status).toBe(201);
    const second = await admin.request('POST', `${people()}/${world.doctor.id}/set-password-link`);
    const url = (x: unknown) => (x as { setPasswordLink: { url: string } }).setPasswordLink.url;
    expect((await setPassword(tokenOf(url(first.body)), 'a good long password')).status).toBe(410);
    expect((await setPassword(tokenOf(url(second.body)), 'a good long password')).status).toBe(204);
    expect((await socket.closed()).code).toBe(4004);
    expect((await doctor.request('GET', '/api/appointments')).status).toBe(401);
    await Agent.signIn(server, 'doctor@a.test', 'a good long password');
  });

  it('duplicate emails: 409 for staff anywhere; an existing patient is linked, not duplicated', async () => {
    const dup = await create({ displayName: 'X', email: 'doctor@a.test', role: 'doctor' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: { code: 'email_taken', message: expect.any(String) } });
    expect((await create({ displayName: 'X', email: 'DOCTOR@b.test', role: 'doctor' })).status).toBe(409);
    expect((await create({ displayName: 'X', email: 'doctor@b.test', role: 'patient' })).status).toBe(409);
    expect((await create({ displayName: 'X', email: 'patient@b.test', role: 'admin' })).status).toBe(409);
    const usersBefore = await db.kysely.selectFrom('users').selectAll().execute();
    const linked = await create({ displayName: 'ignored', email: 'patient@b.test', role: 'patient' });
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({
      linkedExisting: true,
      setPasswordLink: null,
      person: { id: world.otherPatient.id, displayName: 'Patient B' },
    });
    expect(await db.kysely.selectFrom('users').selectAll().execute()).toEqual(usersBefore);
    expect((await list('?role=patient')).people.map((p) => p.email).sort()).toEqual([
      'patient@a.test',
      'patient@b.test',
    ]);
    expect((await create({ displayName: 'X', email: 'patient@b.test', role: 'patient' })).status).toBe(409);
    // Shared with hospital B now: one hospital cannot lock the patient out of the other's care.
    const shared = await admin.request('POST', `${people()}/${world.otherPatient.id}/deactivate`);
    expect(shared.status).toBe(409);
    expect(shared.body).toMatchObject({ error: { code: 'patient_elsewhere' } });
  });

  it('deactivating a doctor ends their sessions and sockets at once, lists their coming appointments, and blocks sign-in', async () => {
    const doctor = await setup.signIn('doctor');
    const socket = await setup.socket(doctor);
    const r = await admin.request('POST', `${people()}/${world.doctor.id}/deactivate`);
    expect(r.status).toBe(200);
    const body = r.body as DeactivatedPerson;
    expect(body.person.deactivatedAt).toBe(clock.now());
    expect(body.futureAppointments.map((a) => a.id)).toEqual([world.appointment.id]);
    expect(body.futureAppointments[0]?.patient).toEqual({ id: world.patient.id, displayName: 'Patient A' });
    expect((await socket.closed()).code).toBe(4004);
    expect((await doctor.request('GET', '/api/appointments')).status).toBe(401);
    const signIn = await new Agent(server).request('POST', '/api/session', {
      email: 'doctor@a.test',
      password: 'correct horse battery',
    });
    expect(signIn.status).toBe(403);
    expect(signIn.body).toMatchObject({ error: { code: 'account_deactivated' } });
    const future = await admin.request('GET', `${people()}/${world.doctor.id}/future-appointments`);
    expect(future.body).toEqual({ appointments: body.futureAppointments });
    expect((await list('?status=deactivated')).people.map((p) => p.id)).toEqual([world.doctor.id]);
    // No new link for a deactivated account.
    expect((await admin.request('POST', `${people()}/${world.doctor.id}/set-password-link`)).status).toBe(
      403,
    );

    const back = await admin.request('POST', `${people()}/${world.doctor.id}/reactivate`);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ person: { deactivatedAt: null } });
    await setup.signIn('doctor');
    const own = await admin.request('POST', `${people()}/${world.admin.id}/deactivate`);
    expect(own.status).toBe(403);
    const actions = (await server.ctx.store.audit.list({ actorId: world.admin.id })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['people.deactivate', 'people.reactivate']));
  });

  it('bad input gets a clear validation error and changes nothing', async () => {
    const before = await snapshot();
    const cases: unknown[] = [
      {},
      { displayName: 'X', email: 'not-an-email', role: 'doctor' },
      { displayName: 'X', email: 'x@a.test', role: 'superuser' },
      { displayName: 'x'.repeat(201), email: 'x@a.test', role: 'doctor' },
      { displayName: '   ', email: 'x@a.test', role: 'doctor' },
      { displayName: 'X', email: `${'x'.repeat(250)}@a.test`, role: 'doctor' },
      { displayName: 'X', email: 'x@a.test', role: 'doctor', hospitalId: world.hospitalB },
      [],
      'null',
    ];
    for (const body of cases) {
      const r = await create(body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect(r.body).toMatchObject({
        error: { code: 'validation_failed', message: expect.stringMatching(/expected shape/) },
      });
    }
    const broken = await create('{"displayName":');
    expect(broken.body).toMatchObject({ error: { code: 'invalid_json' } });
    for (const q of [
      '?page=0',
      '?pageSize=1000',
      '?role=x',
      '?status=gone',
      `?q=${'x'.repeat(201)}`,
      '?other=1',
    ]) {
      const r = await admin.request('GET', `${people()}${q}`);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
    }
    for (const body of [
      {},
      { token: 't' },
      { token: 't', password: 'x'.repeat(1025) },
      { token: 'x'.repeat(257), password: 'long enough pw' },
    ]) {
      expect((await new Agent(server).request('POST', '/api/set-password', body)).status).toBe(400);
    }
    expect((await admin.request('GET', `${people()}/${'x'.repeat(65)}`)).status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it("a deactivated person's link, an email in use in any letter case, another hospital's people, an oversized body: refused, nothing changed", async () => {
    const made = (await create({ displayName: 'Dr. Soon Gone', email: 'soon@a.test', role: 'doctor' }))
      .body as CreatedPerson;
    const token = tokenOf(made.setPasswordLink?.url ?? '');
    expect((await admin.request('POST', `${people()}/${made.person.id}/deactivate`)).status).toBe(200);
    const before = await snapshot();

    const deactivated = await setPassword(token, 'a good long password');
    expect({ status: deactivated.status, body: deactivated.body }).toMatchObject({
      status: 403,
      body: { error: { code: 'account_deactivated' } },
    });
    for (const email of ['SOON@a.test', 'Doctor@A.TEST', 'Admin@a.test', 'ADMIN@B.TEST']) {
      const r = await create({ displayName: 'Again', email, role: 'doctor' });
      expect({ email, status: r.status, body: r.body }).toMatchObject({
        email,
        status: 409,
        body: { error: { code: 'email_taken' } },
      });
    }
    // Hospital B's doctor and patient are not hospital A's to manage, even named under A.
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/set-password-link'],
      ['POST', '/deactivate'],
      ['POST', '/reactivate'],
      ['GET', '/future-appointments'],
    ] as const) {
      for (const id of [world.otherDoctor.id, world.otherPatient.id]) {
        const r = await admin.request(method, `${people()}/${id}${suffix}`);
        expect({ suffix, status: r.status, body: r.body }).toMatchObject({
          suffix,
          status: 403,
          body: { error: { code: 'forbidden' } },
        });
      }
    }
    const huge = { displayName: 'x'.repeat(70_000), email: 'huge@a.test', role: 'doctor' };
    const tooLarge = await create(huge);
    expect({ status: tooLarge.status, body: tooLarge.body }).toMatchObject({
      status: 413,
      body: { error: { code: 'payload_too_large' } },
    });
    const hugePassword = await setPassword(token, 'x'.repeat(70_000));
    expect(hugePassword.status).toBe(413);
    const broken = await new Agent(server).request('POST', '/api/set-password', '{"token":');
    expect(broken.body).toMatchObject({ error: { code: 'invalid_json' } });
    expect(await snapshot()).toEqual(before);
  });

  it('set-password is refused from a foreign origin and rate limited', async () => {
    const foreign = await new Agent(server).request(
      'POST',
      '/api/set-password',
      { token: 't', password: 'long enough pw' },
      { origin: 'https://evil.example' },
    );
    expect(foreign.status).toBe(403);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await setPassword(`guess-${i}`, 'long enough pw')).status);
    expect(statuses.slice(0, 9).every((s) => s === 400)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('set-password links by mail', () => {
  const setup = useWorld();
  let smtp: SMTPServer | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    smtp = null;
  });

  it('mails the link when SMTP_URL is set, and never logs it', async () => {
    const received: { to: string[]; data: string }[] = [];
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, cb) {
        let data = '';
        stream.on('data', (c: Buffer) => {
          data += c.toString();
        });
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          cb();
        });
      },
    });
    const port = await new Promise<number>((resolve) => {
      smtp?.listen(0, '127.0.0.1', () => {
        const address = smtp?.server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    let logged = '';
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logged += chunk.toString();
        cb();
      },
    });
    const { server, world } = await setup.open({
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_FROM: 'clinic@a.test' },
      logger: { level: 'trace', stream },
    });
    const admin = await setup.signIn('admin');
    const r = await admin.request('POST', `/api/hospitals/${world.hospitalA}/people`, {
      displayName: 'Mailed Doctor',
      email: 'mailed@a.test',
      role: 'doctor',
    });
    expect(r.status).toBe(201);
    const link = (r.body as CreatedPerson).setPasswordLink;
    expect(link?.emailed).toBe(true);
    expect(received.map((m) => m.to)).toEqual([['mailed@a.test']]);
    const mail = (received[0]?.data ?? '').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    expect(mail).toContain(link?.url);
    expect(mail).toMatch(/^From: clinic@a\.test/m);
    const token = tokenOf(link?.url ?? '');
    expect(
      (await new Agent(server).request('POST', '/api/set-password', { token, password: 'mailed long pw' }))
        .status,
    ).toBe(204);
    await setup.close();
    expect(logged.length).toBeGreaterThan(0);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain('mailed long pw');
  });
});
