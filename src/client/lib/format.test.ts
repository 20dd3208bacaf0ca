import { describe, expect, it } from 'vitest';
import { callStatusWords, endReasonWords, formatClock, formatDateTime, formatDuration } from './format.js';

describe('callStatusWords', () => {
  it('words the waiting state for each side', () => {
    expect(callStatusWords('waiting', 'doctor')).toBe('Waiting for the patient');
    expect(callStatusWords('waiting', 'patient')).toBe('The doctor has started the call');
    expect(callStatusWords('waiting', 'admin')).toBe('Waiting for the patient');
  });

  it('words the other states the same for everyone', () => {
    expect(callStatusWords('not_started', 'patient')).toBe('Not started');
    expect(callStatusWords('in_progress', 'doctor')).toBe('In progress');
    expect(callStatusWords('ended', 'admin')).toBe('Ended');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [60, '1 min 0 s'],
    [192, '3 min 12 s'],
    [3605, '1 h 0 min 5 s'],
    [-3, '0 s'],
  ])('formats %d seconds as %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('formatDateTime', () => {
  it('formats in the given locale and zone', () => {
    expect(formatDateTime(Date.UTC(2025, 0, 2, 15, 30), 'en-GB', 'UTC')).toBe('2 Jan 2025, 15:30');
  });
});

describe('formatClock', () => {
  it.each([
    [0, '0:00'],
    [7_900, '0:07'],
    [192_000, '3:12'],
    [3_725_000, '1:02:05'],
    [-5_000, '0:00'],
  ])('shows %i ms as %s', (ms, words) => {
    expect(formatClock(ms)).toBe(words);
  });
});

describe('endReasonWords', () => {
  it('explains every end but a plain hang-up', () => {
    expect(endReasonWords('max_duration')).toBe('The call reached its maximum length.');
    expect(endReasonWords('timed_out')).toBe('The call ended because nobody was connected.');
    expect(endReasonWords('failed')).toBe('The call ended because the connection failed.');
    expect(endReasonWords('hung_up')).toBeNull();
    expect(endReasonWords(null)).toBeNull();
  });
});
