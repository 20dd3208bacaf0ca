import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import { CONTEXT, err, joinInfo, TOKEN } from '../../testing/call-page.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import {
  adminUser,
  callContext,
  callStatus,
  doctorPeer,
  patientUser,
  sessionOf,
} from '../../testing/fixtures.js';
import { CallAdmission, takeCallAddress } from './call-admission.js';
import { LINK_REFUSALS } from './call-words.js';

const EXCHANGE = '/api/call-links/exchange';
const INSPECT = '/api/call-links/inspect';
const LINK_INFO = {
  role: 'patient',
  hospitalName: 'Riverside Clinic',
  doctorName: 'Dr. Ada',
  scheduledAt: 0,
};
const inspected: Route = { method: 'POST', path: INSPECT, status: 200, body: LINK_INFO };
const signedOut: Route[] = [
  { method: 'GET', path: CONTEXT, status: 401, body: err('unauthenticated') },
  { method: 'GET', path: '/api/session', status: 401, body: err('unauthenticated') },
];

/** The admission to appointment a1's call page, opened with `token` in the address (or none). */
function admission(routes: Route[], token: string | null = null) {
  const api = fakeApi(routes);
  const a = new CallAdmission(new ApiClient(api.fetch));
  const platform = fakePlatform({ pathname: '/appointments/a1/call', hash: token ? `#token=${token}` : '' });
  return { api, admission: a, platform, enter: () => a.enter(platform) };
}

describe('takeCallAddress', () => {
  it('takes the token out of the address bar, keeping the rest of the address', () => {
    const platform = fakePlatform({
      pathname: '/appointments/a1/call',
      search: '?x=1',
      hash: `#token=${TOKEN}`,
    });
    expect(takeCallAddress(platform)).toEqual({ appointmentId: 'a1', token: TOKEN });
    expect(platform.urls).toEqual(['/appointments/a1/call?x=1']);
  });

  it('leaves an address without a token alone, and finds no appointment in a bad one', () => {
    const platform = fakePlatform({ pathname: '/appointments/a1/call' });
    expect(takeCallAddress(platform)).toEqual({ appointmentId: 'a1', token: null });
    expect(takeCallAddress(fakePlatform({ pathname: '/elsewhere' })).appointmentId).toBeNull();
    expect(platform.urls).toEqual([]);
  });
});

