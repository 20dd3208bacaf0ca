import { describe, expect, it } from 'vitest';
import { callBetween, callSide, doctorPeer, patientPeer } from '../testing/call-side.js';
import { FakeMediaDevices, FakeStream, FakeTrack } from '../testing/fake-media.js';
import { type FakePeerConnection, FakeSender, settle } from '../testing/fake-peer-connection.js';
import { FakeRoomServer } from '../testing/fake-signaling.js';
import { FakeTimers } from '../testing/fake-timers.js';
import type { MediaDevicesAccess } from './devices.js';
import { ICE_REFRESH_TIMEOUT_MS } from './ice-restart.js';
import { QUALITY_INTERVAL_MS } from './quality-sampling.js';
import { VIDEO_SEND_PROFILES } from './sender-tuning.js';

function devicesFor(
  fake: FakeMediaDevices,
  preferred = { audioInput: null, videoInput: null } as {
    audioInput: string | null;
    videoInput: string | null;
  },
): MediaDevicesAccess & { preferred: () => typeof preferred } {
  return {
    getUserMedia: fake.getUserMedia,
    enumerateDevices: fake.enumerateDevices,
    onDeviceChange: fake.onDeviceChange,
    getDisplayMedia: fake.getDisplayMedia,
    preferred: () => preferred,
  };
}

const DEVICES = [
  { kind: 'audioinput', deviceId: 'default', label: 'Default' },
  { kind: 'audioinput', deviceId: 'mic-built-in', label: 'Built-in microphone' },
  { kind: 'videoinput', deviceId: 'cam-front', label: 'Front camera' },
  { kind: 'videoinput', deviceId: 'cam-usb', label: 'USB camera' },
] as const;

async function doctorWithDevices(fake = new FakeMediaDevices([...DEVICES])) {
  const devices = devicesFor(fake);
  const started = await fake.getUserMedia({ audio: true, video: true });
  const call = await callBetween(new FakeRoomServer(), {
    doctor: { devices, media: async () => started },
  });
  const doctorPc = call.doctor.pcs.latest();
  const patientPc = call.patient.pcs.latest();
  doctorPc.reportConnectionState('connected');
  patientPc.reportConnectionState('connected');
  await settle();
  return { ...call, fake, doctorPc, patientPc, started };
}

function videoSender(pc: FakePeerConnection): FakeSender {
  const sender = pc.senders.find((s) => s.track?.kind === 'video');
  if (!(sender instanceof FakeSender)) throw new Error('no video sender');
  return sender;
}

function sent(pc: FakePeerConnection, kind: 'audio' | 'video'): FakeTrack {
  const track = pc.senders.find((s) => s.track?.kind === kind)?.track;
  if (!track) throw new Error(`no ${kind} sender`);
  return track as unknown as FakeTrack;
}

function offersOf(side: { signaling: { sentOfType: (t: 'offer') => unknown[] } }): number {
  return side.signaling.sentOfType('offer').length;
}

