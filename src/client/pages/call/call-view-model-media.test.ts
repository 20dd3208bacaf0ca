import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import { AUDIO_INPUT_KEY, VIDEO_INPUT_KEY } from '../../call/media.js';
import type { Platform } from '../../platform/platform.js';
import { fakeApi } from '../../testing/fake-api.js';
import { FakeMediaDevices, FakeStream } from '../../testing/fake-media.js';
import { fakePeerConnectionFactory, settle } from '../../testing/fake-peer-connection.js';
import { callContext, callStatus, doctorPeer, patientPeer } from '../../testing/fixtures.js';
import { pageHarness } from '../../testing/page-harness.js';
import { CallViewModel } from './call-view-model.js';

const DEVICES = [
  { kind: 'audioinput', deviceId: 'default', label: 'Default' },
  { kind: 'audioinput', deviceId: 'mic-2', label: 'USB microphone' },
  { kind: 'videoinput', deviceId: 'cam-1', label: 'Front camera' },
  { kind: 'videoinput', deviceId: 'cam-2', label: 'USB camera' },
] as const;

/** A party in an active call, connected to the other side; `getDisplayMedia` as the browser has it. */
async function inCall(
  role: 'doctor' | 'patient',
  options: { screenCapture?: boolean; policy?: 'all' | 'relay'; blocked?: boolean } = {},
) {
  const self = role === 'doctor' ? doctorPeer : patientPeer;
  const other = role === 'doctor' ? patientPeer : doctorPeer;
  const fresh = { urls: ['turn:127.0.0.1:3478'], username: '999:u', credential: 'fresh' };
  const api = fakeApi([
    {
      method: 'GET',
      path: '/api/call/context?appointmentId=a1',
      status: 200,
      body: callContext({
        self,
        call: callStatus('in_progress'),
        hasGrant: true,
        iceTransportPolicy: options.policy ?? 'all',
      }),
    },
    {
      method: 'GET',
      path: '/api/appointments/a1/call',
      status: 200,
      body: {
        call: callStatus('in_progress'),
        iceServers: [fresh],
        iceTransportPolicy: 'relay',
        expiresAt: 999,
      },
    },
  ]);
  const devices = new FakeMediaDevices([...DEVICES]);
  if (options.blocked) devices.failWith = 'NotAllowedError';
  const pcs = fakePeerConnectionFactory('pc');
  const overrides: Partial<Platform> = {
    pathname: '/appointments/a1/call',
    createPeerConnection: pcs.factory,
    getUserMedia: devices.getUserMedia,
    enumerateDevices: devices.enumerateDevices,
    onDeviceChange: devices.onDeviceChange,
    getDisplayMedia: options.screenCapture === false ? null : devices.getDisplayMedia,
    createMediaStream: () => new FakeStream().asStream,
  };
  const { platform, socket, connection } = pageHarness(overrides);
  const model = new CallViewModel(new ApiClient(api.fetch), platform, socket);
  await model.load();
  expect(model.state.phase).toBe('pre-join');
  await model.joinNow();
  await settle();
  connection().welcome();
  connection().receive({
    type: 'joined',
    appointmentId: 'a1',
    roomId: 'r1',
    self,
    peers: [other],
    resumed: false,
    lastSeq: 0,
  });
  await settle();
  const pc = pcs.latest();
  pc.reportConnectionState('connected');
  await settle();
  return { model, platform, pc, devices, connection, api, fresh };
}

