import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CallContext, CallStartInfo, IceConfig } from '../../src/protocol/api.js';
import { RedisBus } from '../../src/server/bus/redis-bus.js';
import type { Db } from '../../src/server/db/database.js';
import { FakeClock } from '../support/clock.js';
import { seedWorld, type World } from '../support/fixtures.js';
import { Agent, ORIGIN, type SocketClient, startServer, type TestServer } from '../support/server.js';
import { redisUrl, serviceAvailable, sqliteInMemory } from '../support/suites.js';
import { useWorld, type WorldOptions } from '../support/world.js';

/**
 * What an attack on the running server found (sign-out, slow clients, stale sockets, floods, refusals
 * not audited, relay credentials handed out, small leaks), each with a test that failed before its fix.
 */

interface Setup {
  db: Db;
  server: TestServer;
  world: World;
  clock: FakeClock;
}

const worlds = useWorld();

async function setUp(options: WorldOptions = {}): Promise<Setup> {
  const clock = new FakeClock();
  return { ...(await worlds.open({ clock, ...options })), clock };
}

const socketOf = (agent: Agent): Promise<SocketClient> => worlds.socket(agent);

const errorCode = (r: { body: unknown }) => (r.body as { error?: { code?: string } }).error?.code;

async function startCall(s: Setup, doctor: Agent): Promise<CallStartInfo> {
  const r = await doctor.request('POST', `/api/appointments/${s.world.appointment.id}/call/start`, {});
  expect(r.status).toBe(200);
  return r.body as CallStartInfo;
}

const tokenOf = (url: string) => url.split('#token=')[1] ?? '';

describe('1. signing out ends the call cookie too', () => {
  it('S14 after sign-out the browser’s call cookie reads no chat, posts none, gets no relay and opens no socket', async () => {
    const s = await setUp();
    const id = s.world.appointment.id;
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    await startCall(s, doctor);
    const patient = await Agent.signIn(s.server, 'patient@a.test');
    expect((await patient.request('POST', `/api/appointments/${id}/call/join`, {})).status).toBe(200);
    const { callCookie, cookie } = patient;
    expect(callCookie).not.toBe('');
    const out = await patient.request('DELETE', '/api/session');
    expect(out.status).toBe(204);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('carecall_call='));
    expect(cleared).toMatch(/^carecall_call=;/);
    // The next person at the computer, with whatever the browser kept.
    const next = new Agent(s.server);
    next.callCookie = callCookie;
    next.cookie = cookie;
    for (const [method, path, body] of [
      ['GET', `/api/appointments/${id}/messages`, undefined],
      ['POST', `/api/appointments/${id}/messages`, { clientId: 'x', body: 'hi' }],
      ['GET', '/api/ice-servers', undefined],
      ['GET', `/api/call/context?appointmentId=${id}`, undefined],
      ['POST', `/api/appointments/${id}/call/end`, {}],
    ] as const) {
      const r = await next.request(method, path, body);
      expect({ path, status: r.status }).toEqual({ path, status: 401 });
    }
    await expect(next.socket()).rejects.toMatchObject({ status: 401 });
    expect((await s.server.ctx.store.appointments.get(id))?.video_call_status).toBe('waiting');
    expect(await s.server.ctx.store.chat.list(id, { limit: 10 })).toEqual([]);
  });

  it('S14 sign-out revokes every call cookie that session obtained, and closes their sockets', async () => {
    const s = await setUp({ hubLimits: { sessionCheckMs: 25 } });
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    await startCall(s, doctor);
    const firstCookie = doctor.callCookie;
    // The same session asks again (another tab): a second call cookie replaces the first in the browser.
    expect(
      (await doctor.request('POST', `/api/appointments/${s.world.appointment.id}/call/enter`, {})).status,
    ).toBe(200);
    expect(doctor.callCookie).not.toBe(firstCookie);
    const socket = await socketOf(doctor);
    await doctor.request('DELETE', '/api/session');
    expect((await socket.closed()).code).toBe(4004);
    const grants = await s.db.kysely.selectFrom('call_grants').select(['revoked_at']).execute();
    expect(grants.length).toBe(2);
    for (const g of grants) expect(g.revoked_at).not.toBeNull();
  });

  it('S16 a link guest leaves with DELETE /api/call-cookie: the cookie is revoked and cleared, its socket closes with 4004', async () => {
    const s = await setUp();
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    const { links } = await startCall(s, doctor);
    const guest = new Agent(s.server);
    const ex = await guest.request('POST', '/api/call-links/exchange', {
      token: tokenOf(links.patient.url),
      displayName: 'Pat',
    });
    expect(ex.status).toBe(200);
    const kept = guest.callCookie;
    const socket = await socketOf(guest);
    const left = await guest.request('DELETE', '/api/call-cookie');
    expect(left.status).toBe(204);
    expect(guest.callCookie).toBe('');
    expect((await socket.closed()).code).toBe(4004);
    guest.callCookie = kept;
    const r = await guest.request('GET', `/api/appointments/${s.world.appointment.id}/messages`);
    expect(r.status).toBe(401);
    const audit = await s.server.ctx.store.audit.list({ actorId: s.world.patient.id });
    expect(audit.map((e) => [e.action, e.outcome])).toContainEqual(['call.cookie.forget', 'ok']);
    // Without a cookie there is nothing to give up.
    expect((await new Agent(s.server).request('DELETE', '/api/call-cookie')).status).toBe(401);
  });
});

