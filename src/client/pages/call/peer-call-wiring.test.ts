import { describe, expect, it } from 'vitest';
import type { PartyRole } from '../../../protocol/call-status.js';
import { ApiClient } from '../../api/http-client.js';
import type { Platform } from '../../platform/platform.js';
import { callSide, doctorPeer, patientPeer } from '../../testing/call-side.js';
import { fakeApi } from '../../testing/fake-api.js';
import { FakeMediaDevices, FakeStream } from '../../testing/fake-media.js';
import { fakePeerConnectionFactory, settle } from '../../testing/fake-peer-connection.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import { FakeRoomServer } from '../../testing/fake-signaling.js';
import { callStatus } from '../../testing/fixtures.js';
import {
  type PeerCallStatus,
  type PeerCallView,
  toRtcIceServers,
  WiredPeerCall,
} from './peer-call-wiring.js';

describe('toRtcIceServers', () => {
  it('passes TURN credentials on to the peer connection', () => {
    const turn = { urls: ['turn:127.0.0.1:3478'], username: '123:p1', credential: 'secret' };
    expect(toRtcIceServers([{ urls: ['stun:127.0.0.1'] }, turn])).toEqual([
      { urls: ['stun:127.0.0.1'] },
      turn,
    ]);
  });
});

const FRESH = { urls: ['turn:127.0.0.1:3478'], username: '999:u', credential: 'fresh' };

/** One side wired as the call page wires it, on a fake room with the other side as a plain peer call. */
function wired(role: PartyRole, platformOverrides: Partial<Platform> = {}) {
  const server = new FakeRoomServer();
  const pcs = fakePeerConnectionFactory(role);
  const devices = new FakeMediaDevices([
    { kind: 'audioinput', deviceId: 'mic-1', label: 'Microphone' },
    { kind: 'videoinput', deviceId: 'cam-1', label: 'Front camera' },
    { kind: 'videoinput', deviceId: 'cam-2', label: 'USB camera' },
  ]);
  const asked: MediaStreamConstraints[] = [];
  const platform = fakePlatform({
    createPeerConnection: pcs.factory,
    getUserMedia: (constraints) => {
      asked.push(constraints);
      return devices.getUserMedia(constraints);
    },
    enumerateDevices: devices.enumerateDevices,
    onDeviceChange: devices.onDeviceChange,
    getDisplayMedia: devices.getDisplayMedia,
    createMediaStream: () => new FakeStream().asStream,
    ...platformOverrides,
  });
  platform.storage.set('carecall.videoInput', 'cam-2');
  const api = fakeApi([
    {
      method: 'GET',
      path: '/api/appointments/a1/call',
      status: 200,
      body: {
        call: callStatus('in_progress'),
        iceServers: [FRESH],
        iceTransportPolicy: 'relay',
        expiresAt: 999,
      },
    },
  ]);
  const patches: Array<Partial<PeerCallView & PeerCallStatus>> = [];
  const warnings: number[] = [];
  const self = role === 'doctor' ? doctorPeer : patientPeer;
  let connects = 0;
  const socket = Object.assign(server.connect(self), { connect: () => void connects++ });
  const wiredCall = new WiredPeerCall(
    {
      appointmentId: 'a1',
      context: { self, iceTransportPolicy: 'all' },
      iceServers: [{ urls: ['stun:127.0.0.1'] }],
      api: new ApiClient(api.fetch),
      platform,
      socket,
      grant: async () => undefined,
      join: { audio: true, video: true },
    },
    {
      update: (patch) => patches.push(patch),
      warning: (endsAt) => warnings.push(endsAt),
      recording: () => {},
    },
  );
  const other = callSide(server, platform.fakeTimers, role === 'doctor' ? patientPeer : doctorPeer);
  const statuses = () => patches.filter((patch) => patch.phase !== undefined);
  const phases = () => patches.flatMap((patch) => (patch.phase ? [patch.phase] : []));
  const media = () => patches.filter((patch) => patch.phase === undefined && !('error' in patch));
  const problems = () =>
    patches.flatMap((patch) => (patch.phase === undefined && 'error' in patch ? [patch.error] : []));
  return {
    server,
    socket,
    platform,
    pcs,
    api,
    asked,
    devices,
    wiredCall,
    call: wiredCall.call,
    other,
    statuses,
    phases,
    warnings,
    media,
    problems,
    connects: () => connects,
  };
}

async function connected(role: PartyRole, platformOverrides: Partial<Platform> = {}) {
  const side = wired(role, platformOverrides);
  side.other.call.start();
  side.wiredCall.start();
  await settle();
  side.pcs.latest().reportConnectionState('connected');
  await settle();
  return side;
}

