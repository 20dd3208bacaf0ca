import { describe, expect, it } from 'vitest';
import type { CallContext } from '../../../protocol/api.js';
import { ApiClient } from '../../api/http-client.js';
import type { FullscreenControl, Platform } from '../../platform/platform.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { FakeStream } from '../../testing/fake-media.js';
import { fakePeerConnectionFactory, settle } from '../../testing/fake-peer-connection.js';
import type { FakeConnection } from '../../testing/fake-socket.js';
import {
  adminUser,
  callContext,
  callStatus,
  chatMessage,
  doctorPeer,
  doctorUser,
  lobby,
  patientPeer,
  patientUser,
  sessionOf,
} from '../../testing/fixtures.js';
import { pageHarness } from '../../testing/page-harness.js';
import { CallViewModel, CHECK_IN_RETRY_MS, statusText, toRtcIceServers } from './call-view-model.js';

const CONTEXT = '/api/call/context?appointmentId=a1';
const TOKEN = 'tok_SECRET_0123456789';
const err = (code: string, message = 'Refused.') => ({ error: { code, message } });
const joinInfo = (status: 'waiting' | 'in_progress' = 'waiting') => ({
  call: callStatus(status),
  iceServers: [{ urls: ['stun:fresh.example.org'] }],
});

function setup(routes: Route[], options: { hash?: string; now?: number; platform?: Partial<Platform> } = {}) {
  const api = fakeApi(routes);
  const pcs = fakePeerConnectionFactory('pc');
  const local = FakeStream.withAudioAndVideo();
  const asked: MediaStreamConstraints[] = [];
  const { platform, socket, connection, connections } = pageHarness({
    pathname: '/appointments/a1/call',
    hash: options.hash ?? '',
    createPeerConnection: pcs.factory,
    getUserMedia: async (constraints) => {
      asked.push(constraints);
      return local.asStream;
    },
    createMediaStream: () => new FakeStream().asStream,
    ...options.platform,
  });
  platform.fakeTimers.now = options.now ?? 0;
  platform.storage.set('carecall.videoInput', 'cam-2');
  const model = new CallViewModel(new ApiClient(api.fetch), platform, socket);
  const posts = () => api.requests.filter((r) => r.method === 'POST');
  return { api, platform, model, connection, connections, pcs, local, asked, posts };
}

const contextRoute = (overrides: Partial<CallContext> = {}): Route => ({
  method: 'GET',
  path: CONTEXT,
  status: 200,
  body: callContext(overrides),
});

const activeContext = (overrides: Partial<CallContext> = {}) =>
  contextRoute({ call: callStatus('waiting'), hasGrant: true, ...overrides });

function joined(c: FakeConnection, peers = [] as (typeof patientPeer)[], self = patientPeer) {
  c.receive({ type: 'joined', appointmentId: 'a1', roomId: 'r1', self, peers, resumed: false, lastSeq: 0 });
}

describe('statusText', () => {
  it('uses the words of the call page', () => {
    expect(statusText('waiting', null)).toBe('Waiting for the other side…');
    expect(statusText('connecting', null)).toBe('Connecting…');
    expect(statusText('connected', null)).toBe('Connected');
    expect(statusText('peer-left', null)).toBe('The other side left');
    expect(statusText('reconnecting', null)).toBe('Reconnecting…');
    expect(statusText('lobby', null)).toBe('The doctor will be with you shortly');
    expect(statusText('failed', 'Camera blocked.')).toBe('Camera blocked.');
  });

  it('passes TURN credentials on to the peer connection', () => {
    const turn = { urls: ['turn:127.0.0.1:3478'], username: '123:p1', credential: 'secret' };
    expect(toRtcIceServers([{ urls: ['stun:127.0.0.1'] }, turn])).toEqual([
      { urls: ['stun:127.0.0.1'] },
      turn,
    ]);
  });
});

