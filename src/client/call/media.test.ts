import { describe, expect, it } from 'vitest';
import { FakeStream, FakeTrack } from '../testing/fake-media.js';
import {
  acquireCallMedia,
  acquireJoinMedia,
  audioConstraints,
  callConstraints,
  describeMediaError,
  deviceProblem,
  mediaFromPreview,
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

describe('acquireJoinMedia (S25)', () => {
  /** A browser whose permission for each device is set apart, as Chromium keeps them. */
  function browser(
    allowed: { audio: boolean; video: boolean },
    missing: { audio?: boolean; video?: boolean } = {},
  ) {
    const requests: MediaStreamConstraints[] = [];
    const getUserMedia = async (constraints: MediaStreamConstraints): Promise<MediaStream> => {
      requests.push(constraints);
      const kinds = (['audio', 'video'] as const).filter((kind) => constraints[kind]);
      for (const kind of kinds) if (missing[kind]) throw fail('NotFoundError');
      // Chromium refuses the whole request when one of the devices asked for is blocked.
      for (const kind of kinds) if (!allowed[kind]) throw fail('NotAllowedError');
      const tracks = kinds.map((kind) => ({ kind }) as MediaStreamTrack);
      const got: MediaStream = {
        getTracks: () => [...tracks],
        addTrack: (track: MediaStreamTrack) => tracks.push(track),
      } as unknown as MediaStream;
      return got;
    };
    return { getUserMedia, requests };
  }
  const kindsOf = (stream: MediaStream | null) => stream?.getTracks().map((t) => t.kind) ?? [];
  const none = { videoInput: null, audioInput: null };

  it('takes both devices with one request when both are allowed', async () => {
    const b = browser({ audio: true, video: true });
    const media = await acquireJoinMedia(b.getUserMedia, none, { audio: true, video: true });
    expect(kindsOf(media.stream)).toEqual(['audio', 'video']);
    expect(media.problems).toEqual({});
    expect(b.requests).toHaveLength(1);
  });

  it('joins with the microphone alone when the camera is blocked, and says the camera is blocked', async () => {
    const b = browser({ audio: true, video: false });
    const media = await acquireJoinMedia(b.getUserMedia, none, { audio: true, video: true });
    expect(kindsOf(media.stream)).toEqual(['audio']);
    expect(media.problems).toEqual({ video: 'blocked' });
  });

  it('joins receive-only when both are blocked: no stream, both reported, no rejection', async () => {
    const b = browser({ audio: false, video: false });
    const media = await acquireJoinMedia(b.getUserMedia, none, { audio: true, video: true });
    expect(media.stream).toBeNull();
    expect(media.problems).toEqual({ audio: 'blocked', video: 'blocked' });
  });

  it('tells a missing camera from a blocked one', async () => {
    const b = browser({ audio: true, video: true }, { video: true });
    const media = await acquireJoinMedia(b.getUserMedia, none, { audio: true, video: true });
    expect(kindsOf(media.stream)).toEqual(['audio']);
    expect(media.problems).toEqual({ video: 'missing' });
  });

  it('does not open a device the party joins without (camera off at join)', async () => {
    const b = browser({ audio: true, video: true });
    const media = await acquireJoinMedia(b.getUserMedia, none, { audio: true, video: false });
    expect(kindsOf(media.stream)).toEqual(['audio']);
    expect(media.problems).toEqual({});
    expect(b.requests.every((r) => !r.video)).toBe(true);
    expect(await acquireJoinMedia(b.getUserMedia, none, { audio: false, video: false })).toEqual({
      stream: null,
      problems: {},
    });
  });

  it('maps the browser’s errors to the reasons the other party is told', () => {
    expect(deviceProblem(fail('NotAllowedError'))).toBe('blocked');
    expect(deviceProblem(fail('NotFoundError'))).toBe('missing');
    expect(deviceProblem(fail('NotReadableError'))).toBe('busy');
    expect(deviceProblem(fail('NotSupportedError'))).toBe('unsupported');
    expect(deviceProblem(new Error('?'))).toBe('failed');
  });
});

describe('mediaFromPreview', () => {
  it('keeps the wanted live tracks, on, and stops the rest', () => {
    const preview = FakeStream.withAudioAndVideo();
    for (const track of preview.tracks) track.enabled = false;
    const media = mediaFromPreview(preview.asStream, { audio: false, video: true });
    expect(media).toEqual({ stream: preview.asStream, problems: {} });
    expect(preview.tracks.map((t) => [t.kind, t.readyState, t.enabled])).toEqual([['video', 'live', true]]);
  });

  it('gives nothing (and stops the preview) when a wanted device is missing or ended, or none is wanted', () => {
    const ended = FakeStream.withAudioAndVideo();
    ended.tracks[1]?.stop();
    const cases: Array<[FakeStream, { audio: boolean; video: boolean }]> = [
      [new FakeStream([new FakeTrack('audio')]), { audio: true, video: true }],
      [ended, { audio: true, video: true }],
      [FakeStream.withAudioAndVideo(), { audio: false, video: false }],
    ];
    for (const [preview, wanted] of cases) {
      expect(mediaFromPreview(preview.asStream, wanted)).toBeNull();
      expect(preview.tracks.every((t) => t.readyState === 'ended')).toBe(true);
    }
    expect(mediaFromPreview(null, { audio: true, video: true })).toBeNull();
  });
});
