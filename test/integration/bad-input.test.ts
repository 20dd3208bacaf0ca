import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/server/db/database.js';
import { FakeClock } from '../support/clock.js';
import { PASSWORD, type World } from '../support/fixtures.js';
import { Agent, type TestServer } from '../support/server.js';
import { useWorld } from '../support/world.js';

const setup = useWorld();

describe('bad input over HTTP gets a clear error and changes nothing', () => {
  let db: Db;
  let server: TestServer;
  let world: World;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    ({ db, server, world } = await setup.open({ clock }));
  });

  const anon = () => new Agent(server);

  it('wrong password and unknown user get the same 401', async () => {
    const wrong = await anon().request('POST', '/api/session', { email: 'doctor@a.test', password: 'nope' });
    const unknown = await anon().request('POST', '/api/session', {
      email: 'nobody@a.test',
      password: 'nope',
    });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({
        error: { code: 'invalid_credentials', message: 'The email or password is wrong.' },
      });
      expect(r.headers.get('set-cookie')).toBeNull();
    }
    expect(await db.kysely.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  it('sign in sets an HttpOnly SameSite cookie; sign out revokes it', async () => {
    const a = new Agent(server);
    const r = await a.request('POST', '/api/session', { email: 'doctor@a.test', password: PASSWORD });
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const token = a.cookie;
    expect((await a.request('DELETE', '/api/session')).status).toBe(204);
    a.cookie = token;
    const after = await a.request('GET', '/api/appointments');
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ error: { code: 'session_expired' } });
  });

  it('an expired session is refused', async () => {
    const a = await Agent.signIn(server, 'patient@a.test');
    clock.advance(12 * 3_600_000 + 1);
    const r = await a.request('GET', '/api/appointments');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: { code: 'session_expired' } });
  });

  it('a forged session cookie is refused', async () => {
    const a = anon();
    a.cookie = 'carecall_session=forged-value-that-was-never-issued';
    const r = await a.request('GET', '/api/appointments');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: { code: 'session_expired' } });
  });

  it('malformed JSON is 400 invalid_json', async () => {
    const r = await anon().request('POST', '/api/session', '{"email": ');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'invalid_json' } });
  });

  it('missing fields are 400 validation_failed naming the field', async () => {
    const r = await anon().request('POST', '/api/session', { email: 'doctor@a.test' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'validation_failed' } });
    expect((r.body as { error: { message: string } }).error.message).toContain('password');
  });

  it('an oversized body is 413 and nothing is stored', async () => {
    const a = await Agent.signIn(server, 'patient@a.test');
    const r = await a.request('POST', `/api/appointments/${world.appointment.id}/messages`, {
      clientId: 'big',
      body: 'x'.repeat(70 * 1024),
    });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await server.ctx.store.chat.list(world.appointment.id, { limit: 10 })).toEqual([]);
  });

  it('a chat message over 4000 characters or blank is refused', async () => {
    const a = await Agent.signIn(server, 'patient@a.test');
    for (const body of ['x'.repeat(4001), '   ']) {
      const r = await a.request('POST', `/api/appointments/${world.appointment.id}/messages`, {
        clientId: 'c',
        body,
      });
      expect(r.status).toBe(400);
    }
    expect(await server.ctx.store.chat.list(world.appointment.id, { limit: 10 })).toEqual([]);
  });

  it('a state change without the CSRF token is 403 csrf_failed', async () => {
    const a = await Agent.signIn(server, 'doctor@a.test');
    a.csrf = '';
    const r = await a.request('POST', `/api/appointments/${world.appointment.id}/call/start`, {});
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: { code: 'csrf_failed' } });
    expect((await server.ctx.store.appointments.get(world.appointment.id))?.video_call_status).toBe(
      'not_started',
    );
  });

  it('a state change from a foreign Origin is 403 even with the token', async () => {
    const a = await Agent.signIn(server, 'doctor@a.test');
    const r = await a.request(
      'POST',
      `/api/appointments/${world.appointment.id}/call/start`,
      {},
      { origin: 'https://evil.example' },
    );
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: { code: 'origin_not_allowed' } });
  });

  it('sign-in from a foreign Origin is refused (login CSRF)', async () => {
    const r = await anon().request(
      'POST',
      '/api/session',
      { email: 'doctor@a.test', password: PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(r.status).toBe(403);
  });

  it('a non-JSON content type is 415', async () => {
    const r = await anon().request('POST', '/api/session', 'email=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(r.status).toBe(415);
    expect(r.body).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('an unknown route is a JSON 404', async () => {
    const r = await anon().request('GET', '/api/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
  });

  it('repeated wrong passwords are rate limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push(
        (await anon().request('POST', '/api/session', { email: 'doctor@a.test', password: `x${i}` })).status,
      );
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    // The same address may still sign in to another account: staff behind one NAT address are not locked
    // out by one person's mistakes (the email counts whatever its case).
    const other = await anon().request('POST', '/api/session', {
      email: 'patient@a.test',
      password: 'wrong',
    });
    expect(other.status).toBe(401);
    const sameInCapitals = await anon().request('POST', '/api/session', {
      email: ' DOCTOR@a.test',
      password: 'x',
    });
    expect(sameInCapitals.status).toBe(429);
  });

  it('responses carry strict security headers', async () => {
    const r = await anon().request('GET', '/healthz');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('cookies under HTTPS', () => {
  it('the session cookie is __Host- prefixed and Secure when the public origin is https', async () => {
    const { server } = await setup.open({ env: { PUBLIC_ORIGIN: 'https://care.example.org' } });
    const r = await new Agent(server).request(
      'POST',
      '/api/session',
      { email: 'doctor@a.test', password: PASSWORD },
      { origin: 'https://care.example.org' },
    );
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^__Host-carecall_session=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(r.headers.get('strict-transport-security')).toContain('max-age=31536000');
  });
});

describe('WebSocket upgrade checks', () => {
  let server: TestServer;

  beforeEach(async () => {
    ({ server } = await setup.open());
  });

  it('S1 an upgrade without a session is refused with 401', async () => {
    await expect(new Agent(server).socket()).rejects.toMatchObject({ status: 401 });
  });

  it('S1 an upgrade from a foreign Origin is refused with 403 even with a session', async () => {
    const a = await Agent.signIn(server, 'doctor@a.test');
    await expect(a.socket('https://evil.example')).rejects.toMatchObject({ status: 403 });
  });

  it('S14 signing out closes the session’s sockets with 4004', async () => {
    const a = await Agent.signIn(server, 'doctor@a.test');
    const s = await a.socket();
    await s.next('welcome');
    await a.request('DELETE', '/api/session');
    expect((await s.closed()).code).toBe(4004);
  });
});

describe('logs carry no secrets', () => {
  it('passwords, cookies, CSRF tokens and chat text never reach the log', async () => {
    let logged = '';
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logged += chunk.toString();
        cb();
      },
    });
    const { server, world } = await setup.open({ logger: { level: 'trace', stream } });
    await new Agent(server).request('POST', '/api/session', {
      email: 'doctor@a.test',
      password: 'wrong-secret-pw',
    });
    const a = await Agent.signIn(server, 'patient@a.test');
    await a.request('POST', `/api/appointments/${world.appointment.id}/messages`, {
      clientId: 'c',
      body: 'my private symptoms',
    });
    const s = await a.socket();
    await s.next('welcome');
    s.send({ type: 'chat', appointmentId: world.appointment.id, clientId: 'c2', body: 'more private text' });
    await s.next('ack');
    s.close();
    await setup.close();
    expect(logged.length).toBeGreaterThan(0);
    const token = a.cookie.split('=')[1] ?? '';
    for (const secret of [
      PASSWORD,
      'wrong-secret-pw',
      token,
      a.csrf,
      'my private symptoms',
      'more private text',
    ]) {
      expect(secret.length).toBeGreaterThan(0);
      expect(logged).not.toContain(secret);
    }
  });
});

describe('sign-in from one address', () => {
  const perAddress = useWorld({ env: { RATE_LIMIT_SIGN_IN_PER_ADDRESS_PER_MINUTE: '5' } });

  it('all sign-in attempts from one address are limited too, whatever the accounts', async () => {
    const { server } = await perAddress.open();
    const anon = () => new Agent(server);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (await anon().request('POST', '/api/session', { email: `someone${i}@a.test`, password: 'x' })).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const refused = await anon().request('POST', '/api/session', { email: 'doctor@a.test', password: 'x' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: 'rate_limited' } });
  });
});
