import { describe, expect, it } from 'vitest';
import { FakeStream, FakeTrack } from '../testing/fake-media.js';
import { type DeviceLists, deviceLists, devicesMoved, streamState } from './device-check-state.js';

function device(kind: MediaDeviceKind, deviceId: string, label = ''): MediaDeviceInfo {
  return { kind, deviceId, label, groupId: 'g', toJSON: () => ({}) } as MediaDeviceInfo;
}

const LISTS: DeviceLists = {
  cameras: [{ id: 'cam-1', label: 'Front camera' }],
  microphones: [{ id: 'mic-1', label: 'Built-in microphone' }],
  speakers: [],
  audioOutput: '',
};

describe('deviceLists', () => {
  const devices = [
    device('videoinput', 'cam-1', 'Front camera'),
    device('videoinput', 'cam-2'),
    device('audioinput', ''),
    device('audiooutput', 'default', 'Default speaker'),
    device('audiooutput', 'spk-2', 'Headphones'),
  ];

  it('numbers unnamed devices and leaves out those without an id (no permission yet)', () => {
    const lists = deviceLists(devices, true, '');
    expect(lists.cameras).toEqual([
      { id: 'cam-1', label: 'Front camera' },
      { id: 'cam-2', label: 'Camera 2' },
    ]);
    expect(lists.microphones).toEqual([]);
  });

  it('keeps the chosen speaker while it is there, else takes the first', () => {
    expect(deviceLists(devices, true, 'spk-2').audioOutput).toBe('spk-2');
    expect(deviceLists(devices, true, 'gone').audioOutput).toBe('default');
    expect(deviceLists(devices, false, 'spk-2')).toMatchObject({ speakers: [], audioOutput: '' });
  });
});

describe('streamState', () => {
  it('takes the devices the stream uses', () => {
    const stream = new FakeStream([
      new FakeTrack('audio', 'a', 'mic-1'),
      new FakeTrack('video', 'v', 'cam-1'),
    ]);
    expect(streamState(stream.asStream, LISTS, { videoInput: 'x', audioInput: 'y' })).toMatchObject({
      access: 'ready',
      hasVideo: true,
      hasAudio: true,
      videoInput: 'cam-1',
      audioInput: 'mic-1',
      missing: null,
      problem: null,
    });
  });

  it('tells a camera that is there but busy from one that is not there', () => {
    const audioOnly = new FakeStream([new FakeTrack('audio', 'a', 'mic-1')]).asStream;
    expect(streamState(audioOnly, LISTS, { videoInput: 'cam-1', audioInput: '' })).toMatchObject({
      hasVideo: false,
      videoInput: 'cam-1',
      problem: 'in-use',
    });
    expect(
      streamState(audioOnly, { ...LISTS, cameras: [] }, { videoInput: '', audioInput: '' }),
    ).toMatchObject({
      problem: 'not-found',
      missing: expect.stringMatching(/^No camera was found\./),
    });
  });
});

describe('devicesMoved', () => {
  const both = new FakeStream([new FakeTrack('audio', 'a', 'mic-1'), new FakeTrack('video', 'v', 'cam-1')]);

  it('is false while the devices in use are still listed', () => {
    expect(devicesMoved(both.asStream, LISTS)).toBe(false);
  });

  it('is true when the device in use was unplugged, or one appeared where there was none', () => {
    expect(devicesMoved(both.asStream, { ...LISTS, cameras: [{ id: 'cam-2', label: 'USB' }] })).toBe(true);
    const audioOnly = new FakeStream([new FakeTrack('audio', 'a', 'mic-1')]).asStream;
    expect(devicesMoved(audioOnly, LISTS)).toBe(true);
    expect(devicesMoved(audioOnly, { ...LISTS, cameras: [] })).toBe(false);
  });
});