describe('PeerCall: negotiation races', () => {
  it('connects when both sides join the room in the same instant', async () => {
    const server = new FakeRoomServer();
    const timers = new FakeTimers();
    const patient = callSide(server, timers, patientPeer);
    const doctor = callSide(server, timers, doctorPeer);
    doctor.call.start();
    patient.call.start();
    await settle();
    const [doctorPc, patientPc] = [doctor.pcs.latest(), patient.pcs.latest()];
    expect([doctorPc.signalingState, patientPc.signalingState]).toEqual(['stable', 'stable']);
    expect(doctorPc.needsNegotiation || patientPc.needsNegotiation).toBe(false);
    expect(doctorPc.senders.map((s) => s.track?.kind)).toEqual(['audio', 'video']);
    expect(patientPc.senders.map((s) => s.track?.kind)).toEqual(['audio', 'video']);
    expect(doctor.errors.concat(patient.errors)).toEqual([]);
  });

  it('converges when both sides restart ICE at the same moment: one restart wins, both get new credentials', async () => {
    const { patient, doctor } = await callBetween(new FakeRoomServer());
    const [doctorPc, patientPc] = [doctor.pcs.latest(), patient.pcs.latest()];
    const before = [doctorPc.iceGeneration, patientPc.iceGeneration];
    doctorPc.restartIce();
    patientPc.restartIce();
    await settle();
    expect(patientPc.history).toContain('rolled back');
    expect(doctorPc.history).not.toContain('rolled back');
    expect([doctorPc.signalingState, patientPc.signalingState]).toEqual(['stable', 'stable']);
    expect(doctorPc.iceGeneration).toBeGreaterThan(before[0] ?? 0);
    expect(patientPc.iceGeneration).toBeGreaterThan(before[1] ?? 0);
    // Each side knows the other's current credentials: nothing is left half-negotiated.
    expect(doctorPc.remoteIceGeneration).toBe(`${patientPc.name}:${patientPc.iceGeneration}`);
    expect(patientPc.remoteIceGeneration).toBe(`${doctorPc.name}:${doctorPc.iceGeneration}`);
    expect(doctorPc.needsNegotiation || patientPc.needsNegotiation).toBe(false);
    expect(doctor.errors.concat(patient.errors)).toEqual([]);
  });

  it('renegotiates when a track is added mid-call (no camera at first, then one), from the polite side too', async () => {
    const fake = new FakeMediaDevices([...DEVICES]);
    const audioOnly = new FakeStream([new FakeTrack('audio', 'mic', 'default')]);
    const { patient, doctor } = await callBetween(new FakeRoomServer(), {
      patient: { devices: devicesFor(fake), media: async () => audioOnly.asStream },
    });
    const [doctorPc, patientPc] = [doctor.pcs.latest(), patient.pcs.latest()];
    expect(patientPc.senders.filter((s) => s.track).map((s) => s.track?.kind)).toEqual(['audio']);
    const offers = offersOf(patient);
    await patient.call.switchDevice('videoinput', 'cam-usb');
    await settle();
    expect(offersOf(patient)).toBe(offers + 1);
    expect(patientPc.senders.filter((s) => s.track).map((s) => s.track?.kind)).toEqual(['audio', 'video']);
    expect([doctorPc.signalingState, patientPc.signalingState]).toEqual(['stable', 'stable']);
    expect(patientPc.needsNegotiation).toBe(false);
    expect(patient.call.localMedia).toMatchObject({ hasVideo: true, videoOff: false });
    expect(doctor.errors.concat(patient.errors)).toEqual([]);
  });

  it('converges when the doctor renegotiates while the patient adds a track at the same moment', async () => {
    const fake = new FakeMediaDevices([...DEVICES]);
    const audioOnly = new FakeStream([new FakeTrack('audio', 'mic', 'default')]);
    const { patient, doctor } = await callBetween(new FakeRoomServer(), {
      patient: { devices: devicesFor(fake), media: async () => audioOnly.asStream },
    });
    const [doctorPc, patientPc] = [doctor.pcs.latest(), patient.pcs.latest()];
    doctorPc.restartIce();
    await patient.call.switchDevice('videoinput', 'cam-front');
    await settle();
    expect([doctorPc.signalingState, patientPc.signalingState]).toEqual(['stable', 'stable']);
    expect(doctorPc.needsNegotiation || patientPc.needsNegotiation).toBe(false);
    expect(patientPc.senders.filter((s) => s.track).map((s) => s.track?.kind)).toEqual(['audio', 'video']);
    expect(doctor.errors.concat(patient.errors)).toEqual([]);
  });
});