describe('CallViewModel: a signed-in party', () => {
  it('sends to sign-in with a way back when there is no session', async () => {
    const { model, platform } = setup([
      { method: 'GET', path: CONTEXT, status: 401, body: err('unauthenticated') },
    ]);
    await model.load();
    expect(platform.replaced).toEqual(['/login?next=%2Fappointments%2Fa1%2Fcall']);
  });

  it('refuses an admin in words', async () => {
    const { model } = setup([
      { method: 'GET', path: CONTEXT, status: 403, body: err('wrong_role') },
      { method: 'GET', path: '/api/session', status: 200, body: sessionOf(adminUser) },
    ]);
    await model.load();
    expect(model.state).toMatchObject({ phase: 'failed', statusText: expect.stringMatching(/cannot join/) });
  });

  it('with a call cookie already: asks for HD media on the saved camera, joins after welcome and waits', async () => {
    const { model, connection, asked, posts } = setup([activeContext()]);
    await model.load();
    await settle();
    expect(posts()).toEqual([]);
    expect(asked[0]).toMatchObject({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, deviceId: { exact: 'cam-2' } },
      audio: { echoCancellation: true },
    });
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
    joined(connection());
    expect(model.state).toMatchObject({ phase: 'waiting', statusText: 'Waiting for the other side…' });
  });

  it('gets the patient a call cookie with join before opening the socket, and uses its ICE servers', async () => {
    const { model, connection, connections, pcs, api } = setup([
      activeContext({ hasGrant: false }),
      { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
    ]);
    await model.load();
    await settle();
    const joinPost = api.requests.find((r) => r.path.endsWith('/call/join'));
    expect(joinPost?.headers['x-csrf-token']).toBe('ctx-csrf-p1');
    // One socket, opened after the cookie was set: no reconnect needed.
    expect(connections).toHaveLength(1);
    connection().welcome();
    joined(connection(), [doctorPeer]);
    expect(pcs.latest().configuration.iceServers).toEqual([{ urls: ['stun:fresh.example.org'] }]);
    expect(model.state).toMatchObject({ phase: 'connecting', peerName: 'Dr. Ada' });
  });

  it('gets the doctor back in with enter', async () => {
    const { model, posts } = setup([
      activeContext({ self: doctorPeer, hasGrant: false }),
      { method: 'POST', path: '/api/appointments/a1/call/enter', status: 200, body: joinInfo() },
    ]);
    await model.load();
    expect(posts().map((r) => r.path)).toEqual(['/api/appointments/a1/call/enter']);
  });

  it('on call_grant_required: gets the cookie, reconnects the socket and joins again, once', async () => {
    const { model, connection, posts } = setup([
      activeContext(),
      { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
    ]);
    await model.load();
    await settle();
    const first = connection();
    first.welcome();
    const join = first.sent.find((m) => m.type === 'join') as { id: string };
    first.receive({ type: 'error', id: join.id, code: 'call_grant_required', message: 'No cookie.' });
    await settle();
    expect(posts().map((r) => r.path)).toEqual(['/api/appointments/a1/call/join']);
    expect(first.closedWith).not.toBeNull();
    const second = connection();
    expect(second).not.toBe(first);
    second.welcome();
    expect(second.sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
    joined(second);
    expect(model.state.phase).toBe('waiting');
  });

  it('sends the doctor back to the appointment when the call is not running', async () => {
    const { model, platform } = setup([contextRoute({ self: doctorPeer })]);
    await model.load();
    expect(platform.replaced).toEqual(['/appointments/a1']);
  });

  it('connects to the peer and toggles media', async () => {
    const { model, connection, pcs, local } = setup([activeContext()]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [doctorPeer]);
    pcs.latest().reportConnectionState('connected');
    expect(model.state.statusText).toBe('Connected');
    model.toggleAudio();
    expect(model.state.local.audioMuted).toBe(true);
    expect(local.getAudioTracks()[0]?.enabled).toBe(false);
    expect(connection().sent.at(-1)).toEqual({ type: 'media-state', audioMuted: true, videoOff: false });
  });

  it('returns to the appointment when the call ends, leaving the room', async () => {
    const { model, connection, platform, local } = setup([activeContext()]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection());
    connection().receive({ type: 'call-status', call: callStatus('ended', 30), seq: 1 });
    expect(platform.replaced).toEqual(['/appointments/a1']);
    expect(connection().sent.map((m) => m.type)).toContain('leave');
    expect(local.tracks.every((t) => t.stopped)).toBe(true);
  });

  it('ends the call through the API with the context’s CSRF token, also when it had already ended', async () => {
    const { model, platform, api } = setup([
      activeContext({ self: doctorPeer }),
      { method: 'POST', path: '/api/appointments/a1/call/end', status: 409, body: err('call_not_active') },
    ]);
    await model.load();
    await model.endCall();
    expect(api.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/appointments/a1/call/end',
      body: { reason: 'hung_up' },
      headers: { 'x-csrf-token': 'ctx-csrf-d1' },
    });
    expect(platform.replaced).toEqual(['/appointments/a1']);
  });

  it('goes back to the appointment once when the call-ended message comes before the end request’s answer', async () => {
    const { model, platform, connection } = setup([
      activeContext({ self: doctorPeer }),
      { method: 'POST', path: '/api/appointments/a1/call/end', status: 200, body: callStatus('ended', 30) },
    ]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection());
    const ending = model.endCall();
    // The server broadcasts the end to the room while the HTTP answer is still on its way.
    connection().receive({ type: 'call-status', call: callStatus('ended', 30), seq: 1 });
    await ending;
    // A second navigation would abort the first (the browser reports net::ERR_ABORTED).
    expect(platform.replaced).toEqual(['/appointments/a1']);
  });

  it('stays on the page and says why when ending fails', async () => {
    const { model, platform } = setup([
      activeContext({ self: doctorPeer }),
      {
        method: 'POST',
        path: '/api/appointments/a1/call/end',
        status: 429,
        body: err('rate_limited', 'Too many requests. Slow down.'),
      },
    ]);
    await model.load();
    await model.endCall();
    expect(model.state).toMatchObject({ ending: false, error: 'Too many requests. Slow down.' });
    expect(platform.replaced).toEqual([]);
  });

  it('acknowledges room messages at once when the tab goes to the background', async () => {
    const { model, connection, platform } = setup([activeContext()]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [doctorPeer]);
    connection().receive({
      type: 'media-state',
      audioMuted: true,
      videoOff: false,
      from: doctorPeer,
      seq: 4,
    });
    expect(connection().sent.filter((m) => m.type === 'ack')).toEqual([]);
    platform.hide();
    expect(connection().sent.filter((m) => m.type === 'ack')).toEqual([{ type: 'ack', seq: 4 }]);
  });

  it('resumes after a socket drop with the room and last seq, keeping the peer connection', async () => {
    const { model, connection, pcs, platform } = setup([activeContext()]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [doctorPeer]);
    pcs.latest().reportConnectionState('connected');
    connection().receive({
      type: 'media-state',
      audioMuted: false,
      videoOff: true,
      from: doctorPeer,
      seq: 6,
    });
    connection().serverClose(1006);
    expect(model.state).toMatchObject({
      phase: 'connected',
      serverLost: true,
      screen: expect.objectContaining({ overlay: null, serverNotice: 'Reconnecting to the server…' }),
    });
    platform.fakeTimers.advance(250);
    connection().welcome();
    expect(connection().sent.find((m) => m.type === 'join')).toMatchObject({
      appointmentId: 'a1',
      resume: { roomId: 'r1', lastSeq: 6 },
    });
    connection().receive({
      type: 'joined',
      appointmentId: 'a1',
      roomId: 'r1',
      self: patientPeer,
      peers: [doctorPeer],
      resumed: true,
      lastSeq: 6,
    });
    connection().receive({ type: 'media-state', audioMuted: true, videoOff: true, from: doctorPeer, seq: 6 });
    expect(model.state.remote).toEqual({ audioMuted: false, videoOff: true, screenSharing: false });
    expect(pcs.created).toHaveLength(1);
    expect(pcs.latest().closed).toBe(false);
    expect(model.state).toMatchObject({ phase: 'connected', serverLost: false });
    expect(model.state.screen.serverNotice).toBeNull();
  });
});

describe('CallViewModel: maximum duration (S19)', () => {
  it('shows a polite countdown banner on call-warning, on both sides', async () => {
    const { model, connection, platform } = setup([activeContext({ self: doctorPeer })]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [patientPeer], doctorPeer);
    expect(model.state.warning).toBeNull();
    connection().receive({
      type: 'call-warning',
      appointmentId: 'a1',
      reason: 'max_duration',
      endsAt: 300_000,
      seq: 1,
    });
    expect(model.state.warning).toEqual({
      announcement: 'This call will end in 5 minutes.',
      remaining: '5:00',
    });
    platform.fakeTimers.advance(28_000);
    expect(model.state.warning?.remaining).toBe('4:32');
    expect(model.state.warning?.announcement).toBe('This call will end in 5 minutes.');
  });

  it('derives the banner from call.endsAt when the page loads late', async () => {
    const { model } = setup([activeContext({ call: { ...callStatus('in_progress'), endsAt: 1_000_000 } })], {
      now: 1_000_000 - 90_000,
    });
    await model.load();
    expect(model.state.warning).toEqual({
      announcement: 'This call will end in 2 minutes.',
      remaining: '1:30',
    });
  });

  it('shows nothing while the end is far', async () => {
    const { model } = setup([activeContext({ call: { ...callStatus('in_progress'), endsAt: 3_600_000 } })]);
    await model.load();
    expect(model.state.warning).toBeNull();
  });
});

describe('CallViewModel: the waiting room (S20)', () => {
  it('says when check-in opens, then checks in by itself', async () => {
    const { model, connection, platform } = setup([contextRoute()], { now: 40_000 });
    await model.load();
    expect(model.state.phase).toBe('lobby');
    expect(model.state.lobby?.opensAt).toMatch(/^Check-in opens at /);
    connection().welcome();
    expect(connection().sent).toEqual([{ type: 'subscribe', appointmentId: 'a1' }]);
    platform.fakeTimers.advance(60_000);
    expect(connection().sent.at(-1)).toEqual({ type: 'check-in', appointmentId: 'a1' });
    expect(model.state.lobby?.opensAt).toBeNull();
  });

  it('checks in at once when open, again after every reconnect, and counts the time waited', async () => {
    const { model, connection, platform } = setup([contextRoute({ lobby: lobby(true, 150_000) })], {
      now: 200_000,
    });
    await model.load();
    connection().welcome();
    expect(connection().sent).toEqual([
      { type: 'subscribe', appointmentId: 'a1' },
      { type: 'check-in', appointmentId: 'a1' },
    ]);
    expect(model.state.lobby).toEqual({ opensAt: null, waited: '0:50' });
    platform.fakeTimers.advance(2000);
    expect(model.state.lobby?.waited).toBe('0:52');
    connection().receive({ type: 'lobby', lobby: lobby(true, 100_000) });
    expect(model.state.lobby?.waited).toBe('1:42');
    connection().serverClose(1006);
    platform.fakeTimers.advance(250);
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'check-in']);
  });

  it('tries a refused check-in again later', async () => {
    const { model, connection, platform } = setup([contextRoute()], { now: 200_000 });
    await model.load();
    connection().welcome();
    connection().receive({ type: 'error', code: 'check_in_not_open', message: 'Not yet.' });
    expect(model.state.lobby?.opensAt).toMatch(/^Check-in opens at /);
    const checkIns = () => connection().sent.filter((m) => m.type === 'check-in');
    expect(checkIns()).toHaveLength(1);
    platform.fakeTimers.advance(CHECK_IN_RETRY_MS - 1);
    expect(checkIns()).toHaveLength(1);
    platform.fakeTimers.advance(1);
    expect(checkIns()).toHaveLength(2);
  });

  it('joins without a click when the doctor starts: cookie, new socket, join', async () => {
    const { model, connection, posts, asked } = setup(
      [
        contextRoute(),
        { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
      ],
      { now: 200_000 },
    );
    await model.load();
    const lobbySocket = connection();
    lobbySocket.welcome();
    lobbySocket.receive({ type: 'call-status', call: callStatus('waiting') });
    await settle();
    expect(posts().map((r) => r.path)).toEqual(['/api/appointments/a1/call/join']);
    expect(lobbySocket.closedWith).not.toBeNull();
    expect(asked).toHaveLength(1);
    const callSocket = connection();
    callSocket.welcome();
    expect(callSocket.sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
    joined(callSocket, [doctorPeer]);
    expect(model.state.phase).toBe('connecting');
  });

  it('stops for good with clear words when the link is revoked (4006)', async () => {
    const { model, connection, platform } = setup([contextRoute({ via: 'link' })], { now: 200_000 });
    await model.load();
    connection().welcome();
    connection().serverClose(4006, 'revoked');
    expect(model.state).toMatchObject({
      phase: 'failed',
      error: 'The doctor restarted the call, so this link no longer works. Ask the clinic for a new one.',
    });
    const sockets = connection();
    platform.fakeTimers.advance(120_000);
    expect(connection()).toBe(sockets);
    expect(platform.replaced).toEqual([]);
  });
});

describe('CallViewModel: call links', () => {
  it('takes the token out of the address bar before anything else, and skips the exchange with a cookie', async () => {
    const { model, platform, api } = setup([activeContext({ via: 'link' })], { hash: `#token=${TOKEN}` });
    const loading = model.load();
    expect(platform.urls).toEqual(['/appointments/a1/call']);
    await loading;
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${CONTEXT}`,
      'GET /api/appointments/a1/messages?limit=500',
    ]);
    expect(model.state).toMatchObject({ viaLink: true, phase: expect.stringMatching(/starting|joining/) });
  });

  it('asks a visitor who is not signed in to confirm a name, then exchanges the link with it', async () => {
    const { model, api, connection } = setup(
      [
        { method: 'GET', path: CONTEXT, status: 401, body: err('unauthenticated') },
        { method: 'GET', path: '/api/session', status: 401, body: err('unauthenticated') },
        {
          method: 'POST',
          path: '/api/call-links/exchange',
          status: 200,
          body: callContext({
            via: 'link',
            hasGrant: true,
            call: callStatus('waiting'),
            csrfToken: 'link-csrf',
          }),
        },
      ],
      { hash: `#token=${TOKEN}` },
    );
    await model.load();
    expect(model.state.phase).toBe('confirm-name');
    await model.confirmName();
    expect(model.state.nameError).toBe('Enter your name.');
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);
    model.setNameDraft('  Pat Smith ');
    await model.confirmName();
    const exchange = api.requests.find((r) => r.path === '/api/call-links/exchange');
    expect(exchange?.body).toEqual({ token: TOKEN, displayName: 'Pat Smith' });
    expect(model.state).toMatchObject({
      viaLink: true,
      role: 'patient',
      phase: expect.stringMatching(/starting|joining/),
    });
    await settle();
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
  });

  it('exchanges without a name when signed in', async () => {
    const { model, api } = setup(
      [
        contextRoute({ self: doctorPeer, call: callStatus('waiting'), hasGrant: false }),
        {
          method: 'POST',
          path: '/api/call-links/exchange',
          status: 200,
          body: callContext({ self: doctorPeer, call: callStatus('waiting'), hasGrant: true }),
        },
      ],
      { hash: `#token=${TOKEN}` },
    );
    await model.load();
    expect(api.requests.find((r) => r.method === 'POST')).toMatchObject({
      body: { token: TOKEN },
      headers: { 'x-csrf-token': 'ctx-csrf-d1' },
    });
    expect(model.state.phase).toMatch(/starting|joining/);
  });

  it('asks for the name when the server says the patient link needs one', async () => {
    const { model } = setup(
      [
        { method: 'GET', path: CONTEXT, status: 403, body: err('not_party') },
        { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
        { method: 'POST', path: '/api/call-links/exchange', status: 400, body: err('validation_failed') },
      ],
      { hash: `#token=${TOKEN}` },
    );
    await model.load();
    expect(model.state.phase).toBe('confirm-name');
  });

  it.each([
    ['link_invalid', /not valid/],
    ['link_expired', /has expired\. Ask the clinic for a new one/],
    ['link_revoked', /restarted the call/],
    ['link_already_used', /another browser/],
    ['link_for_other_user', /for someone else\. Sign out first/],
  ])('words a refused link (%s) with what to do, never showing the token', async (code, words) => {
    const { model, platform } = setup(
      [
        { method: 'GET', path: CONTEXT, status: 401, body: err('unauthenticated') },
        { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
        { method: 'POST', path: '/api/call-links/exchange', status: 410, body: err(code, `server ${TOKEN}`) },
      ],
      { hash: `#token=${TOKEN}` },
    );
    await model.load();
    expect(model.state).toMatchObject({
      phase: 'failed',
      error: expect.stringMatching(words),
      viaLink: true,
    });
    expect(JSON.stringify(model.state)).not.toContain(TOKEN);
    expect(platform.replaced).toEqual([]);
  });

  it('stays on the page when a link visitor’s call ends', async () => {
    const { model, connection, platform } = setup([activeContext({ via: 'link' })]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection());
    connection().receive({ type: 'call-status', call: callStatus('ended', 30), seq: 1 });
    expect(platform.replaced).toEqual([]);
    expect(model.state).toMatchObject({ phase: 'ended', statusText: expect.stringMatching(/has ended/) });
  });
});

describe('CallViewModel: the doctor’s invite link', () => {
  const inviteRoutes = (): Route[] => [
    activeContext({ self: doctorPeer }),
    {
      method: 'POST',
      path: '/api/appointments/a1/call/invite',
      status: 200,
      body: {
        link: { url: 'https://cc.test/appointments/a1/call#token=new', role: 'patient', expiresAt: 9e12 },
      },
    },
  ];

  it('copies the link Start returned first, then asks for a new one', async () => {
    const { model, platform, posts } = setup(inviteRoutes());
    platform.tabStorage.set(
      'carecall.patientLink.a1',
      JSON.stringify({ url: 'https://cc.test/appointments/a1/call#token=start', expiresAt: 9e12 }),
    );
    await model.load();
    expect(model.state.invite).toMatchObject({ status: 'idle' });
    await model.copyInviteLink();
    expect(platform.copied).toEqual(['https://cc.test/appointments/a1/call#token=start']);
    expect(model.state.invite).toMatchObject({ status: 'copied', message: 'Invite link copied' });
    expect(posts().filter((r) => r.path.endsWith('/invite'))).toHaveLength(0);
    await model.copyInviteLink();
    expect(platform.copied.at(-1)).toBe('https://cc.test/appointments/a1/call#token=new');
    expect(posts().filter((r) => r.path.endsWith('/invite'))).toHaveLength(1);
  });

  it('shows the link to copy by hand when the clipboard refuses', async () => {
    const { model, platform } = setup(inviteRoutes());
    platform.clipboardBroken = true;
    await model.load();
    await model.copyInviteLink();
    expect(model.state.invite).toMatchObject({
      status: 'failed',
      url: 'https://cc.test/appointments/a1/call#token=new',
    });
  });

  it('offers no invite to the patient', async () => {
    const { model } = setup([activeContext()]);
    await model.load();
    expect(model.state.invite).toBeNull();
  });
});

describe('CallViewModel: the in-call chat', () => {
  const MESSAGES = '/api/appointments/a1/messages?limit=500';
  const before = chatMessage('m1', doctorUser, 'Before the call');

  async function inCall() {
    const t = setup([
      activeContext(),
      { method: 'GET', path: MESSAGES, status: 200, body: { messages: [before] } },
    ]);
    await t.model.load();
    await settle();
    t.connection().welcome();
    joined(t.connection(), [doctorPeer]);
    return t;
  }

  it('shows the appointment’s full history, closed at first, with nothing unread', async () => {
    const { model, api } = await inCall();
    expect(api.requests.filter((r) => r.path === MESSAGES)).toHaveLength(1);
    expect(model.state).toMatchObject({ chatOpen: false, selfId: 'p1', chatBadge: null });
    expect(model.state.chat?.entries.map((e) => e.body)).toEqual(['Before the call']);
  });

  it('counts the other side’s messages while the panel is closed, and clears the count when it opens', async () => {
    const { model, connection } = await inCall();
    connection().receive({ type: 'chat', message: chatMessage('m2', doctorUser, 'Can you see my screen?') });
    connection().receive({ type: 'chat', message: chatMessage('m3', doctorUser, 'Hello?') });
    expect(model.state.chatBadge).toEqual({ text: '2', words: '2 unread messages' });
    model.toggleChat();
    expect(model.state).toMatchObject({ chatOpen: true, chatBadge: null });
    connection().receive({ type: 'chat', message: chatMessage('m4', doctorUser, 'Good.') });
    expect(model.state.chatBadge).toBeNull();
    model.closeChat();
    expect(model.state.chatOpen).toBe(false);
    connection().receive({ type: 'chat', message: chatMessage('m5', doctorUser, 'Bye') });
    expect(model.state.chatBadge?.text).toBe('1');
  });

  it('sends through the same outbox as the appointment page, as this party', async () => {
    const { model, connection } = await inCall();
    model.toggleChat();
    model.setChatDraft('Yes, I can');
    model.sendChat();
    expect(connection().sent.at(-1)).toMatchObject({ type: 'chat', appointmentId: 'a1', body: 'Yes, I can' });
    expect(model.state.chat?.entries.at(-1)).toMatchObject({ senderId: 'p1', status: 'pending' });
    expect(model.state.chat?.draft).toBe('');
  });

  it('opening the chat closes a popover', async () => {
    const { model } = await inCall();
    model.togglePopover('settings');
    expect(model.state.popover).toBe('settings');
    model.togglePopover('quality');
    expect(model.state.popover).toBe('quality');
    model.toggleChat();
    expect(model.state).toMatchObject({ popover: null, chatOpen: true });
    model.togglePopover('settings');
    model.togglePopover('settings');
    expect(model.state.popover).toBeNull();
  });

  it('shows the quality figures on hover; a press pins them, another closes them even under the pointer', async () => {
    const { model } = await inCall();
    model.peekQuality(true);
    expect(model.state).toMatchObject({ qualityPeek: true, popover: null });
    model.togglePopover('quality');
    expect(model.state).toMatchObject({ qualityPeek: false, popover: 'quality' });
    model.peekQuality(false);
    expect(model.state.popover).toBe('quality');
    model.peekQuality(true);
    model.togglePopover('quality');
    expect(model.state).toMatchObject({ qualityPeek: false, popover: null });
  });
});

describe('CallViewModel: the call’s duration', () => {
  it('counts from connectedAt while in the call, without changing what is announced', async () => {
    const call = { ...callStatus('in_progress'), connectedAt: 1_000 };
    const { model, connection, platform } = setup([activeContext({ call })], { now: 63_000 });
    await model.load();
    await settle();
    expect(model.state.duration).toBe('1:02');
    connection().welcome();
    joined(connection(), [doctorPeer]);
    const announcement = model.state.screen.announcement;
    platform.fakeTimers.advance(1_000);
    expect(model.state.duration).toBe('1:03');
    expect(model.state.screen.announcement).toBe(announcement);
  });

  it('starts when the call goes in_progress, and reads h:mm:ss past an hour', async () => {
    const { model, connection, platform } = setup([activeContext()], { now: 5_000 });
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [doctorPeer]);
    expect(model.state.duration).toBeNull();
    connection().receive({ type: 'call-status', call: { ...callStatus('in_progress'), connectedAt: 5_000 } });
    expect(model.state.duration).toBe('0:00');
    platform.fakeTimers.advance(3_725_000);
    expect(model.state.duration).toBe('1:02:05');
  });

  it('stops when the call ends', async () => {
    const call = { ...callStatus('in_progress'), connectedAt: 0 };
    const { model, connection } = setup([activeContext({ call, via: 'link' })], { now: 30_000 });
    await model.load();
    await settle();
    connection().welcome();
    joined(connection());
    expect(model.state.duration).toBe('0:30');
    connection().receive({ type: 'call-status', call: callStatus('ended', 30), seq: 1 });
    expect(model.state).toMatchObject({ phase: 'ended', duration: null });
  });
});

