import { describe, expect, it } from 'vitest';
import { HEARD_LEVEL, type MicrophoneLevel, nextLevel } from './microphone-level.js';

const QUIET: MicrophoneLevel = { level: 0, heard: false, meterBlocked: false };

describe('nextLevel', () => {
  it('moves in steps of 0.02, and says nothing when the meter would not move', () => {
    expect(nextLevel(0.123, QUIET)).toEqual({ level: 0.12, heard: false, meterBlocked: false });
    expect(nextLevel(0.005, QUIET)).toBeNull();
  });

  it('remembers that speech was heard after the level falls again', () => {
    const spoke = nextLevel(HEARD_LEVEL, QUIET);
    expect(spoke).toEqual({ level: HEARD_LEVEL, heard: true, meterBlocked: false });
    expect(nextLevel(0, spoke ?? QUIET)).toEqual({ level: 0, heard: true, meterBlocked: false });
  });

  it('shows a meter the browser holds back until a click, and its release', () => {
    const blocked = nextLevel(null, QUIET);
    expect(blocked).toEqual({ level: 0, heard: false, meterBlocked: true });
    expect(nextLevel(null, blocked ?? QUIET)).toBeNull();
    expect(nextLevel(0, blocked ?? QUIET)).toEqual(QUIET);
  });
});
