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

const EXCHANGE = '/api/call-links/exchange';
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
    } = admission([...signedOut, { method: 'POST', path: EXCHANGE, status: 200, body: context }], TOKEN);
    expect(await enter()).toEqual({ kind: 'ask-name' });
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
      ],
      TOKEN,
    );
    expect(await enter()).toEqual({ kind: 'ask-name' });
  });

  it('words a refused link without the token, and forgets the token', async () => {
    const { admission: a, enter } = admission(
      [
        ...signedOut,
        { method: 'POST', path: EXCHANGE, status: 410, body: err('link_expired', `server ${TOKEN}`) },
      ],
      TOKEN,
    );
    await enter();
    const refused = await a.confirmName('Pat');
    expect(refused).toEqual({
      kind: 'refused',
      words: 'This call link has expired. Ask the clinic for a new one.',
      viaLink: true,
    });
    expect(await a.confirmName('Pat')).toBeNull();
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
