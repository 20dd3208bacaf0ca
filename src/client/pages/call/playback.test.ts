import { describe, expect, it } from 'vitest';
import { applySpeaker, enableSound, type PlayableMedia, startPlayback } from './playback.js';

function named(name: string): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

/** A media element whose play() follows a policy: what it allows with sound and without. */
function media(policy: { sound: boolean; muted: boolean; error?: string }) {
  const plays: boolean[] = [];
  const element: PlayableMedia & { plays: boolean[] } = {
    muted: true,
    plays,
    play() {
      plays.push(this.muted);
      const allowed = this.muted ? policy.muted : policy.sound;
      return allowed ? Promise.resolve() : Promise.reject(named(policy.error ?? 'NotAllowedError'));
    },
  };
  return element;
}

describe('startPlayback', () => {
  it('plays with sound where the browser allows it, in one go', async () => {
    const video = media({ sound: true, muted: true });
    expect(await startPlayback(video)).toBe('playing');
    expect(video.plays).toEqual([false]);
    expect(video.muted).toBe(false);
  });

  it('plays the picture muted where sound needs a tap (iOS Safari), and says so', async () => {
    const video = media({ sound: false, muted: true });
    expect(await startPlayback(video)).toBe('muted');
    expect(video.plays).toEqual([false, true]);
    expect(video.muted).toBe(true);
  });

  it('reports blocked when not even muted playback is allowed', async () => {
    expect(await startPlayback(media({ sound: false, muted: false }))).toBe('blocked');
  });

  it('treats a play() interrupted by a newer stream as nothing to show', async () => {
    expect(await startPlayback(media({ sound: false, muted: false, error: 'AbortError' }))).toBe('playing');
  });

  it('passes on other failures', async () => {
    await expect(
      startPlayback(media({ sound: false, muted: false, error: 'NotSupportedError' })),
    ).rejects.toThrow('NotSupportedError');
  });
});

describe('enableSound', () => {
  it('unmutes from the tap', async () => {
    const video = media({ sound: true, muted: true });
    video.muted = true;
    expect(await enableSound(video)).toBe('playing');
    expect(video.muted).toBe(false);
  });

  it('falls back to muted when the browser still refuses', async () => {
    const video = media({ sound: false, muted: true });
    expect(await enableSound(video)).toBe('muted');
    expect(video.muted).toBe(true);
  });
});

describe('applySpeaker', () => {
  it('uses the chosen speaker where setSinkId exists, and the default where it fails or is missing', async () => {
    const sinks: string[] = [];
    const withSink: PlayableMedia = {
      muted: false,
      play: () => Promise.resolve(),
      setSinkId: async (id) => {
        if (id === 'gone') throw named('NotFoundError');
        sinks.push(id);
      },
    };
    expect(await applySpeaker(withSink, 'headset')).toBe(true);
    expect(sinks).toEqual(['headset']);
    expect(await applySpeaker(withSink, 'gone')).toBe(false);
    expect(await applySpeaker(withSink, null)).toBe(false);
    expect(await applySpeaker({ muted: false, play: () => Promise.resolve() }, 'headset')).toBe(false);
  });
});