describe('PeerCall: join with what you have (S25)', () => {
  const blocked = () => Object.assign(new Error('denied'), { name: 'NotAllowedError' });

  it('S25 a receive-only patient turns the microphone on in the call: same peer connection, its audio transceiver sends after one renegotiation, and the doctor is told', async () => {
    const fake = new FakeMediaDevices([...DEVICES]);
    fake.failWith = 'NotAllowedError';
    const { patient, doctor } = await callBetween(new FakeRoomServer(), {
      patient: {
        devices: devicesFor(fake),
        callMedia: async () => ({ stream: null, problems: { audio: 'blocked', video: 'blocked' } }),
      },
    });
    const [doctorPc, patientPc] = [doctor.pcs.latest(), patient.pcs.latest()];
    expect(patientPc.getTransceivers().map((t) => [t.kind, t.sending])).toEqual([
      ['audio', false],
      ['video', false],
    ]);
    expect(doctor.remoteMedia.at(-1)).toMatchObject({ microphone: 'blocked', camera: 'blocked' });

    // Still blocked: the error is the caller's, nothing is renegotiated, the state says why.
    await expect(patient.call.turnOn('audio')).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(patient.call.localMedia).toMatchObject({ microphone: 'blocked', hasAudio: false });

    fake.failWith = null;
    const offers = offersOf(patient);
    await patient.call.turnOn('audio');
    await settle();
    expect(patient.pcs.created).toHaveLength(1);
    expect(offersOf(patient)).toBe(offers + 1);
    expect(patientPc.getTransceivers().map((t) => [t.kind, t.sending])).toEqual([
      ['audio', true],
      ['video', false],
    ]);
    expect([doctorPc.signalingState, patientPc.signalingState]).toEqual(['stable', 'stable']);
    expect(patientPc.needsNegotiation || doctorPc.needsNegotiation).toBe(false);
    expect(patient.call.localMedia).toMatchObject({ microphone: 'on', audioMuted: false, camera: 'blocked' });
    expect(doctor.remoteMedia.at(-1)).toMatchObject({
      audioMuted: false,
      microphone: 'on',
      camera: 'blocked',
      videoOff: true,
    });
    expect(fake.requests.at(-1)).toMatchObject({ audio: expect.any(Object) });
    expect(fake.requests.at(-1)).not.toHaveProperty('video');
    expect(doctor.errors.concat(patient.errors)).toEqual([]);
  });

  it('S25 a doctor with no devices still offers audio and video m-lines, so the patient is received', async () => {
    const { patient, doctor } = await callBetween(new FakeRoomServer(), {
      doctor: { media: () => Promise.reject(blocked()) },
    });
    const [doctorPc, patientPc] = [doctor.pcs.latest(), patient.pcs.latest()];
    expect(doctorPc.getTransceivers().map((t) => [t.kind, t.sending])).toEqual([
      ['audio', false],
      ['video', false],
    ]);
    expect(patientPc.getTransceivers().map((t) => [t.kind, t.sending])).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    expect([doctorPc.signalingState, patientPc.signalingState]).toEqual(['stable', 'stable']);
    expect(patient.remoteMedia.at(-1)).toMatchObject({ microphone: 'blocked', camera: 'blocked' });
    expect(
      doctor.errors.concat(patient.errors).filter((e) => (e as Error).name !== 'NotAllowedError'),
    ).toEqual([]);
  });

  it('S25 joining with the camera off does not open it; turning it on later does, and renegotiates', async () => {
    const fake = new FakeMediaDevices([...DEVICES]);
    const asked: Array<{ audio: boolean; video: boolean }> = [];
    const { patient, doctor } = await callBetween(new FakeRoomServer(), {
      patient: {
        devices: devicesFor(fake),
        join: { audio: true, video: false },
        callMedia: async (wanted) => {
          asked.push(wanted);
          return { stream: await fake.getUserMedia({ audio: true }), problems: {} };
        },
      },
    });
    expect(asked).toEqual([{ audio: true, video: false }]);
    expect(patient.call.localMedia).toMatchObject({ camera: 'off', videoOff: true, microphone: 'on' });
    expect(doctor.remoteMedia.at(-1)).toMatchObject({ camera: 'off', videoOff: true, microphone: 'on' });
    const patientPc = patient.pcs.latest();
    expect(patientPc.getTransceivers().map((t) => [t.kind, t.sending])).toEqual([
      ['audio', true],
      ['video', false],
    ]);
    await patient.call.turnOn('video');
    await settle();
    expect(patientPc.getTransceivers().map((t) => [t.kind, t.sending])).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    expect(patient.call.localMedia).toMatchObject({ camera: 'on', videoOff: false });
    expect(doctor.remoteMedia.at(-1)).toMatchObject({ camera: 'on', videoOff: false });
    expect(patient.previews.at(-1)?.getVideoTracks()).toHaveLength(1);
  });
});