describe('WiredPeerCall', () => {
  it('offers screen sharing to a doctor whose browser can capture a screen, and to no one else', () => {
    expect(wired('doctor').media()[0]).toEqual({ screenShare: { active: false } });
    expect(wired('patient').media()[0]).toEqual({ screenShare: null });
    expect(wired('doctor', { getDisplayMedia: null }).media()[0]).toEqual({ screenShare: null });
  });

  it('starts the camera remembered on the device test page, and forwards the call’s phases and media', async () => {
    const { asked, phases, media, call, connects } = await connected('patient');
    expect(connects()).toBe(1);
    expect(asked[0]).toMatchObject({ video: { deviceId: { exact: 'cam-2' } } });
    expect(phases()).toEqual(['starting', 'joining', 'connecting', 'connected']);
    const kinds = media().flatMap((patch) => Object.keys(patch));
    expect(kinds).toEqual(
      expect.arrayContaining(['screenShare', 'localStream', 'local', 'devices', 'remote']),
    );
    call.setAudioMuted(true);
    expect(media().at(-1)).toMatchObject({ local: { audioMuted: true }, screenShare: null });
  });

  it('makes the doctor impolite and the patient polite', async () => {
    const doctor = await connected('doctor');
    expect(doctor.server.inRoom()).toHaveLength(2);
    expect(doctor.other.signaling.sentOfType('answer')).toHaveLength(1);
    const patient = await connected('patient');
    expect(patient.other.signaling.sentOfType('offer')).toHaveLength(1);
  });

  it('words the phase and keeps the name of the other side who left', async () => {
    const { statuses, other } = await connected('doctor');
    expect(statuses().at(-1)).toEqual({
      phase: 'connected',
      statusText: 'Connected',
      error: null,
      peerName: 'Pat',
    });
    other.call.close();
    await settle();
    expect(statuses().at(-1)).toEqual({
      phase: 'peer-left',
      statusText: 'The other side left',
      error: null,
      peerName: 'Pat',
    });
  });

  it('shares the screen and stops, follows it in the media it forwards, and says why sharing failed', async () => {
    const { wiredCall, media, problems, devices } = await connected('doctor');
    await wiredCall.toggleScreenShare(false);
    expect(media().at(-1)).toMatchObject({ local: { screenSharing: true }, screenShare: { active: true } });
    expect(problems()).toEqual([null]);
    await wiredCall.toggleScreenShare(true);
    expect(media().at(-1)).toMatchObject({ screenShare: { active: false } });
    devices.failWith = 'NotAllowedError';
    await wiredCall.toggleScreenShare(false);
    expect(problems()).toEqual([null]);
    devices.failWith = 'NotReadableError';
    await wiredCall.toggleScreenShare(false);
    expect(problems()).toEqual([null, 'The screen could not be shared. Try again.']);
  });

  it('switches a device and remembers it, or says why it could not', async () => {
    const { wiredCall, platform, problems, devices } = await connected('patient');
    await wiredCall.selectDevice('videoinput', 'cam-1');
    expect(platform.storage.get('carecall.videoInput')).toBe('cam-1');
    expect(problems()).toEqual([null]);
    devices.failWith = 'NotReadableError';
    await wiredCall.selectDevice('videoinput', 'cam-2');
    expect(platform.storage.get('carecall.videoInput')).toBe('cam-1');
    expect(problems().at(-1)).toMatch(/camera is in use by another application/);
  });

  it('acknowledges room messages at once when the tab goes to the background', async () => {
    const { platform, server, socket } = await connected('patient');
    server.broadcast({ type: 'media-state', audioMuted: true, videoOff: false, from: doctorPeer });
    await settle();
    expect(socket.sentOfType('ack')).toEqual([]);
    platform.hide();
    expect(socket.sentOfType('ack')).toHaveLength(1);
  });

  it('fetches fresh ICE servers from the API for a restart', async () => {
    const { pcs, api } = await connected('doctor');
    pcs.latest().reportConnectionState('failed');
    await settle();
    expect(api.requests.map((r) => r.path)).toEqual(['/api/appointments/a1/call']);
    expect(pcs.latest().reconfigured.at(-1)).toMatchObject({
      iceServers: [FRESH],
      iceTransportPolicy: 'relay',
    });
  });

  it('forwards the server’s max-duration warning and its remote media', async () => {
    const { server, warnings, media } = await connected('doctor');
    server.broadcast({ type: 'call-warning', appointmentId: 'a1', reason: 'max_duration', endsAt: 99 });
    server.broadcast({ type: 'media-state', audioMuted: true, videoOff: false, from: patientPeer });
    await settle();
    expect(warnings).toEqual([99]);
    expect(media().at(-1)).toEqual({
      remote: { audioMuted: true, videoOff: false, screenSharing: false, microphone: 'on', camera: 'on' },
    });
  });
});