describe('CallAdmission', () => {
  it('refuses an address that names no appointment, without asking the server', async () => {
    const api = fakeApi([]);
    const a = new CallAdmission(new ApiClient(api.fetch));
    expect(await a.enter(fakePlatform({ pathname: '/elsewhere', hash: `#token=${TOKEN}` }))).toEqual({
      kind: 'refused',
      words: 'This call address is not valid.',
      viaLink: false,
    });
    expect(a.appointmentId).toBeNull();
    expect(api.requests).toEqual([]);
  });

  it('admits a party with the call context of its session', async () => {
    const context = callContext();
    const { enter } = admission([{ method: 'GET', path: CONTEXT, status: 200, body: context }]);
    expect(await enter()).toEqual({ kind: 'admitted', context });
  });

  it('refuses a hospital admin in words, and throws other refusals for the page', async () => {
    const admin = admission([
      { method: 'GET', path: CONTEXT, status: 403, body: err('wrong_role') },
      { method: 'GET', path: '/api/session', status: 200, body: sessionOf(adminUser) },
    ]);
    expect(await admin.enter()).toEqual({
      kind: 'refused',
      words: 'Hospital admins can see appointments but cannot join calls.',
      viaLink: false,
    });
    const stranger = admission([
      { method: 'GET', path: CONTEXT, status: 403, body: err('not_party') },
      { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
    ]);
    await expect(stranger.enter()).rejects.toMatchObject({ code: 'not_party' });
  });

  it('does not spend a link when this browser holds the call cookie already', async () => {
    const context = callContext({ via: 'link', hasGrant: true, call: callStatus('waiting') });
    const {
      api,
      admission: a,
      enter,
    } = admission([{ method: 'GET', path: CONTEXT, status: 200, body: context }], TOKEN);
    expect(await enter()).toEqual({ kind: 'admitted', context });
    expect(api.requests.map((r) => r.path)).toEqual([CONTEXT]);
    expect(await a.confirmName('Pat')).toBeNull();
  });

  it('asks a visitor who is not signed in for a name, then exchanges the link with it, once', async () => {
    const context = callContext({ via: 'link', hasGrant: true });
    const {
      api,
      admission: a,
      enter,
    } = admission(
      [...signedOut, inspected, { method: 'POST', path: EXCHANGE, status: 200, body: context }],
      TOKEN,
    );
    expect(await enter()).toEqual({ kind: 'ask-name', link: LINK_INFO });
    expect(api.requests.find((r) => r.path === INSPECT)?.body).toEqual({ appointmentId: 'a1', token: TOKEN });
    expect(api.requests.some((r) => r.path === EXCHANGE)).toBe(false);
    expect(await a.confirmName('Pat Smith')).toEqual({ kind: 'admitted', context });
    expect(api.requests.find((r) => r.path === EXCHANGE)?.body).toEqual({
      token: TOKEN,
      displayName: 'Pat Smith',
    });
    expect(await a.confirmName('Pat Smith')).toBeNull();
  });

  it('exchanges without a name for a signed-in party, with the context’s CSRF token', async () => {
    const context = callContext({ self: doctorPeer, hasGrant: true });
    const { api, enter } = admission(
      [
        { method: 'GET', path: CONTEXT, status: 200, body: callContext({ self: doctorPeer }) },
        { method: 'POST', path: EXCHANGE, status: 200, body: context },
      ],
      TOKEN,
    );
    expect(await enter()).toEqual({ kind: 'admitted', context });
    expect(api.requests.at(-1)).toMatchObject({
      body: { token: TOKEN },
      headers: { 'x-csrf-token': 'ctx-csrf-d1' },
    });
  });

  it('asks for the name when the server says the link needs one', async () => {
    const { enter } = admission(
      [
        { method: 'GET', path: CONTEXT, status: 403, body: err('not_party') },
        { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
        { method: 'POST', path: EXCHANGE, status: 400, body: err('validation_failed') },
        inspected,
      ],
      TOKEN,
    );
    expect(await enter()).toEqual({ kind: 'ask-name', link: LINK_INFO });
  });

  it.each([
    ['link_expired', 410, 'This link has expired'],
    ['link_revoked', 410, 'This link has been replaced'],
    ['link_invalid', 401, 'This link does not work'],
    ['link_already_used', 409, 'This link was already opened on another device'],
    ['call_not_active', 409, 'This call has ended'],
  ])(
    'says at once, before any name, that a %s link is dead, and forgets the token',
    async (code, status, title) => {
      const {
        admission: a,
        enter,
        api,
      } = admission(
        [...signedOut, { method: 'POST', path: INSPECT, status, body: err(code, `server ${TOKEN}`) }],
        TOKEN,
      );
      const dead = await enter();
      expect(dead).toEqual({ kind: 'link-dead', refusal: LINK_REFUSALS[code as keyof typeof LINK_REFUSALS] });
      expect(dead).toMatchObject({ refusal: { title } });
      expect(JSON.stringify(dead)).not.toContain(TOKEN);
      expect(await a.confirmName('Pat')).toBeNull();
      expect(api.requests.some((r) => r.path === EXCHANGE)).toBe(false);
    },
  );

  it('a link refused at the exchange (signed in) is dead in the same words', async () => {
    const { enter } = admission(
      [
        { method: 'GET', path: CONTEXT, status: 200, body: callContext() },
        { method: 'POST', path: EXCHANGE, status: 410, body: err('link_expired') },
      ],
      TOKEN,
    );
    expect(await enter()).toEqual({ kind: 'link-dead', refusal: LINK_REFUSALS.link_expired });
  });

  it('throws what it cannot word: the server failing while the link is inspected', async () => {
    const { enter } = admission(
      [...signedOut, { method: 'POST', path: INSPECT, status: 500, body: err('internal', 'Down.') }],
      TOKEN,
    );
    await expect(enter()).rejects.toMatchObject({ status: 500 });
  });

  it('throws what it cannot word: the server failing before the exchange', async () => {
    const { enter } = admission(
      [{ method: 'GET', path: CONTEXT, status: 500, body: err('internal', 'Down.') }],
      TOKEN,
    );
    await expect(enter()).rejects.toMatchObject({ status: 500 });
  });

  it('gets the call cookie once admitted: join for the patient, enter for the doctor', async () => {
    const grants: Route[] = [
      { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
      { method: 'POST', path: '/api/appointments/a1/call/enter', status: 200, body: joinInfo() },
    ];
    const patient = admission([
      { method: 'GET', path: CONTEXT, status: 200, body: callContext() },
      ...grants,
    ]);
    await expect(patient.admission.grant()).rejects.toThrow('No call to join.');
    await patient.enter();
    expect(await patient.admission.grant()).toEqual([{ urls: ['stun:fresh.example.org'] }]);
    const doctor = admission([
      { method: 'GET', path: CONTEXT, status: 200, body: callContext({ self: doctorPeer }) },
      ...grants,
    ]);
    await doctor.enter();
    await doctor.admission.grant();
    expect([patient, doctor].map(({ api }) => api.requests.at(-1)?.path)).toEqual([
      '/api/appointments/a1/call/join',
      '/api/appointments/a1/call/enter',
    ]);
  });
});
