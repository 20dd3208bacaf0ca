import type { JoinDevices } from '../../call/media.js';
import type { Platform } from '../../platform/platform.js';

/**
 * The pre-join screen's choice, kept per browser: a party who ticked "Next time, join straight away"
 * goes into their next call without the screen, with the microphone and camera as they chose them. The
 * call's device settings can bring the screen back.
 */
export const PRE_JOIN_STORAGE_KEY = 'carecall.preJoin';

export interface PreJoinChoice {
  /** Skip the pre-join screen next time. */
  skip: boolean;
  /** The devices to join with when skipping (and the screen's starting point when not). */
  joinWith: JoinDevices;
}

export const DEFAULT_PRE_JOIN: PreJoinChoice = { skip: false, joinWith: { audio: true, video: true } };

/** What this browser remembers; anything unreadable (an old or hand-edited value) is the default. */
export function readPreJoinChoice(platform: Pick<Platform, 'readStorage'>): PreJoinChoice {
  const raw = platform.readStorage(PRE_JOIN_STORAGE_KEY);
  if (!raw) return DEFAULT_PRE_JOIN;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return DEFAULT_PRE_JOIN;
    const { skip, audio, video } = value as Record<string, unknown>;
    if (typeof skip !== 'boolean' || typeof audio !== 'boolean' || typeof video !== 'boolean') {
      return DEFAULT_PRE_JOIN;
    }
    // Only a skip carries the devices over: a party who sees the screen starts with both on again.
    return skip ? { skip, joinWith: { audio, video } } : DEFAULT_PRE_JOIN;
  } catch {
    return DEFAULT_PRE_JOIN;
  }
}

export function writePreJoinChoice(platform: Pick<Platform, 'writeStorage'>, choice: PreJoinChoice): void {
  const { skip, joinWith } = choice;
  platform.writeStorage(PRE_JOIN_STORAGE_KEY, JSON.stringify({ skip, ...joinWith }));
}
