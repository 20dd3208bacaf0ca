import { describe, expect, it } from 'vitest';
import { acquireCallMedia, callConstraints, describeMediaError } from './media.js';

const stream = {} as MediaStream;
const fail = (name: string) => Object.assign(new Error(name), { name });

describe('callConstraints', () => {
  it('asks for 720p at 30 fps with voice processing', () => {
    expect(callConstraints({ videoInput: null, audioInput: null })).toEqual({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  });

  it('prefers the saved devices without requiring them', () => {
    const constraints = callConstraints({ videoInput: 'cam-2', audioInput: 'mic-3' });
    expect(constraints.video).toMatchObject({ deviceId: { ideal: 'cam-2' } });
    expect(constraints.audio).toMatchObject({ deviceId: { ideal: 'mic-3' } });
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