describe('PeerCall: sender tuning and ICE configuration', () => {
  it('tunes the camera sender once negotiated, and starts the bandwidth estimate high', async () => {
    const { doctorPc, patientPc } = await doctorWithDevices();
    const sender = videoSender(doctorPc);
    expect(sender.applied.at(-1)).toMatchObject({
      degradationPreference: VIDEO_SEND_PROFILES.camera.degradationPreference,
      encodings: [{ maxBitrate: VIDEO_SEND_PROFILES.camera.maxBitrate, maxFramerate: 30 }],
    });
    expect((sender.track as unknown as FakeTrack).contentHint).toBe('');
    expect(videoSender(patientPc).applied).toHaveLength(1);
  });

  it('creates the connection with the configured transport policy', async () => {
    const { doctor } = await callBetween(new FakeRoomServer(), { doctor: { iceTransportPolicy: 'relay' } });
    expect(doctor.pcs.latest().configuration).toMatchObject({ iceTransportPolicy: 'relay' });
  });

  it('fetches fresh ICE servers before an ICE restart and applies them', async () => {
    const fresh = {
      iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: '2:u', credential: 'c2' }],
      iceTransportPolicy: 'all' as const,
    };
    let asked = 0;
    const { doctor } = await callBetween(new FakeRoomServer(), {
      doctor: {
        refreshIceConfig: async () => {
          asked++;
          return fresh;
        },
      },
    });
    const pc = doctor.pcs.latest();
    pc.reportConnectionState('connected');
    pc.reportConnectionState('failed');
    expect(pc.restarts).toBe(0);
    await settle();
    expect(asked).toBe(1);
    expect(pc.reconfigured).toEqual([expect.objectContaining(fresh)]);
    expect(pc.restarts).toBe(1);
    expect(doctor.phases.at(-1)).toBe('reconnecting');
  });

  it('restarts ICE with the servers it has when the refresh fails or is slow', async () => {
    const { doctor, timers } = await callBetween(new FakeRoomServer(), {
      doctor: { refreshIceConfig: () => new Promise(() => undefined) },
    });
    const pc = doctor.pcs.latest();
    pc.reportConnectionState('failed');
    await settle();
    expect(pc.restarts).toBe(0);
    timers.advance(ICE_REFRESH_TIMEOUT_MS);
    await settle();
    expect(pc.restarts).toBe(1);
    expect(pc.reconfigured).toEqual([]);

    const failing = await callBetween(new FakeRoomServer(), {
      doctor: { refreshIceConfig: () => Promise.reject(new Error('offline')) },
    });
    const other = failing.doctor.pcs.latest();
    other.reportConnectionState('failed');
    await settle();
    expect(other.restarts).toBe(1);
    expect(failing.doctor.errors).toEqual([new Error('offline')]);
  });
});

