import { describe, expect, it } from 'vitest';
import { AUDIO_INPUT_KEY, AUDIO_OUTPUT_KEY, VIDEO_INPUT_KEY } from '../call/media.js';
import type { Platform } from '../platform/platform.js';
import { FakeStream, FakeTrack } from '../testing/fake-media.js';
import { fakePlatform } from '../testing/fake-platform.js';
import { DeviceCheck } from './device-check.js';
import { HEARD_LEVEL, LEVEL_INTERVAL_MS } from './microphone-level.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

function device(kind: MediaDeviceKind, deviceId: string, label: string): MediaDeviceInfo {
  return { kind, deviceId, label, groupId: 'g', toJSON: () => ({}) } as MediaDeviceInfo;
}

const DEVICES = [
  device('videoinput', 'cam-1', 'Front camera'),
  device('videoinput', 'cam-2', 'USB camera'),
  device('audioinput', 'mic-1', 'Built-in microphone'),
  device('audioinput', 'mic-2', 'Headset microphone'),
  device('audiooutput', 'default', 'Default speaker'),
  device('audiooutput', 'spk-2', 'Headphones'),
];

function mediaError(name: string): Error {
  return Object.assign(new Error(name), { name });
}

function constraintDevice(constraint: boolean | MediaTrackConstraints | undefined): unknown {
  return typeof constraint === 'object' ? constraint.deviceId : undefined;
}