/** A raw TCP client that sends what it is told, when it is told, and reports when the server hangs up. */
function rawClient(server: TestServer): Promise<{ socket: Socket; ended: Promise<string> }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (d) => {
      received += d.toString();
    });
    const ended = new Promise<string>((done) => socket.on('close', () => done(received)));
    socket.once('connect', () => resolve({ socket, ended }));
    socket.once('error', reject);
    worlds.track({ close: () => void socket.destroy() });
  });
}

describe('2. slow and idle clients cannot hold connections', () => {
  const fast = {
    HTTP_REQUEST_TIMEOUT_SECONDS: '1',
    HTTP_HEADERS_TIMEOUT_SECONDS: '1',
    HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1',
  };

  it('a body sent a byte at a time is cut off at the request timeout with 408', async () => {
    const s = await setUp({ env: fast });
    const { socket, ended } = await rawClient(s.server);
    socket.write(
      'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{',
    );
    const drip = setInterval(() => socket.writable && socket.write(' '), 200);
    try {
      expect(await ended).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
    }
  });

  it('headers sent slowly are cut off at the headers timeout', async () => {
    const s = await setUp({ env: fast });
    const { socket, ended } = await rawClient(s.server);
    socket.write('GET /healthz HTTP/1.1\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
    try {
      expect(await ended).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
    }
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const s = await setUp({ env: fast });
    const { socket, ended } = await rawClient(s.server);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await ended).toMatch(/^HTTP\/1\.1 200/);
  });

  it('a long poll outlasts the request timeout: only receiving the request is bounded', async () => {
    const s = await setUp({ env: fast });
    const patient = await Agent.signIn(s.server, 'patient@a.test');
    const open = await patient.request('POST', '/api/signal', {});
    const { connectionId } = open.body as { connectionId: string };
    const poll = patient.request('GET', `/api/signal/${connectionId}/poll?cursor=1`);
    await new Promise((r) => setTimeout(r, 2_500));
    await patient.request('POST', `/api/signal/${connectionId}/send`, { message: { type: 'ping', id: 'p' } });
    const r = await poll;
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).toContain('"pong"');
  });

  it('one client address holds at most MAX_CONNECTIONS_PER_ADDRESS connections; the next is closed unread', async () => {
    const s = await setUp({ env: { MAX_CONNECTIONS_PER_ADDRESS: '3' } });
    const held = await Promise.all([1, 2, 3].map(() => rawClient(s.server)));
    const extra = await rawClient(s.server);
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await extra.ended).toBe('');
    held[0]?.socket.destroy();
    await held[0]?.ended;
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${s.server.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('the limits are configuration, with safe defaults, checked at start', async () => {
    const { loadConfig } = await import('../../src/server/config.js');
    expect(loadConfig({}).http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 10_000,
      maxConnections: 20_000,
      maxConnectionsPerAddress: 500,
    });
    // Behind a reverse proxy every connection comes from the proxy: no per-address cap unless set.
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.maxConnectionsPerAddress).toBe(0);
    expect(() => loadConfig({ HTTP_IDLE_TIMEOUT_SECONDS: '20' })).toThrow(/HTTP_IDLE_TIMEOUT_SECONDS/);
    expect(() =>
      loadConfig({ HTTP_HEADERS_TIMEOUT_SECONDS: '60', HTTP_REQUEST_TIMEOUT_SECONDS: '30' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_SECONDS/);
  });
});

describe('4. every revocation closes the sockets it ends (S14)', () => {
  it('signing in again in the same browser closes the old session’s sockets and fallback connections with 4004', async () => {
    const s = await setUp();
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    const socket = await socketOf(doctor);
    const fallback = await doctor.request('POST', '/api/signal', {});
    const { connectionId } = fallback.body as { connectionId: string };
    const oldBrowser = new Agent(s.server);
    oldBrowser.cookie = doctor.cookie;
    const again = await doctor.request('POST', '/api/session', {
      email: 'doctor@a.test',
      password: 'correct horse battery',
    });
    expect(again.status).toBe(200);
    expect((await socket.closed()).code).toBe(4004);
    // The fallback connection reports its close to the cookie that opened it, as a close frame would.
    const poll = await oldBrowser.request('GET', `/api/signal/${connectionId}/poll?cursor=1`);
    expect(poll.status).toBe(200);
    expect(poll.body).toMatchObject({ closed: { code: 4004 } });
  });

  it('a session revoked or a user deactivated by another process closes their sockets at the next check', async () => {
    const s = await setUp({ hubLimits: { sessionCheckMs: 25 } });
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    const patient = await Agent.signIn(s.server, 'patient@a.test');
    const doctorSocket = await socketOf(doctor);
    const patientSocket = await socketOf(patient);
    const k = s.db.kysely;
    await k
      .updateTable('users')
      .set({ disabled_at: s.clock.now() })
      .where('id', '=', s.world.doctor.id)
      .execute();
    expect((await doctorSocket.closed()).code).toBe(4004);
    await k
      .updateTable('sessions')
      .set({ revoked_at: s.clock.now() })
      .where('user_id', '=', s.world.patient.id)
      .execute();
    expect((await patientSocket.closed()).code).toBe(4004);
  });

  it('a link guest whose call cookie is revoked by another process is closed at the next check', async () => {
    const s = await setUp({ hubLimits: { sessionCheckMs: 25 } });
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    const { links } = await startCall(s, doctor);
    const guest = new Agent(s.server);
    await guest.request('POST', '/api/call-links/exchange', {
      token: tokenOf(links.patient.url),
      displayName: 'Pat',
    });
    const socket = await socketOf(guest);
    await s.db.kysely.updateTable('call_grants').set({ revoked_at: s.clock.now() }).execute();
    expect((await socket.closed()).code).toBe(4004);
  });
});

describe('5. chat over HTTP is rate limited per user', () => {
  it('posts over RATE_LIMIT_CHAT_PER_MINUTE get 429 rate_limited and are not stored', async () => {
    const s = await setUp({ env: { RATE_LIMIT_CHAT_PER_MINUTE: '5' } });
    const patient = await Agent.signIn(s.server, 'patient@a.test');
    const path = `/api/appointments/${s.world.appointment.id}/messages`;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await patient.request('POST', path, { clientId: `c${i}`, body: `message ${i}` });
      statuses.push(r.status);
      if (r.status === 429) expect(errorCode(r)).toBe('rate_limited');
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    expect((await s.server.ctx.store.chat.list(s.world.appointment.id, { limit: 50 })).length).toBe(5);
    // Per user, not per browser: the same patient signed in elsewhere is limited too.
    const elsewhere = await Agent.signIn(s.server, 'patient@a.test');
    expect((await elsewhere.request('POST', path, { clientId: 'z', body: 'again' })).status).toBe(429);
    // Another user is not.
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    expect((await doctor.request('POST', path, { clientId: 'd', body: 'fine' })).status).toBe(201);
  });
});

describe.runIf(serviceAvailable('redis'))('5. the chat limit holds across nodes (Redis)', () => {
  it('two nodes on one Redis count one user’s posts together', async () => {
    const db = worlds.track(await sqliteInMemory.open());
    const env = { RATE_LIMIT_CHAT_PER_MINUTE: '4' };
    const nodes: TestServer[] = [];
    for (const _ of [1, 2]) {
      const bus = new RedisBus(redisUrl() as string, () => {}, `carecall-test-${randomUUID()}:`);
      worlds.track(bus);
      const node = worlds.track(await startServer(db, { env, bus }));
      nodes.push(node);
    }
    const [a, b] = nodes as [TestServer, TestServer];
    const world = await seedWorld(a.ctx.store);
    const onA = await Agent.signIn(a, 'patient@a.test');
    const onB = new Agent(b);
    Object.assign(onB, { cookie: onA.cookie, csrf: onA.csrf });
    const path = `/api/appointments/${world.appointment.id}/messages`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const agent = i % 2 === 0 ? onA : onB;
      statuses.push((await agent.request('POST', path, { clientId: `n${i}`, body: `m${i}` })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
  });
});

describe('6. refusals are audited', () => {
  it('a refused socket subscribe, join, check-in and chat are each recorded with the code, never the text', async () => {
    const s = await setUp();
    const stranger = await Agent.signIn(s.server, 'patient@b.test');
    const socket = await socketOf(stranger);
    const id = s.world.appointment.id;
    for (const msg of [
      { type: 'subscribe', appointmentId: id },
      { type: 'join', appointmentId: id },
      { type: 'check-in', appointmentId: id },
      { type: 'chat', appointmentId: id, clientId: 'k', body: 'secret words' },
    ]) {
      expect(await socket.call(msg)).toMatchObject({ type: 'error', code: 'not_party' });
    }
    const audit = await s.server.ctx.store.audit.list({ appointmentId: id });
    expect(audit.map((e) => [e.action, e.outcome, e.actor_id, e.detail])).toEqual(
      ['ws.subscribe', 'ws.join', 'ws.check-in', 'ws.chat'].map((action) => [
        action,
        'denied',
        s.world.otherPatient.id,
        JSON.stringify({ code: 'not_party' }),
      ]),
    );
    expect(JSON.stringify(audit)).not.toContain('secret words');
  });
});

describe('7. relay credentials go only where they are needed', () => {
  const staticTurn = {
    WEBRTC_TURN_URL: 'turn:127.0.0.1:3478',
    WEBRTC_TURN_USERNAME: 'static-user',
    WEBRTC_TURN_PASSWORD: 'static-password-never-revoked',
  };
  const hasTurn = (ice: IceConfig) => ice.iceServers.some((e) => JSON.stringify(e.urls).includes('turn:'));

  it('static TURN credentials reach the parties of an active call only, never the device test', async () => {
    const s = await setUp({ env: staticTurn });
    const patient = await Agent.signIn(s.server, 'patient@a.test');
    const deviceTest = await patient.request('GET', '/api/ice-servers');
    expect(deviceTest.status).toBe(200);
    expect(JSON.stringify(deviceTest.body)).not.toContain('static-password');
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    const started = await startCall(s, doctor);
    expect(JSON.stringify(started.iceServers)).toContain('static-password');
    const joined = await patient.request('POST', `/api/appointments/${s.world.appointment.id}/call/join`, {});
    expect(JSON.stringify(joined.body)).toContain('static-password');
  });

  it('the call page’s context carries relay credentials only with a call cookie for the active call', async () => {
    const s = await setUp({
      env: { WEBRTC_TURN_URL: 'turn:127.0.0.1:3478', WEBRTC_TURN_SECRET: 'x'.repeat(32) },
    });
    const patient = await Agent.signIn(s.server, 'patient@a.test');
    const ctxPath = `/api/call/context?appointmentId=${s.world.appointment.id}`;
    const waiting = (await patient.request('GET', ctxPath)).body as CallContext;
    expect(waiting.hasGrant).toBe(false);
    expect(hasTurn(waiting)).toBe(false);
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    await startCall(s, doctor);
    expect(hasTurn((await patient.request('GET', ctxPath)).body as CallContext)).toBe(false);
    await patient.request('POST', `/api/appointments/${s.world.appointment.id}/call/join`, {});
    const admitted = (await patient.request('GET', ctxPath)).body as CallContext;
    expect(admitted.hasGrant).toBe(true);
    expect(hasTurn(admitted)).toBe(true);
  });
});

describe('8. connections per user and per call cookie are capped', () => {
  it('a user holds at most MAX_SIGNALING_CONNECTIONS_PER_USER sockets and fallback connections together', async () => {
    const s = await setUp({ env: { MAX_SIGNALING_CONNECTIONS_PER_USER: '3' } });
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    const first = await socketOf(doctor);
    await socketOf(doctor);
    expect((await doctor.request('POST', '/api/signal', {})).status).toBe(200);
    await expect(doctor.socket()).rejects.toMatchObject({ status: 429 });
    const fallback = await doctor.request('POST', '/api/signal', {});
    expect([fallback.status, errorCode(fallback)]).toEqual([429, 'too_many_connections']);
    // Another user is not affected; a slot comes back when a connection closes.
    await socketOf(await Agent.signIn(s.server, 'patient@a.test'));
    first.close();
    await first.closed();
    await new Promise((r) => setTimeout(r, 50));
    await socketOf(doctor);
  });

  it('sockets arriving together past the cap are closed with 4012', async () => {
    const s = await setUp({ env: { MAX_SIGNALING_CONNECTIONS_PER_USER: '2' } });
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(() => doctor.socket()));
    const open: SocketClient[] = [];
    for (const r of results) if (r.status === 'fulfilled') open.push(r.value);
    for (const c of open) worlds.track(c);
    await new Promise((r) => setTimeout(r, 200));
    const stillOpen = open.filter((c) => c.closeInfo === null);
    expect(stillOpen.length).toBe(2);
    for (const c of open.filter((c) => c.closeInfo !== null)) expect(c.closeInfo?.code).toBe(4012);
  });

  it('a link guest’s call cookie holds at most MAX_SIGNALING_CONNECTIONS_PER_CALL_COOKIE connections', async () => {
    const s = await setUp({ env: { MAX_SIGNALING_CONNECTIONS_PER_CALL_COOKIE: '2' } });
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    const { links } = await startCall(s, doctor);
    const guest = new Agent(s.server);
    await guest.request('POST', '/api/call-links/exchange', {
      token: tokenOf(links.patient.url),
      displayName: 'Pat',
    });
    await socketOf(guest);
    await socketOf(guest);
    await expect(guest.socket()).rejects.toMatchObject({ status: 429 });
    // The patient, signed in, still gets in: the cap is the guest cookie's.
    await socketOf(await Agent.signIn(s.server, 'patient@a.test'));
  });
});

describe('9. smaller findings', () => {
  function capturingLogger() {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    return { lines, logger: { level: 'trace', stream } };
  }

  it('a query string never reaches the log, for HTTP requests or WebSocket upgrades', async () => {
    const { lines, logger } = capturingLogger();
    const s = await setUp({ logger });
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    await doctor.request('GET', '/api/appointments?token=SECRET-IN-QUERY-1');
    await new Agent(s.server).request('GET', '/nowhere?token=SECRET-IN-QUERY-2');
    const ws = await doctor.socket(ORIGIN, `${s.server.wsUrl}?token=SECRET-IN-QUERY-3`);
    await ws.next('welcome');
    ws.close();
    await ws.closed();
    await s.server.close();
    const text = lines.join('\n');
    expect(text).toContain('/api/appointments');
    for (const n of [1, 2, 3]) expect(text).not.toContain(`SECRET-IN-QUERY-${n}`);
  });

  it('an oversized frame is logged as a client error: below warn, without a stack', async () => {
    const { lines, logger } = capturingLogger();
    const s = await setUp({ logger });
    const socket = await socketOf(await Agent.signIn(s.server, 'doctor@a.test'));
    socket.send('x'.repeat(70 * 1024));
    expect((await socket.closed()).code).toBe(1009);
    await new Promise((r) => setTimeout(r, 50));
    const entries = lines.map(
      (l) => JSON.parse(l) as { level: number; msg?: string; err?: { stack?: string } },
    );
    expect(entries.filter((e) => e.level >= 40)).toEqual([]);
    expect(entries.some((e) => e.err?.stack)).toBe(false);
    expect(entries.some((e) => e.msg === 'websocket closed on a client error')).toBe(true);
  });

  it('S12 refused messages are counted per minute: an honest long-lived socket is not closed for old ones', async () => {
    const s = await setUp();
    const socket = await socketOf(await Agent.signIn(s.server, 'doctor@a.test'));
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 15; i++) socket.send({ type: 'offer', sdp: 'v=0', id: `r${round}-${i}` });
      await socket.nextWhere((m) => m.type === 'error' && m.id === `r${round}-14`);
      s.clock.advance(61_000);
    }
    expect(socket.closeInfo).toBeNull();
    // Within one window the limit still holds.
    for (let i = 0; i < 25; i++) socket.send({ type: 'offer', sdp: 'v=0' });
    expect((await socket.closed()).code).toBe(4008);
  });

  it('S21 the abuse penalty is kept against the credential that abused: a flooding link guest does not lock out the signed-in patient', async () => {
    const s = await setUp();
    const doctor = await Agent.signIn(s.server, 'doctor@a.test');
    const { links } = await startCall(s, doctor);
    const guest = new Agent(s.server);
    await guest.request('POST', '/api/call-links/exchange', {
      token: tokenOf(links.patient.url),
      displayName: 'Pat',
    });
    const flood = await socketOf(guest);
    for (let i = 0; i < 25; i++) flood.send('not json');
    expect((await flood.closed()).code).toBe(4008);
    await expect(guest.socket()).rejects.toMatchObject({ status: 429 });
    await socketOf(await Agent.signIn(s.server, 'patient@a.test'));
  });

  it('CSP connect-src holds no IPv6 literal, and X-Frame-Options agrees with frame-ancestors', async () => {
    const s = await setUp({ env: { ALLOWED_ORIGINS: 'http://[::1]:8080,https://care.example.org' } });
    const res = await fetch(`${s.server.url}/healthz`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const connect = csp.split(';').find((d) => d.trim().startsWith('connect-src')) ?? '';
    expect(connect).not.toContain('[');
    expect(connect).toContain('wss://care.example.org');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});
