/** The part of an HTMLMediaElement that playback needs; tests pass a fake. */
export interface PlayableMedia {
  muted: boolean;
  play(): Promise<void>;
  setSinkId?: (sinkId: string) => Promise<void>;
}

/**
 * `playing`: picture and sound; `muted`: the picture plays but the browser holds the sound back until
 * a tap (iOS Safari, a page opened without a click); `blocked`: not even muted playback was allowed.
 */
export type PlaybackResult = 'playing' | 'muted' | 'blocked';

function errorName(error: unknown): string {
  return error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)
    ? String((error as { name: unknown }).name)
    : '';
}

/**
 * Starts the other side's video with sound. Chromium allows it (the user clicked Join or Start to get
 * here); where the browser refuses sound without a gesture, the picture is started muted so the user
 * still sees the other side, and the page offers one "Tap to enable sound".
 */
export async function startPlayback(media: PlayableMedia): Promise<PlaybackResult> {
  media.muted = false;
  try {
    await media.play();
    return 'playing';
  } catch (error) {
    // A newer stream replaced this one while it was starting; its own play() reports.
    if (errorName(error) === 'AbortError') return 'playing';
    if (errorName(error) !== 'NotAllowedError') throw error;
  }
  media.muted = true;
  try {
    await media.play();
    return 'muted';
  } catch {
    return 'blocked';
  }
}

/** From the "Tap to enable sound" click: a user gesture, so the browser now allows the sound. */
export async function enableSound(media: PlayableMedia): Promise<PlaybackResult> {
  media.muted = false;
  try {
    await media.play();
    return 'playing';
  } catch {
    media.muted = true;
    return media.play().then(
      () => 'muted',
      () => 'blocked',
    );
  }
}

/**
 * Plays through the speaker chosen on the device test page, where the browser can choose
 * (`setSinkId`); a speaker that is gone leaves the default one playing.
 */
export async function applySpeaker(media: PlayableMedia, sinkId: string | null): Promise<boolean> {
  if (!sinkId || typeof media.setSinkId !== 'function') return false;
  try {
    await media.setSinkId(sinkId);
    return true;
  } catch {
    return false;
  }
}
