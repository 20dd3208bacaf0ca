import { describe, expect, it } from 'vitest';
import { MAX_DURATION_WARNING_MS, maxDurationWarning } from './max-duration.js';

describe('maxDurationWarning (S19)', () => {
  it('stays quiet while the end is more than five minutes away, unless the server warned', () => {
    expect(maxDurationWarning(null, 0, true)).toBeNull();
    expect(maxDurationWarning(MAX_DURATION_WARNING_MS + 1000, 0, false)).toBeNull();
    expect(maxDurationWarning(MAX_DURATION_WARNING_MS + 1000, 0, true)?.announcement).toBe(
      'This call will end in 5 minutes.',
    );
  });

  it('counts down in minutes and seconds, from the end time (a page loaded late too)', () => {
    expect(maxDurationWarning(300_000, 0, true)).toEqual({
      announcement: 'This call will end in 5 minutes.',
      remaining: '5:00',
    });
    expect(maxDurationWarning(300_000, 28_000, false)).toEqual({
      announcement: 'This call will end in 5 minutes.',
      remaining: '4:32',
    });
    expect(maxDurationWarning(300_000, 250_000, false)).toEqual({
      announcement: 'This call will end in 1 minute.',
      remaining: '0:50',
    });
    expect(maxDurationWarning(300_000, 400_000, false)?.remaining).toBe('0:00');
  });
});
