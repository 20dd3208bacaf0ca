import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallStartInfo, IceConfig } from '../../src/protocol/api.js';
import type { ErrorBody } from '../../src/protocol/errors.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { FakeClock } from '../support/clock.js';
import type { World } from '../support/fixtures.js';
import { Agent, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

/**
 * Who gets TURN credentials (issue 5, docs/security.md "WebRTC"): a call's parties, for that call, valid
 * for the longest call plus a margin; the device test's connection test, minutes. Nobody else, and a
 * refusal carries no ICE configuration at all.
 */

const SECRET = 'integration-turn-secret-0123456789';
const TURN_URLS = ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'];
const MAX_CALL_MINUTES = 30;
/** What carecall adds to the longest call (src/server/turn/ice-servers.ts). */
const MARGIN_MINUTES = 15;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const errorCode = (r: { body: unknown }): string | undefined => (r.body as ErrorBody | null)?.error?.code;

/** The TURN entry of an ICE configuration, checked against an HMAC computed here, not by carecall. */
function turnEntry(config: IceConfig, userId: string) {
  const turn = config.iceServers.find((s) => s.urls.some((u) => u.startsWith('turn:')));
  expect(turn?.urls).toEqual(TURN_URLS);
  const [expiry, owner, ...rest] = (turn?.username ?? '').split(':');
  expect(rest).toEqual([]);
  expect(owner).toBe(userId);
  expect(expiry).toMatch(/^\d+$/);
  expect(turn?.credential).toBe(
    createHmac('sha1', SECRET)
      .update(turn?.username ?? '')
      .digest('base64'),
  );
  return { expiresAtSeconds: Number(expiry), expiresAt: config.expiresAt };
}

function expectNoIce(r: { body: unknown }): void {
  const text = JSON.stringify(r.body);
  for (const word of ['iceServers', 'username', 'credential', 'turn:']) expect(text).not.toContain(word);
}

describe.each(testDatabases())('TURN credentials on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  let doctor: Agent;
  let patient: Agent;

  const callPath = (suffix = '', id = world.appointment.id) => `/api/appointments/${id}/call${suffix}`;
  const boot = async (env: Record<string, string> = {}) => {
    ({ server, world } = await setup.open({
      clock,
      env: {
        WEBRTC_TURN_URL: TURN_URLS.join(','),
        WEBRTC_TURN_SECRET: SECRET,
        VIDEO_CALL_MAX_DURATION_MINUTES: String(MAX_CALL_MINUTES),
        ...env,
      },
    }));
    ({ doctor, patient } = await setup.signInAll('doctor', 'patient'));
  };
  const start = async (): Promise<CallStartInfo> => {
    const r = await doctor.request('POST', callPath('/start'), {});
    expect(r.status).toBe(200);
    return r.body as CallStartInfo;
  };
  const nowSeconds = () => Math.floor(clock.now() / 1000);

  beforeEach(() => {
    clock = new FakeClock();
  });

  it('each party gets <expiry>:<own user id> signed with the secret, valid for the longest call plus the margin', async () => {
    await boot();
    const low = nowSeconds() + MAX_CALL_MINUTES * 60;
    const high = nowSeconds() + (MAX_CALL_MINUTES + MARGIN_MINUTES) * 60;
    const within = (entry: { expiresAtSeconds: number; expiresAt: number | null }) => {
      expect(entry.expiresAtSeconds).toBeGreaterThanOrEqual(low);
      expect(entry.expiresAtSeconds).toBeLessThanOrEqual(high);
      expect(entry.expiresAt).toBe(entry.expiresAtSeconds * 1000);
    };

    const started = await start();
    expect(started.iceTransportPolicy).toBe('all');
    within(turnEntry(started, world.doctor.id));
    const joined = await patient.request('POST', callPath('/join'), {});
    expect(joined.status).toBe(200);
    within(turnEntry(joined.body as IceConfig, world.patient.id));

    // Fresh ones before an ICE restart, by session and by call cookie alone.
    clock.advance(20 * MINUTE);
    const refreshed = await patient.request('GET', callPath());
    expect(refreshed.status).toBe(200);
    const later = turnEntry(refreshed.body as IceConfig, world.patient.id);
    expect(later.expiresAtSeconds).toBe(nowSeconds() + (MAX_CALL_MINUTES + MARGIN_MINUTES) * 60);
    const cookieOnly = new Agent(server);
    cookieOnly.callCookie = doctor.callCookie;
    const byCookie = await cookieOnly.request('GET', callPath());
    expect(byCookie.status).toBe(200);
    turnEntry(byCookie.body as IceConfig, world.doctor.id);

    const context = await doctor.request('GET', `/api/call/context?appointmentId=${world.appointment.id}`);
    expect(context.status).toBe(200);
    turnEntry(context.body as IceConfig, world.doctor.id);

    // A patient who opens the patient link without signing in is the patient, with the patient's id.
    const link = started.links.patient.url.split('#token=')[1] ?? '';
    const anon = new Agent(server);
    const exchanged = await anon.request('POST', '/api/call-links/exchange', {
      token: link,
      displayName: 'Pat',
    });
    expect(exchanged.status).toBe(200);
    turnEntry(exchanged.body as IceConfig, world.patient.id);
  });

  it('anyone who is not a party of the active call is refused with the right code and no ICE configuration', async () => {
    await boot();
    const { links } = await start();
    const signIn = (email: string) => Agent.signIn(server, email);
    const refusals: Array<[string, Agent]> = [
      ['the other hospital’s doctor', await signIn('doctor@b.test')],
      ['the other hospital’s patient', await signIn('patient@b.test')],
      ['the other hospital’s admin', await signIn('admin@b.test')],
      ['this hospital’s admin', await signIn('admin@a.test')],
      ['someone not signed in', new Agent(server)],
    ];
    const forged = new Agent(server);
    forged.callCookie = 'carecall_call=forged-call-cookie-value-0123456789';
    refusals.push(['a forged call cookie', forged]);
    const forgedSession = new Agent(server);
    forgedSession.cookie = 'carecall_session=forged-session-value-0123456789';
    refusals.push(['a forged session cookie', forgedSession]);
    // Another appointment's call cookie opens that appointment only.
    const other = await Agent.signIn(server, 'doctor@b.test');
    expect((await other.request('POST', callPath('/start', world.otherAppointment.id), {})).status).toBe(200);
    const otherCookieOnly = new Agent(server);
    otherCookieOnly.callCookie = other.callCookie;
    refusals.push(['a call cookie for another appointment', otherCookieOnly]);

    const seen: string[] = [];
    for (const [who, agent] of refusals) {
      for (const [method, path] of [
        ['GET', callPath()],
        ['GET', `/api/call/context?appointmentId=${world.appointment.id}`],
        ['POST', callPath('/enter')],
        ['POST', callPath('/join')],
      ] as const) {
        const r = await agent.request(method, path, method === 'POST' ? {} : undefined);
        seen.push(
          `${who}: ${method} ${path.replace(world.appointment.id, ':id')} → ${r.status} ${errorCode(r)}`,
        );
        expectNoIce(r);
      }
    }
    const table = (who: string, get: string, post: string) => [
      `${who}: GET /api/appointments/:id/call → ${get}`,
      `${who}: GET /api/call/context?appointmentId=:id → ${get}`,
      `${who}: POST /api/appointments/:id/call/enter → ${post}`,
      `${who}: POST /api/appointments/:id/call/join → ${post}`,
    ];
    expect(seen).toEqual([
      ...table('the other hospital’s doctor', '403 not_party', '403 not_party'),
      ...table('the other hospital’s patient', '403 not_party', '403 not_party'),
      ...table('the other hospital’s admin', '403 not_party', '403 not_party'),
      ...table('this hospital’s admin', '403 wrong_role', '403 wrong_role'),
      ...table('someone not signed in', '401 unauthenticated', '401 unauthenticated'),
      // Entering or joining needs a session: a call cookie, forged or real, does not count there.
      ...table('a forged call cookie', '401 session_expired', '401 unauthenticated'),
      ...table('a forged session cookie', '401 session_expired', '401 session_expired'),
      ...table('a call cookie for another appointment', '403 not_party', '401 unauthenticated'),
    ]);

    // The patient's link is not a way in for a signed-in stranger either.
    const stranger = await signIn('patient@b.test');
    const token = links.patient.url.split('#token=')[1] ?? '';
    const r = await stranger.request('POST', '/api/call-links/exchange', { token, displayName: 'X' });
    expect(r.status).toBe(409);
    expect(errorCode(r)).toBe('link_for_other_user');
    expectNoIce(r);
  });

  it('a party gets no call credentials before the start or after the end, nor with an expired or revoked call cookie', async () => {
    await boot();
    const before = await doctor.request('GET', callPath());
    expect({ status: before.status, code: errorCode(before) }).toEqual({
      status: 409,
      code: 'call_not_active',
    });
    expectNoIce(before);

    const { links } = await start();
    const anon = new Agent(server);
    const token = links.patient.url.split('#token=')[1] ?? '';
    expect(
      (await anon.request('POST', '/api/call-links/exchange', { token, displayName: 'Pat' })).status,
    ).toBe(200);
    expect((await anon.request('GET', callPath())).status).toBe(200);

    // The doctor restarts: the earlier run's cookies are revoked.
    expect((await doctor.request('POST', callPath('/end'), {})).status).toBe(200);
    const ended = await doctor.request('GET', callPath());
    expect({ status: ended.status, code: errorCode(ended) }).toEqual({
      status: 409,
      code: 'call_not_active',
    });
    expectNoIce(ended);
    const restarted = await start();
    const revoked = await anon.request('GET', callPath());
    expect({ status: revoked.status, code: errorCode(revoked) }).toEqual({
      status: 401,
      code: 'session_expired',
    });
    expectNoIce(revoked);

    // A cookie past VIDEO_CALL_TOKEN_EXPIRY_HOURS no longer opens anything.
    const fresh = new Agent(server);
    const freshToken = restarted.links.patient.url.split('#token=')[1] ?? '';
    expect(
      (await fresh.request('POST', '/api/call-links/exchange', { token: freshToken, displayName: 'Pat' }))
        .status,
    ).toBe(200);
    clock.advance(24 * HOUR + MINUTE);
    const expired = await fresh.request('GET', callPath());
    expect({ status: expired.status, code: errorCode(expired) }).toEqual({
      status: 401,
      code: 'session_expired',
    });
    expectNoIce(expired);
  });

  it('the connection test gets 10-minute credentials as a doctor, a patient or with a call cookie; nothing for admins or anonymously', async () => {
    await boot();
    for (const [agent, userId] of [
      [patient, world.patient.id],
      [doctor, world.doctor.id],
    ] as const) {
      const r = await agent.request('GET', '/api/ice-servers');
      expect(r.status).toBe(200);
      const entry = turnEntry(r.body as IceConfig, userId);
      expect(entry.expiresAtSeconds).toBeLessThanOrEqual(nowSeconds() + 10 * 60);
      expect(entry.expiresAtSeconds).toBeGreaterThan(nowSeconds());
    }
    // An admin takes part in no call, so has no relay to test.
    const admin = await Agent.signIn(server, 'admin@a.test');
    const adminAsks = await admin.request('GET', '/api/ice-servers');
    expect({ status: adminAsks.status, code: errorCode(adminAsks) }).toEqual({
      status: 403,
      code: 'wrong_role',
    });
    expectNoIce(adminAsks);
    const { links } = await start();
    const anon = new Agent(server);
    const token = links.patient.url.split('#token=')[1] ?? '';
    expect(
      (await anon.request('POST', '/api/call-links/exchange', { token, displayName: 'Pat' })).status,
    ).toBe(200);
    const byCookie = await anon.request('GET', '/api/ice-servers');
    expect(byCookie.status).toBe(200);
    turnEntry(byCookie.body as IceConfig, world.patient.id);

    const nobody = await new Agent(server).request('GET', '/api/ice-servers');
    expect({ status: nobody.status, code: errorCode(nobody) }).toEqual({
      status: 401,
      code: 'unauthenticated',
    });
    expectNoIce(nobody);
    const forged = new Agent(server);
    forged.cookie = 'carecall_session=forged-session-value-0123456789';
    const refused = await forged.request('GET', '/api/ice-servers');
    expect({ status: refused.status, code: errorCode(refused) }).toEqual({
      status: 401,
      code: 'session_expired',
    });
    expectNoIce(refused);
  });

  it('iceTransportPolicy follows WEBRTC_ICE_TRANSPORT_POLICY everywhere ICE configuration is given', async () => {
    await boot({ WEBRTC_ICE_TRANSPORT_POLICY: 'relay' });
    const started = await start();
    expect(started.iceTransportPolicy).toBe('relay');
    const joined = await patient.request('POST', callPath('/join'), {});
    expect((joined.body as IceConfig).iceTransportPolicy).toBe('relay');
    for (const path of [
      callPath(),
      `/api/call/context?appointmentId=${world.appointment.id}`,
      '/api/ice-servers',
    ]) {
      const r = await doctor.request('GET', path);
      expect(r.status, path).toBe(200);
      expect((r.body as IceConfig).iceTransportPolicy, path).toBe('relay');
    }
  });

  it('without TURN configured no ICE server is given, not even a public STUN server', async () => {
    ({ server, world } = await setup.open({ clock }));
    doctor = await setup.signIn('doctor');
    const started = await start();
    expect(started).toMatchObject({ iceServers: [], iceTransportPolicy: 'all', expiresAt: null });
  });
});