describe('CallViewModel: fullscreen, speaker and the screen’s words', () => {
  function fakeFullscreen(refuse = false) {
    const listeners = new Set<() => void>();
    const entered: unknown[] = [];
    let active = false;
    const control: FullscreenControl = {
      isActive: () => active,
      enter: async (element) => {
        if (refuse) throw new Error('Permissions check failed');
        entered.push(element);
        active = true;
        for (const listener of listeners) listener();
      },
      exit: async () => {
        active = false;
        for (const listener of listeners) listener();
      },
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const browserExit = () => {
      active = false;
      for (const listener of listeners) listener();
    };
    return { control, entered, browserExit };
  }

  it('offers no Fullscreen where the browser has none (Safari on iPhone)', async () => {
    const { model } = setup([activeContext()]);
    await model.load();
    expect(model.state.fullscreen).toBeNull();
    await model.toggleFullscreen(null);
    expect(model.state.fullscreen).toBeNull();
  });

  it('enters and leaves full screen on the call element, and follows the browser’s own exit', async () => {
    const fullscreen = fakeFullscreen();
    const { model } = setup([activeContext()], { platform: { fullscreen: fullscreen.control } });
    await model.load();
    expect(model.state.fullscreen).toEqual({ active: false });
    const element = { tagName: 'MAIN' } as unknown as Element;
    await model.toggleFullscreen(element);
    expect(fullscreen.entered).toEqual([element]);
    expect(model.state.fullscreen).toEqual({ active: true });
    fullscreen.browserExit();
    expect(model.state.fullscreen).toEqual({ active: false });
    await model.toggleFullscreen(element);
    await model.toggleFullscreen(element);
    expect(model.state.fullscreen).toEqual({ active: false });
  });

  it('stays in the window when the browser refuses full screen', async () => {
    const fullscreen = fakeFullscreen(true);
    const { model } = setup([activeContext()], { platform: { fullscreen: fullscreen.control } });
    await model.load();
    await model.toggleFullscreen({} as Element);
    expect(model.state.fullscreen).toEqual({ active: false });
  });

  it('plays the other side through the speaker chosen on the device test page', () => {
    expect(setup([]).model.state.audioOutput).toBeNull();
    const chosen = setup([], {
      platform: { readStorage: (key) => (key === 'carecall.audioOutput' ? 'headset-1' : null) },
    });
    expect(chosen.model.state.audioOutput).toBe('headset-1');
  });

  it('words each phase on the screen and in the one live region', async () => {
    const { model, connection, pcs } = setup([activeContext({ self: doctorPeer })]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [], doctorPeer);
    expect(model.state.screen.overlay?.title).toBe('Waiting for the patient…');
    connection().receive({ type: 'peer-joined', peer: patientPeer, seq: 1 });
    expect(model.state.screen.overlay?.title).toBe('Connecting to Pat…');
    pcs.latest().reportConnectionState('connected');
    expect(model.state.screen).toMatchObject({ overlay: null, announcement: 'Connected with Pat.' });
    connection().receive({
      type: 'media-state',
      audioMuted: true,
      videoOff: true,
      from: patientPeer,
      seq: 2,
    });
    expect(model.state.screen.remoteTile).toMatchObject({ audioMuted: true, videoOff: true, initials: 'P' });
    expect(model.state.screen.announcement).toBe(
      'Connected with Pat. Pat is muted and has turned the camera off.',
    );
    pcs.latest().reportConnectionState('disconnected');
    expect(model.state.screen.overlay).toMatchObject({
      title: 'Reconnecting…',
      detail: 'Restoring the video connection',
    });
    connection().receive({ type: 'peer-left', peer: patientPeer, seq: 3 });
    expect(model.state.screen.overlay).toMatchObject({ kind: 'left', title: 'Pat left the call' });
  });
});