describe('PeerCall: screen share (S10)', () => {
  it('replaces the camera with the screen without renegotiating, tells the patient, and tunes for detail', async () => {
    const { doctor, patient, doctorPc, server, started } = await doctorWithDevices();
    const offers = offersOf(doctor);
    const sender = videoSender(doctorPc);
    await doctor.call.startScreenShare();
    await settle();
    expect(sender.track?.id).toMatch(/^screen-/);
    expect(offersOf(doctor)).toBe(offers);
    expect(doctor.signaling.sentOfType('screen-share')).toEqual([expect.objectContaining({ active: true })]);
    expect(server.screenSharingActive).toBe(true);
    expect(patient.remoteMedia.at(-1)).toEqual({
      audioMuted: false,
      videoOff: false,
      screenSharing: true,
      microphone: 'on',
      camera: 'on',
    });
    expect(doctor.call.localMedia.screenSharing).toBe(true);
    expect(doctor.previews.at(-1)?.getVideoTracks()).toEqual([sender.track]);
    expect(sender.applied.at(-1)).toMatchObject({
      degradationPreference: 'maintain-resolution',
      encodings: [{ maxBitrate: VIDEO_SEND_PROFILES.screen.maxBitrate }],
    });
    expect((sender.track as unknown as FakeTrack).contentHint).toBe('detail');

    doctor.call.stopScreenShare();
    await settle();
    const camera = started.getVideoTracks()[0];
    expect(sender.track).toBe(camera);
    expect(doctor.signaling.sentOfType('screen-share').at(-1)).toMatchObject({ active: false });
    expect(patient.remoteMedia.at(-1)?.screenSharing).toBe(false);
    expect(doctor.previews.at(-1)).toBe(started);
    expect(sender.applied.at(-1)).toMatchObject({
      encodings: [{ maxBitrate: VIDEO_SEND_PROFILES.camera.maxBitrate }],
    });
    expect(offersOf(doctor)).toBe(offers);
  });

  it('goes back to the camera when sharing is stopped from the browser’s own bar', async () => {
    const { doctor, doctorPc, fake, started } = await doctorWithDevices();
    await doctor.call.startScreenShare();
    await settle();
    const screen = fake.screens[0];
    screen?.end();
    await settle();
    expect(videoSender(doctorPc).track).toBe(started.getVideoTracks()[0]);
    expect(doctor.signaling.sentOfType('screen-share').map((m) => m.active)).toEqual([true, false]);
    expect(doctor.call.localMedia.screenSharing).toBe(false);
  });

  it('sends the screen even with the camera off, and camera-off while sharing touches only the camera', async () => {
    const { doctor, doctorPc, fake, started } = await doctorWithDevices();
    doctor.call.setVideoOff(true);
    await doctor.call.startScreenShare();
    await settle();
    const screen = fake.screens[0];
    expect(screen?.enabled).toBe(true);
    expect(videoSender(doctorPc).track).toBe(screen);
    doctor.call.setVideoOff(false);
    doctor.call.setVideoOff(true);
    expect(screen?.enabled).toBe(true);
    expect(started.getVideoTracks()[0]?.enabled).toBe(false);
    doctor.call.stopScreenShare();
    await settle();
    expect(videoSender(doctorPc).track?.enabled).toBe(false);
    expect(doctor.call.localMedia).toMatchObject({ videoOff: true, screenSharing: false });
  });

  it('tells a patient who rejoins that the screen is still shared', async () => {
    const { doctor, patient, server } = await doctorWithDevices();
    await doctor.call.startScreenShare();
    await settle();
    patient.call.close();
    await settle();
    const back = callSide(server, new FakeTimers(), patientPeer);
    back.call.start();
    await settle();
    expect(doctor.signaling.sentOfType('screen-share').map((m) => m.active)).toEqual([true, true]);
    expect(back.remoteMedia.at(-1)).toMatchObject({ screenSharing: true });
    expect(videoSender(doctor.pcs.latest()).track?.id).toMatch(/^screen-/);
  });

  it('reports a cancelled picker and stays on the camera', async () => {
    const { doctor, doctorPc, fake, started } = await doctorWithDevices();
    fake.failWith = 'NotAllowedError';
    await expect(doctor.call.startScreenShare()).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(videoSender(doctorPc).track).toBe(started.getVideoTracks()[0]);
    expect(doctor.signaling.sentOfType('screen-share')).toEqual([]);
  });

  it('refuses where there is no screen capture (a patient, a phone)', async () => {
    const { patient } = await callBetween(new FakeRoomServer());
    await expect(patient.call.startScreenShare()).rejects.toMatchObject({ name: 'NotSupportedError' });
  });
});

