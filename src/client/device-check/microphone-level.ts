export const LEVEL_INTERVAL_MS = 100;
/** About -42 dBFS: speech at a normal distance; room noise stays below. */
export const HEARD_LEVEL = 0.3;

/** What the level meter shows. */
export interface MicrophoneLevel {
  /** The microphone's level, 0 to 1. */
  level: number;
  /** The level went above speaking level since the microphone started. */
  heard: boolean;
  /** The browser holds audio back until a click: the meter cannot move yet. */
  meterBlocked: boolean;
}

/**
 * The meter after one reading (`raw`: null while the browser holds audio back), in steps of 0.02; null
 * when nothing on screen would change.
 */
export function nextLevel(raw: number | null, shown: MicrophoneLevel): MicrophoneLevel | null {
  const meterBlocked = raw === null;
  const level = Math.round((raw ?? 0) * 50) / 50;
  const heard = shown.heard || level >= HEARD_LEVEL;
  return level !== shown.level || heard !== shown.heard || meterBlocked !== shown.meterBlocked
    ? { level, heard, meterBlocked }
    : null;
}