describe('CallViewModel: screen share', () => {
  it('offers sharing to the doctor and follows it in state and on the wire', async () => {
    const { model, connection } = await inCall('doctor');
    expect(model.state.screenShare).toEqual({ active: false });
    await model.toggleScreenShare();
    await settle();
    expect(model.state.screenShare).toEqual({ active: true });
    expect(model.state.local.screenSharing).toBe(true);
    expect(connection().sent.filter((m) => m.type === 'screen-share')).toEqual([
      { type: 'screen-share', active: true },
    ]);
    await model.toggleScreenShare();
    await settle();
    expect(model.state.screenShare).toEqual({ active: false });
    expect(
      connection()
        .sent.filter((m) => m.type === 'screen-share')
        .at(-1),
    ).toEqual({
      type: 'screen-share',
      active: false,
    });
  });

  it('offers nothing to a patient, nor where the browser cannot capture a screen', async () => {
    expect((await inCall('patient')).model.state.screenShare).toBeNull();
    const phone = await inCall('doctor', { screenCapture: false });
    expect(phone.model.state.screenShare).toBeNull();
    await phone.model.toggleScreenShare();
    expect(phone.connection().sent.filter((m) => m.type === 'screen-share')).toEqual([]);
  });

  it('says nothing when the doctor cancels the picker, and says why when sharing fails', async () => {
    const { model, devices } = await inCall('doctor');
    devices.failWith = 'NotAllowedError';
    await model.toggleScreenShare();
    expect(model.state).toMatchObject({ error: null, screenShare: { active: false } });
    devices.failWith = 'NotReadableError';
    await model.toggleScreenShare();
    expect(model.state.error).toBe('The screen could not be shared. Try again.');
    expect(model.state.phase).toBe('connected');
  });

  it('shows the patient the doctor’s shared screen from the relayed message', async () => {
    const { model, connection } = await inCall('patient');
    connection().receive({ type: 'screen-share', active: true, from: doctorPeer, seq: 1 });
    expect(model.state.remote).toEqual({
      audioMuted: false,
      videoOff: false,
      screenSharing: true,
      microphone: 'on',
      camera: 'on',
    });
  });
});

describe('CallViewModel: devices', () => {
  it('lists the devices in use, switches and remembers the choice', async () => {
    const { model, platform, pc } = await inCall('doctor');
    expect(model.state.devices.videoInputs.map((d) => d.label)).toEqual(['Front camera', 'USB camera']);
    expect(model.state.devices).toMatchObject({ audioInput: 'default', videoInput: 'cam-1' });
    await model.selectDevice('videoinput', 'cam-2');
    await model.selectDevice('audioinput', 'mic-2');
    await settle();
    expect(model.state.devices).toMatchObject({ audioInput: 'mic-2', videoInput: 'cam-2' });
    expect(platform.storage.get(VIDEO_INPUT_KEY)).toBe('cam-2');
    expect(platform.storage.get(AUDIO_INPUT_KEY)).toBe('mic-2');
    expect(pc.senders.map((s) => s.track?.getSettings().deviceId)).toEqual(['mic-2', 'cam-2']);
  });

  it('keeps the device in use and the old choice when a switch fails, and says why', async () => {
    const { model, platform, devices } = await inCall('patient');
    devices.failWith = 'NotReadableError';
    await model.selectDevice('videoinput', 'cam-2');
    expect(model.state.error).toMatch(/camera is in use by another application/);
    expect(model.state.devices.videoInput).toBe('cam-1');
    expect(platform.storage.get(VIDEO_INPUT_KEY)).toBeUndefined();
  });
});

describe('CallViewModel: connection', () => {
  it('creates the peer connection with the call’s transport policy and refreshes ICE servers before a restart', async () => {
    const { pc, api, fresh, connection } = await inCall('doctor', { policy: 'relay' });
    const offers = () => connection().sent.filter((m) => m.type === 'offer').length;
    const before = offers();
    expect(pc.configuration).toMatchObject({ iceTransportPolicy: 'relay' });
    pc.reportConnectionState('failed');
    await settle();
    expect(api.requests.filter((r) => r.path === '/api/appointments/a1/call')).toHaveLength(1);
    expect(pc.reconfigured.at(-1)).toMatchObject({ iceServers: [fresh], iceTransportPolicy: 'relay' });
    // Nobody answered the first offer here, so the restart sends it again rather than a new one.
    expect(offers()).toBe(before + 1);
  });

  it('shows the quality the session measures, and none once the connection is gone', async () => {
    const { model, platform, pc, connection } = await inCall('doctor');
    const sample = (t: number) => [
      {
        id: 'V',
        type: 'inbound-rtp',
        kind: 'video',
        timestamp: t,
        packetsReceived: t / 5,
        packetsLost: 0,
        bytesReceived: t * 200,
        frameWidth: 1280,
        frameHeight: 720,
        framesPerSecond: 30,
      },
    ];
    for (let i = 1; i <= 3; i++) {
      pc.stats = sample(i * 1000);
      platform.fakeTimers.advance(1000);
      await settle();
    }
    expect(model.state.quality).toMatchObject({ level: 'excellent', width: 1280, height: 720 });
    connection().receive({ type: 'peer-left', peer: patientPeer, seq: 1 });
    await settle();
    expect(model.state.quality).toBeNull();
  });
});