describe('PeerCall: device changes', () => {
  it('switches the camera with replaceTrack: new device exactly, old track stopped, camera-off kept', async () => {
    const { doctor, doctorPc, fake, started } = await doctorWithDevices();
    const offers = offersOf(doctor);
    const oldCamera = started.getVideoTracks()[0];
    doctor.call.setVideoOff(true);
    await doctor.call.switchDevice('videoinput', 'cam-usb');
    await settle();
    expect(fake.requests.at(-1)?.video).toMatchObject({ deviceId: { exact: 'cam-usb' } });
    expect(fake.requests.at(-1)?.audio).toBeUndefined();
    const sender = videoSender(doctorPc);
    expect((sender.track as unknown as FakeTrack).deviceId).toBe('cam-usb');
    expect(sender.track?.enabled).toBe(false);
    expect(oldCamera?.readyState).toBe('ended');
    expect(offersOf(doctor)).toBe(offers);
    expect(doctor.devices.at(-1)?.videoInput).toBe('cam-usb');
    expect(doctor.previews.at(-1)?.getVideoTracks()).toEqual([sender.track]);
  });

  it('keeps the microphone muted across a switch', async () => {
    const { doctor, doctorPc } = await doctorWithDevices();
    doctor.call.setAudioMuted(true);
    await doctor.call.switchDevice('audioinput', 'mic-built-in');
    await settle();
    expect(sent(doctorPc, 'audio').deviceId).toBe('mic-built-in');
    expect(sent(doctorPc, 'audio').enabled).toBe(false);
  });

  it('lists the devices, and falls back to the default microphone when the headset in use is unplugged', async () => {
    const fake = new FakeMediaDevices([
      ...DEVICES,
      { kind: 'audioinput', deviceId: 'headset', label: 'Headset' },
    ]);
    const { doctor, doctorPc } = await doctorWithDevices(fake);
    await doctor.call.switchDevice('audioinput', 'headset');
    await settle();
    expect(doctor.devices.at(-1)?.audioInputs.map((d) => d.label)).toEqual([
      'Default',
      'Built-in microphone',
      'Headset',
    ]);
    fake.unplug('headset');
    await settle();
    expect(sent(doctorPc, 'audio').deviceId).toBe('default');
    expect(sent(doctorPc, 'audio').readyState).toBe('live');
    expect(doctor.devices.at(-1)).toMatchObject({ audioInput: 'default' });
    expect(doctor.devices.at(-1)?.audioInputs.map((d) => d.deviceId)).not.toContain('headset');
  });

  it('uses a headset chosen before as soon as it is plugged in, and only then', async () => {
    const fake = new FakeMediaDevices([...DEVICES]);
    const preferred = { audioInput: 'headset' as string | null, videoInput: null };
    const devices = devicesFor(fake, preferred);
    const started = await fake.getUserMedia({ audio: true, video: true });
    const { doctor } = await callBetween(new FakeRoomServer(), {
      doctor: { devices, media: async () => started },
    });
    await settle();
    const pc = doctor.pcs.latest();
    const micId = () => sent(pc, 'audio').deviceId;
    expect(micId()).toBe('default');
    fake.plug({ kind: 'audioinput', deviceId: 'headset', label: 'Headset' });
    await settle();
    expect(micId()).toBe('headset');
    await doctor.call.switchDevice('audioinput', 'mic-built-in');
    fake.plug({ kind: 'videoinput', deviceId: 'cam-3' });
    await settle();
    expect(micId()).toBe('mic-built-in');
    expect(doctor.devices.at(-1)?.videoInputs.map((d) => d.label)).toEqual([
      'Front camera',
      'USB camera',
      'Camera 3',
    ]);
  });

  it('asks for the device it moves to exactly (Chromium takes an ideal deviceId as a hint), and for any one if that is gone too', async () => {
    const fake = new FakeMediaDevices([...DEVICES]);
    const preferred = { audioInput: 'headset' as string | null, videoInput: null };
    const devices = devicesFor(fake, preferred);
    // Later on, an exact request finds the device gone (unplugged between the device list and the request).
    let refuseExact = false;
    devices.getUserMedia = async (constraints) => {
      const asked = constraints.audio;
      const exact =
        typeof asked === 'object' && typeof asked.deviceId === 'object' && 'exact' in asked.deviceId;
      if (refuseExact && exact) {
        fake.requests.push(constraints);
        throw Object.assign(new Error('gone'), { name: 'OverconstrainedError' });
      }
      return fake.getUserMedia(constraints);
    };
    const started = await fake.getUserMedia({ audio: true, video: true });
    const { doctor } = await callBetween(new FakeRoomServer(), {
      doctor: { devices, media: async () => started },
    });
    await settle();
    const pc = doctor.pcs.latest();
    fake.plug({ kind: 'audioinput', deviceId: 'headset', label: 'Headset' });
    await settle();
    expect(fake.requests.at(-1)?.audio).toMatchObject({ deviceId: { exact: 'headset' } });
    expect(sent(pc, 'audio').deviceId).toBe('headset');

    refuseExact = true;
    fake.unplug('headset');
    await settle();
    expect(fake.requests.at(-2)?.audio).toMatchObject({ deviceId: { exact: 'default' } });
    expect(fake.requests.at(-1)?.audio).toMatchObject({ deviceId: { ideal: 'default' } });
    expect(sent(pc, 'audio').readyState).toBe('live');
    expect(sent(pc, 'audio').deviceId).toBe('default');
  });

  it('reports a device that cannot be opened and keeps the one in use', async () => {
    const { doctor, doctorPc, fake, started } = await doctorWithDevices();
    fake.failWith = 'NotReadableError';
    await expect(doctor.call.switchDevice('videoinput', 'cam-usb')).rejects.toMatchObject({
      name: 'NotReadableError',
    });
    expect(videoSender(doctorPc).track).toBe(started.getVideoTracks()[0]);
    expect(started.getVideoTracks()[0]?.readyState).toBe('live');
  });

  it('stops every track, the shared screen too, when the call is closed', async () => {
    const { doctor, fake } = await doctorWithDevices();
    await doctor.call.startScreenShare();
    doctor.call.close();
    await settle();
    expect(fake.live('audio').concat(fake.live('video'))).toEqual([]);
    expect(fake.screens.every((t) => t.readyState === 'ended')).toBe(true);
  });
});

