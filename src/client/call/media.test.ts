import { describe, expect, it } from 'vitest';
import {
  acquireCallMedia,
  audioConstraints,
  callConstraints,
  describeMediaError,
  videoConstraints,
} from './media.js';

const stream = {} as MediaStream;
const fail = (name: string) => Object.assign(new Error(name), { name });

describe('callConstraints', () => {
  it('asks for 720p at 30 fps, up to 1080p where the camera gives it, with voice processing', () => {
    expect(callConstraints({ videoInput: null, audioInput: null })).toEqual({
      video: {
        width: { ideal: 1280, max: 1920 },
        height: { ideal: 720, max: 1080 },
        frameRate: { ideal: 30, max: 30 },
      },
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  });

  it('prefers the saved devices without requiring them', () => {
    const constraints = callConstraints({ videoInput: 'cam-2', audioInput: 'mic-3' });
    expect(constraints.video).toMatchObject({ deviceId: { ideal: 'cam-2' } });
    expect(constraints.audio).toMatchObject({ deviceId: { ideal: 'mic-3' } });
  });
});

describe('device constraints', () => {
  it('require the device chosen in the call, so a switch cannot land on another one', () => {
    expect(videoConstraints('cam-2', true).deviceId).toEqual({ exact: 'cam-2' });
    expect(audioConstraints('mic-3', true)).toMatchObject({
      deviceId: { exact: 'mic-3' },
      echoCancellation: true,
    });
  });
});

describe('acquireCallMedia', () => {
  it('falls back to the microphone alone when there is no camera', async () => {
    const asked: MediaStreamConstraints[] = [];
    const result = await acquireCallMedia(
      async (c) => {
        asked.push(c);
        if (c.video) throw fail('NotFoundError');
        return stream;
      },
      { videoInput: null, audioInput: null },
    );
    expect(result).toBe(stream);
    expect(asked.map((c) => Object.keys(c))).toEqual([['video', 'audio'], ['audio']]);
  });

  it('asks for the remembered devices exactly, and falls back to preferring them when one is gone', async () => {
    const asked: MediaStreamConstraints[] = [];
    const remembered = { videoInput: 'cam-2', audioInput: 'mic-3' };
    const exact = await acquireCallMedia(async (c) => {
      asked.push(c);
      return stream;
    }, remembered);
    expect(exact).toBe(stream);
    expect(asked[0]).toMatchObject({
      video: { deviceId: { exact: 'cam-2' } },
      audio: { deviceId: { exact: 'mic-3' } },
    });

    asked.length = 0;
    const fallback = await acquireCallMedia(async (c) => {
      asked.push(c);
      if (
        (c.video as MediaTrackConstraints).deviceId &&
        'exact' in Object((c.video as MediaTrackConstraints).deviceId)
      )
        throw fail('OverconstrainedError');
      return stream;
    }, remembered);
    expect(fallback).toBe(stream);
    expect(asked[1]).toMatchObject({
      video: { deviceId: { ideal: 'cam-2' } },
      audio: { deviceId: { ideal: 'mic-3' } },
    });
  });

  it('does not ask again after the user refused', async () => {
    let calls = 0;
    const result = acquireCallMedia(
      async () => {
        calls++;
        throw fail('NotAllowedError');
      },
      { videoInput: null, audioInput: null },
    );
    await expect(result).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(calls).toBe(1);
  });

  it('reports the first failure when nothing works', async () => {
    const result = acquireCallMedia(
      async (c) => {
        throw fail(c.video && c.audio ? 'NotReadableError' : 'NotFoundError');
      },
      { videoInput: null, audioInput: null },
    );
    await expect(result).rejects.toMatchObject({ name: 'NotReadableError' });
  });

  it('words errors for people', () => {
    expect(describeMediaError(fail('NotAllowedError'))).toMatch(/blocked/);
    expect(describeMediaError('weird')).toMatch(/could not be started/);
  });
});