describe('TURN configuration checks', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('relay without a TURN server is refused: no call could connect', () => {
    expect(problems({ WEBRTC_ICE_TRANSPORT_POLICY: 'relay' })).toEqual([
      'WEBRTC_ICE_TRANSPORT_POLICY: relay needs a TURN server (WEBRTC_TURN_URL): without one no call could connect',
    ]);
    expect(problems({ WEBRTC_ICE_TRANSPORT_POLICY: 'sometimes' })[0]).toMatch(
      /^WEBRTC_ICE_TRANSPORT_POLICY: /,
    );
  });

  it('a secret shorter than 16 characters, a TURN URL without credentials and a non-TURN URL are refused', () => {
    expect(problems({ WEBRTC_TURN_URL: 'turn:127.0.0.1', WEBRTC_TURN_SECRET: 'short-secret' })).toEqual([
      'WEBRTC_TURN_SECRET: must be at least 16 characters',
    ]);
    expect(problems({ WEBRTC_TURN_URL: 'turn:127.0.0.1' })).toEqual([
      'WEBRTC_TURN_URL: needs WEBRTC_TURN_SECRET or both WEBRTC_TURN_USERNAME and WEBRTC_TURN_PASSWORD',
    ]);
    expect(problems({ WEBRTC_TURN_URL: 'http://turn.example', WEBRTC_TURN_SECRET: SECRET })[0]).toMatch(
      /^WEBRTC_TURN_URL\.0: each must start with turn: or turns:/,
    );
    expect(problems({ WEBRTC_STUN_URLS: 'stun.l.google.com:19302' })[0]).toMatch(/^WEBRTC_STUN_URLS\.0: /);
  });
});
