import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { FakeStream } from '../../testing/fake-media.js';
import { fakePeerConnectionFactory, settle } from '../../testing/fake-peer-connection.js';
import { adminUser, callStatus, doctorUser, patientUser, sessionOf } from '../../testing/fixtures.js';
import { pageHarness } from '../../testing/page-harness.js';
import { CallViewModel, statusText, toRtcIceServers } from './call-view-model.js';

const joinInfo = (status: 'waiting' | 'in_progress' | 'ended' = 'waiting') => ({
  call: callStatus(status),
  iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: '123:p1', credential: 'secret' }],
});

function setup(routes: Route[]) {
  const api = fakeApi(routes);
  const pcs = fakePeerConnectionFactory('pc');
  const local = FakeStream.withAudioAndVideo();
  const asked: MediaStreamConstraints[] = [];
  const { platform, socket, connection } = pageHarness({
    pathname: '/appointments/a1/call',
    createPeerConnection: pcs.factory,
    getUserMedia: async (constraints) => {
      asked.push(constraints);
      return local.asStream;
    },
    createMediaStream: () => new FakeStream().asStream,
  });
  platform.storage.set('carecall.videoInput', 'cam-2');
  const model = new CallViewModel(new ApiClient(api.fetch), platform, socket);
  return { api, platform, model, connection, pcs, local, asked };
}

const routesFor = (user = patientUser, info: object = joinInfo()): Route[] => [
  { method: 'GET', path: '/api/session', status: 200, body: sessionOf(user) },
  { method: 'GET', path: '/api/appointments/a1/call', status: 200, body: info },
];

describe('statusText', () => {
  it('uses the words of the call page', () => {
    expect(statusText('waiting', null)).toBe('Waiting for the other side…');
    expect(statusText('connecting', null)).toBe('Connecting…');
    expect(statusText('connected', null)).toBe('Connected');
    expect(statusText('peer-left', null)).toBe('The other side left');
    expect(statusText('reconnecting', null)).toBe('Reconnecting…');
    expect(statusText('failed', 'Camera blocked.')).toBe('Camera blocked.');
  });

  it('passes TURN credentials on to the peer connection', () => {
    expect(toRtcIceServers([{ urls: ['stun:127.0.0.1'] }, joinInfo().iceServers[0] as never])).toEqual([
      { urls: ['stun:127.0.0.1'] },
      { urls: ['turn:127.0.0.1:3478'], username: '123:p1', credential: 'secret' },
    ]);
  });
});

describe('CallViewModel', () => {
  it('goes back to the appointment when the call is not active', async () => {
    const { model, platform } = setup([
      { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
      {
        method: 'GET',
        path: '/api/appointments/a1/call',
        status: 409,
        body: { error: { code: 'call_not_active', message: 'Not active.' } },
      },
    ]);
    await model.load();
    expect(platform.replaced).toEqual(['/appointments/a1']);
  });

  it('refuses an admin', async () => {
    const { model } = setup(routesFor(adminUser));
    await model.load();
    expect(model.state).toMatchObject({ phase: 'failed', statusText: expect.stringMatching(/cannot join/) });
  });

  it('asks for HD media on the saved camera, joins after welcome and waits', async () => {
    const { model, connection, asked } = setup(routesFor());
    await model.load();
    await settle();
    expect(asked[0]).toMatchObject({
      video: {
        width: { ideal: 1280 },
        height: { ideal: 720 },
        frameRate: { ideal: 30 },
        deviceId: { ideal: 'cam-2' },
      },
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    expect(model.state.statusText).toBe('Connecting…');
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
    connection().receive({
      type: 'joined',
      appointmentId: 'a1',
      roomId: 'r1',
      self: { userId: 'p1', role: 'patient', displayName: 'Pat' },
      peers: [],
    });
    expect(model.state).toMatchObject({ phase: 'waiting', statusText: 'Waiting for the other side…' });
  });

  it('connects to the peer with the API’s ICE servers and toggles media', async () => {
    const { model, connection, pcs, local } = setup(routesFor());
    await model.load();
    await settle();
    connection().welcome();
    connection().receive({
      type: 'joined',
      appointmentId: 'a1',
      roomId: 'r1',
      self: { userId: 'p1', role: 'patient', displayName: 'Pat' },
      peers: [{ userId: 'd1', role: 'doctor', displayName: 'Dr. Ada' }],
    });
    expect(model.state).toMatchObject({ phase: 'connecting', peerName: 'Dr. Ada' });
    expect(pcs.latest().configuration.iceServers).toEqual(joinInfo().iceServers);
    pcs.latest().reportConnectionState('connected');
    expect(model.state.statusText).toBe('Connected');
    model.toggleAudio();
    expect(model.state.local.audioMuted).toBe(true);
    expect(local.getAudioTracks()[0]?.enabled).toBe(false);
    expect(connection().sent.at(-1)).toEqual({ type: 'media-state', audioMuted: true, videoOff: false });
  });

  it('returns to the appointment when the call ends, leaving the room', async () => {
    const { model, connection, platform, local } = setup(routesFor());
    await model.load();
    await settle();
    connection().welcome();
    connection().receive({
      type: 'joined',
      appointmentId: 'a1',
      roomId: 'r1',
      self: { userId: 'p1', role: 'patient', displayName: 'Pat' },
      peers: [],
    });
    connection().receive({ type: 'call-status', call: callStatus('ended', 30) });
    expect(platform.replaced).toEqual(['/appointments/a1']);
    expect(connection().sent.map((m) => m.type)).toContain('leave');
    expect(local.tracks.every((t) => t.stopped)).toBe(true);
  });

  it('ends the call through the API, also when it had already ended', async () => {
    const { model, platform, api } = setup([
      ...routesFor(doctorUser),
      {
        method: 'POST',
        path: '/api/appointments/a1/call/end',
        status: 409,
        body: { error: { code: 'call_not_active', message: 'Already over.' } },
      },
    ]);
    await model.load();
    await model.endCall();
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/appointments/a1/call/end' });
    expect(platform.replaced).toEqual(['/appointments/a1']);
  });

  it('stays on the page and says why when ending fails', async () => {
    const { model, platform } = setup([
      ...routesFor(doctorUser),
      {
        method: 'POST',
        path: '/api/appointments/a1/call/end',
        status: 429,
        body: { error: { code: 'rate_limited', message: 'Too many requests. Slow down.' } },
      },
    ]);
    await model.load();
    await model.endCall();
    expect(model.state).toMatchObject({ ending: false, error: 'Too many requests. Slow down.' });
    expect(platform.replaced).toEqual([]);
  });
});