describe('PeerCall: quality sampling', () => {
  it('samples getStats once a second while connected and reports null when the connection goes', async () => {
    const { doctor, timers, doctorPc } = await doctorWithDevices();
    const stats = (t: number, packets: number) => [
      {
        id: 'IT01V',
        type: 'inbound-rtp',
        kind: 'video',
        timestamp: t,
        packetsReceived: packets,
        packetsLost: 0,
        bytesReceived: packets * 1000,
        frameWidth: 1280,
        frameHeight: 720,
        framesPerSecond: 30,
        jitter: 0.01,
      },
      {
        id: 'CP1',
        type: 'candidate-pair',
        timestamp: t,
        nominated: true,
        state: 'succeeded',
        currentRoundTripTime: 0.02,
        localCandidateId: 'L1',
        remoteCandidateId: 'R1',
      },
      { id: 'L1', type: 'local-candidate', timestamp: t, candidateType: 'host' },
      { id: 'R1', type: 'remote-candidate', timestamp: t, candidateType: 'host' },
    ];
    for (let second = 1; second <= 4; second++) {
      doctorPc.stats = stats(second * 1000, second * 200);
      timers.advance(QUALITY_INTERVAL_MS);
      await settle();
    }
    expect(doctorPc.statsCalls).toBe(4);
    expect(doctor.quality.at(-1)).toMatchObject({
      level: 'excellent',
      rttMs: 20,
      width: 1280,
      height: 720,
      candidateType: 'direct',
      lossPercent: 0,
    });
    doctor.call.close();
    await settle();
    expect(doctor.quality.at(-1)).toBeNull();
    timers.advance(10 * QUALITY_INTERVAL_MS);
    await settle();
    expect(doctorPc.statsCalls).toBe(4);
  });

  it('sends the server a summary of each 10 s window, and the last seconds when it leaves (S30)', async () => {
    const { doctor, timers, doctorPc } = await doctorWithDevices();
    const stats = (t: number, second: number) => [
      {
        id: 'IT01V',
        type: 'inbound-rtp',
        kind: 'video',
        timestamp: t,
        packetsReceived: second * 200,
        packetsLost: 0,
        bytesReceived: second * 100_000,
        framesDecoded: second * 30,
        frameWidth: 1280,
        frameHeight: 720,
        framesPerSecond: 30,
      },
      {
        id: 'IT01A',
        type: 'inbound-rtp',
        kind: 'audio',
        timestamp: t,
        packetsReceived: second * 50,
        packetsLost: 0,
        bytesReceived: second * 25_000,
        jitter: 0.004,
      },
      { id: 'OT01V', type: 'outbound-rtp', kind: 'video', timestamp: t, bytesSent: second * 150_000 },
      {
        id: 'CP1',
        type: 'candidate-pair',
        timestamp: t,
        nominated: true,
        state: 'succeeded',
        currentRoundTripTime: 0.03,
        localCandidateId: 'L1',
        remoteCandidateId: 'R1',
      },
      { id: 'L1', type: 'local-candidate', timestamp: t, candidateType: 'srflx' },
      { id: 'R1', type: 'remote-candidate', timestamp: t, candidateType: 'host' },
    ];
    const sampleSeconds = async (from: number, to: number) => {
      for (let second = from; second <= to; second++) {
        doctorPc.stats = stats(second * 1000, second);
        timers.advance(QUALITY_INTERVAL_MS);
        await settle();
      }
    };
    // The first sample loads the window's code; the window starts with the second, at 2 s.
    await sampleSeconds(1, 11);
    expect(doctor.signaling.sentOfType('quality-summary')).toEqual([]);
    await sampleSeconds(12, 12);
    // A second of stats is 200 + 50 packets, 125 kB in (1000 kbit/s), 150 kB out (1200 kbit/s).
    expect(doctor.signaling.sentOfType('quality-summary')).toEqual([
      {
        type: 'quality-summary',
        summary: {
          windowMs: 10_000,
          rttMs: 30,
          jitterMs: 4,
          lossPct: 0,
          sendKbps: 1200,
          recvKbps: 1000,
          recvWidth: 1280,
          recvHeight: 720,
          recvFps: 30,
          candidateType: 'srflx',
          level: 'excellent',
          levelMs: { excellent: 10_000, good: 0, poor: 0, lost: 0 },
          reconnects: 0,
          audioOnlyMs: 0,
        },
      },
    ]);
    await sampleSeconds(13, 14);
    doctor.call.close();
    await settle();
    const sent = doctor.signaling.sentOfType('quality-summary');
    expect(sent).toHaveLength(2);
    expect(sent[1]?.summary).toMatchObject({ windowMs: 2000, level: 'excellent', candidateType: 'srflx' });
    // Sent before leaving the room, and nothing after.
    const types = doctor.signaling.sent.map((m) => m.type);
    expect(types.lastIndexOf('quality-summary')).toBeLessThan(types.indexOf('leave'));
    timers.advance(30_000);
    await settle();
    expect(doctor.signaling.sentOfType('quality-summary')).toHaveLength(2);
  });

  it('does not sample before the connection is up', async () => {
    const { doctor, timers } = await callBetween(new FakeRoomServer());
    timers.advance(5 * QUALITY_INTERVAL_MS);
    await settle();
    expect(doctor.pcs.latest().statsCalls).toBe(0);
    expect(doctor.quality).toEqual([]);
  });
});