describe('CallViewModel: join with what you have (S25)', () => {
  it('S25 a patient whose browser blocks both devices is in the call receive-only, is told what to do, and turns the microphone on from the Mute button', async () => {
    const { model, connection, devices } = await inCall('patient', { blocked: true });
    expect(model.state.phase).toBe('connected');
    expect(model.state.local).toMatchObject({ microphone: 'blocked', camera: 'blocked', hasAudio: false });
    expect(model.state.screen.deviceNotice).toBe(
      'Your browser has blocked your camera and microphone. You are still in the call: you can see and hear the doctor, and write in the chat. To allow them, press the symbol next to the web address at the top and choose Allow. Then press “Turn microphone on” or “Turn camera on”.',
    );
    expect(model.state.screen.announcement).toContain(model.state.screen.deviceNotice);
    expect(
      connection()
        .sent.filter((m) => m.type === 'media-state')
        .at(-1),
    ).toEqual({
      type: 'media-state',
      audioMuted: true,
      videoOff: true,
      microphone: 'blocked',
      camera: 'blocked',
    });

    model.toggleAudio();
    await settle();
    expect(model.state.error).toBe(
      'Your microphone is still blocked. Press the symbol next to the web address, choose Allow for the microphone, then try again.',
    );
    expect(model.state.local.microphone).toBe('blocked');

    devices.failWith = null;
    model.toggleAudio();
    await settle();
    expect(model.state.error).toBeNull();
    expect(model.state.local).toMatchObject({ microphone: 'on', audioMuted: false, camera: 'blocked' });
    expect(model.state.screen.deviceNotice).toMatch(
      /^Your browser has blocked your camera\. You are still in the call: the doctor can hear you but cannot see you\./,
    );
    expect(
      connection()
        .sent.filter((m) => m.type === 'media-state')
        .at(-1),
    ).toMatchObject({
      microphone: 'on',
      audioMuted: false,
    });
    // Now a microphone is there, the same button mutes it.
    model.toggleAudio();
    expect(model.state.local.audioMuted).toBe(true);
  });

  it('S25 the doctor learns that the patient’s devices are blocked, on the tile and in words', async () => {
    const { model, connection } = await inCall('doctor');
    connection().receive({
      type: 'media-state',
      audioMuted: true,
      videoOff: true,
      microphone: 'blocked',
      camera: 'blocked',
      from: patientPeer,
      seq: 1,
    });
    const name = patientPeer.displayName;
    expect(model.state.screen.peerDeviceNotice).toBe(
      `${name} is having trouble with their camera and microphone. They can see and hear you, and can write in the chat.`,
    );
    expect(model.state.screen.remoteTile?.states).toEqual(['Microphone not working', 'Camera not working']);
    expect(model.state.screen.announcement).toContain(
      `${name} is having trouble with their camera and microphone.`,
    );
    connection().receive({
      type: 'media-state',
      audioMuted: false,
      videoOff: true,
      microphone: 'on',
      camera: 'off',
      from: patientPeer,
      seq: 2,
    });
    expect(model.state.screen.peerDeviceNotice).toBeNull();
    expect(model.state.screen.remoteTile?.states).toEqual(['Camera off']);
  });
});