/** getUserMedia that gives a stream with the asked kinds, or fails as `fail` says for a kind. */
function setup(
  options: {
    devices?: MediaDeviceInfo[];
    fail?: Partial<Record<'audio' | 'video' | 'both', string>>;
    /** Devices that exist but fail when asked for exactly, with this error name. */
    broken?: Record<string, string>;
    overrides?: Partial<Platform>;
  } = {},
) {
  const calls: MediaStreamConstraints[] = [];
  const streams: FakeStream[] = [];
  const devices = options.devices ?? DEVICES;
  const platform = fakePlatform({
    getUserMedia: async (constraints) => {
      calls.push(constraints);
      const kinds = (['audio', 'video'] as const).filter((kind) => constraints[kind]);
      const failure =
        kinds.length === 2
          ? (options.fail?.both ?? options.fail?.video ?? options.fail?.audio)
          : options.fail?.[kinds[0] ?? 'audio'];
      if (failure) throw mediaError(failure);
      for (const kind of kinds) {
        const exact = (constraintDevice(constraints[kind]) as { exact?: string } | undefined)?.exact;
        const broken = exact ? options.broken?.[exact] : undefined;
        if (broken) throw mediaError(broken);
      }
      const stream = new FakeStream(
        kinds.map((kind) => {
          const wanted = constraintDevice(constraints[kind]) as
            | { ideal?: string; exact?: string }
            | undefined;
          return new FakeTrack(
            kind,
            undefined,
            wanted?.exact ?? wanted?.ideal ?? (kind === 'video' ? 'cam-1' : 'mic-1'),
          );
        }),
      );
      streams.push(stream);
      return stream.asStream;
    },
    enumerateDevices: async () => devices,
    createMediaStream: () => new FakeStream().asStream,
    ...options.overrides,
  });
  const check = new DeviceCheck(platform);
  return { platform, check, calls, streams };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('DeviceCheck', () => {
  it('explains before the browser asks, and starts the preview when the person allows it', async () => {
    const { check, calls, platform } = setup();
    await check.start();
    expect(check.state.access).toBe('ask');
    expect(calls).toHaveLength(0);
    await check.allow();
    expect(calls).toHaveLength(1);
    expect(check.state).toMatchObject({
      access: 'ready',
      hasVideo: true,
      hasAudio: true,
      videoInput: 'cam-1',
      audioInput: 'mic-1',
      audioOutput: 'default',
      missing: null,
    });
    expect(check.state.cameras).toEqual([
      { id: 'cam-1', label: 'Front camera' },
      { id: 'cam-2', label: 'USB camera' },
    ]);
    expect(check.state.microphones.map((m) => m.id)).toEqual(['mic-1', 'mic-2']);
    expect(check.state.speakers.map((s) => s.id)).toEqual(['default', 'spk-2']);
    expect(platform.levelMeters).toHaveLength(1);
    // Nothing is written until the person chooses.
    expect(platform.storage.size).toBe(0);
  });

  it('starts at once, with the remembered devices, where the browser already allows it', async () => {
    const { check, calls, platform } = setup();
    platform.permissions = { camera: 'granted', microphone: 'granted' };
    platform.storage.set(VIDEO_INPUT_KEY, 'cam-2');
    platform.storage.set(AUDIO_INPUT_KEY, 'mic-2');
    const remembered = new DeviceCheck(platform);
    await remembered.start();
    expect(calls).toHaveLength(1);
    expect(constraintDevice(calls[0]?.video)).toEqual({ exact: 'cam-2' });
    expect(constraintDevice(calls[0]?.audio)).toEqual({ exact: 'mic-2' });
    expect(remembered.state).toMatchObject({ access: 'ready', videoInput: 'cam-2', audioInput: 'mic-2' });
    expect(check.state.access).toBe('idle');
  });

  it('shows the browser-specific way back when the permission was refused, without asking again', async () => {
    const { check, calls, platform } = setup({ overrides: { userAgent: FIREFOX } });
    platform.permissions = { camera: 'denied', microphone: 'granted' };
    await check.start();
    expect(calls).toHaveLength(0);
    expect(check.state.access).toBe('denied');
    expect(check.state.blocked).toBe('camera');
    expect(check.state.error).toBe('Your browser is blocking carecall from using your camera.');
    expect(check.state.help?.browser).toBe('Firefox');
  });

  it('treats a NotAllowedError as refused, and a dismissed question as not answered', async () => {
    const refused = setup({ fail: { both: 'NotAllowedError' } });
    await refused.check.start();
    refused.platform.permissions = { camera: 'denied', microphone: 'denied' };
    await refused.check.allow();
    expect(refused.check.state).toMatchObject({ access: 'denied', blocked: 'camera and microphone' });
    expect(refused.check.state.help?.browser).toBe('Chrome');

    const dismissed = setup({ fail: { both: 'NotAllowedError' } });
    await dismissed.check.start();
    await dismissed.check.allow();
    expect(dismissed.check.state.access).toBe('ask');
    expect(dismissed.check.state.error).toMatch(/did not get an answer/);
  });

  it('says which device is missing and what still works', async () => {
    const noCamera = setup({
      devices: DEVICES.filter((d) => d.kind !== 'videoinput'),
      fail: { video: 'NotFoundError' },
    });
    await noCamera.check.allow();
    expect(noCamera.check.state).toMatchObject({
      access: 'ready',
      hasVideo: false,
      hasAudio: true,
      problem: 'not-found',
    });
    expect(noCamera.check.state.missing).toBe(
      'No camera was found. You can still join the call with sound only: the doctor will hear you, and you will see and hear the doctor.',
    );

    const noMicrophone = setup({
      devices: DEVICES.filter((d) => d.kind !== 'audioinput'),
      fail: { audio: 'NotFoundError' },
    });
    await noMicrophone.check.allow();
    expect(noMicrophone.check.state).toMatchObject({ hasVideo: true, hasAudio: false, problem: 'not-found' });
    expect(noMicrophone.check.state.missing).toMatch(/^No microphone was found\. .*use the chat to write\.$/);
    expect(noMicrophone.platform.levelMeters).toHaveLength(0);
  });

  it('tells a camera held by another app from a missing one', async () => {
    const busy = setup({ fail: { video: 'NotReadableError' } });
    await busy.check.allow();
    expect(busy.check.state.problem).toBe('in-use');
    expect(busy.check.state.missing).toMatch(
      /^Your camera could not be started: another app may be using it\./,
    );

    const none = setup({
      devices: [],
      fail: { both: 'NotFoundError', audio: 'NotFoundError', video: 'NotFoundError' },
    });
    await none.check.allow();
    expect(none.check.state).toMatchObject({ access: 'failed', problem: 'not-found', stream: null });
    expect(none.check.state.error).toMatch(/^No camera or microphone was found\./);

    const allBusy = setup({
      fail: { both: 'NotReadableError', audio: 'NotReadableError', video: 'NotReadableError' },
    });
    await allBusy.check.allow();
    expect(allBusy.check.state).toMatchObject({ access: 'failed', problem: 'in-use' });
    expect(allBusy.check.state.error).toMatch(/in use by another application/);
  });

  it('says plainly when the browser cannot use a camera at all', async () => {
    const { check, calls } = setup({ overrides: { getUserMediaSupported: false } });
    await check.start();
    expect(check.state.access).toBe('unsupported');
    expect(check.state.error).toMatch(/over https in a current browser/);
    expect(calls).toHaveLength(0);
  });

  it('saves each choice for the call and switches the preview to exactly the chosen device', async () => {
    const { check, platform, streams, calls } = setup();
    await check.allow();
    const [audio, video] = streams[0]?.tracks ?? [];
    await check.selectCamera('cam-2');
    expect(platform.storage.get(VIDEO_INPUT_KEY)).toBe('cam-2');
    expect(calls.at(-1)).toEqual({ video: expect.objectContaining({ deviceId: { exact: 'cam-2' } }) });
    expect(video?.stopped).toBe(true);
    // The microphone and its meter go on untouched.
    expect(audio?.stopped).toBe(false);
    expect(platform.levelMeters).toHaveLength(1);
    expect(check.state.stream?.getTracks().map((t) => t.getSettings().deviceId)).toEqual(['mic-1', 'cam-2']);
    expect(check.state.videoInput).toBe('cam-2');

    await check.selectMicrophone('mic-2');
    expect(platform.storage.get(AUDIO_INPUT_KEY)).toBe('mic-2');
    expect(calls.at(-1)).toEqual({ audio: expect.objectContaining({ deviceId: { exact: 'mic-2' } }) });
    expect(audio?.stopped).toBe(true);
    expect(check.state.audioInput).toBe('mic-2');
    expect(platform.levelMeters.map((m) => m.closed)).toEqual([true, false]);

    check.selectSpeaker('spk-2');
    expect(platform.storage.get(AUDIO_OUTPUT_KEY)).toBe('spk-2');
    await check.playTestSound();
    expect(platform.testSounds).toEqual(['spk-2']);
    expect(check.state.sound).toBe('played');
  });

  it('keeps the device in use when the chosen one cannot start, and says why', async () => {
    const { check, streams } = setup({ broken: { 'cam-2': 'NotReadableError' } });
    await check.allow();
    await check.selectCamera('cam-2');
    expect(streams[0]?.tracks.some((track) => track.stopped)).toBe(false);
    expect(check.state).toMatchObject({
      videoInput: 'cam-1',
      problem: 'in-use',
      switchError:
        'That camera is in use by another app: close it, or choose another camera. The preview keeps the one you had.',
    });
    await check.selectCamera('cam-1');
    expect(check.state.switchError).toBeNull();
  });

  it('offers no speaker choice where the browser cannot choose one, and still plays the sound', async () => {
    const { check, platform } = setup({ overrides: { speakerSelectionSupported: false } });
    await check.allow();
    expect(check.state.speakers).toEqual([]);
    expect(check.state.speakerSelection).toBe(false);
    await check.playTestSound();
    expect(platform.testSounds).toEqual([null]);
  });

  it('says so when the test sound cannot be played', async () => {
    const { check } = setup({
      overrides: {
        playTestSound: async () => {
          throw new Error('setSinkId failed');
        },
      },
    });
    await check.allow();
    await check.playTestSound();
    expect(check.state.sound).toBe('failed');
    expect(check.state.soundMessage).toMatch(/could not be played on this speaker/);
  });

  it('moves the level meter with the microphone and says when it heard speech', async () => {
    const { check, platform } = setup();
    await check.allow();
    platform.micLevel = 0.1;
    platform.fakeTimers.advance(LEVEL_INTERVAL_MS);
    expect(check.state).toMatchObject({ level: 0.1, heard: false });
    platform.micLevel = HEARD_LEVEL + 0.1;
    platform.fakeTimers.advance(LEVEL_INTERVAL_MS);
    expect(check.state.heard).toBe(true);
    platform.micLevel = 0;
    platform.fakeTimers.advance(LEVEL_INTERVAL_MS);
    expect(check.state).toMatchObject({ level: 0, heard: true });
  });

  it('offers to start the meter while the browser holds audio back until a click', async () => {
    const { check, platform } = setup();
    await check.allow();
    platform.micLevel = null;
    platform.fakeTimers.advance(LEVEL_INTERVAL_MS);
    expect(check.state).toMatchObject({ meterBlocked: true, level: 0 });
    check.resumeMeter();
    expect(platform.levelMeters[0]?.resumed).toBeGreaterThan(0);
    platform.micLevel = 0.5;
    platform.fakeTimers.advance(LEVEL_INTERVAL_MS);
    expect(check.state).toMatchObject({ meterBlocked: false, level: 0.5, heard: true });
  });

  it('gives its running devices to the call once, without stopping them; a later release stops nothing', async () => {
    const { check, platform, streams } = setup();
    await check.allow();
    check.setOff('video', true);
    expect(streams[0]?.tracks.find((t) => t.kind === 'video')?.enabled).toBe(false);
    const taken = check.take();
    expect(taken).toBe(streams[0]?.asStream);
    expect(check.take()).toBeNull();
    check.release();
    expect(streams[0]?.tracks.some((track) => track.stopped)).toBe(false);
    expect(platform.levelMeters[0]?.closed).toBe(true);
    expect(check.state).toMatchObject({ access: 'idle', stream: null });
  });

  it('turns a previewed device off and on again without asking the browser again', async () => {
    const { check, streams } = setup();
    await check.allow();
    check.setOff('audio', true);
    expect(check.state.microphoneOff).toBe(true);
    expect(streams[0]?.tracks.find((t) => t.kind === 'audio')?.enabled).toBe(false);
    check.setOff('audio', false);
    expect(streams[0]?.tracks.find((t) => t.kind === 'audio')?.enabled).toBe(true);
    expect(streams).toHaveLength(1);
  });

  it('releases the camera and microphone, also when they arrive after the release', async () => {
    const { check, platform, streams } = setup();
    await check.allow();
    check.release();
    expect(streams[0]?.tracks.every((track) => track.stopped)).toBe(true);
    expect(platform.levelMeters[0]?.closed).toBe(true);
    expect(check.state).toMatchObject({ access: 'idle', stream: null });
    platform.micLevel = 0.8;
    platform.fakeTimers.advance(LEVEL_INTERVAL_MS * 5);
    expect(check.state.level).toBe(0);

    const late = check.allow();
    check.release();
    await late;
    expect(streams[1]?.tracks.every((track) => track.stopped)).toBe(true);
    expect(check.state.stream).toBeNull();
  });

  it('starts again on another device when the one in use is unplugged', async () => {
    let devices = DEVICES;
    let changed: () => void = () => undefined;
    const { check, calls } = setup({
      overrides: {
        enumerateDevices: async () => devices,
        onDeviceChange: (listener) => {
          changed = listener;
          return () => undefined;
        },
      },
    });
    await check.start();
    await check.allow();
    devices = DEVICES.filter((d) => d.deviceId !== 'cam-1');
    changed();
    await flush();
    expect(calls).toHaveLength(2);
    expect(check.state.cameras.map((c) => c.id)).toEqual(['cam-2']);
  });
});
