import { describe, expect, it } from 'vitest';
import type { CallStatusView } from '../../../protocol/messages.js';
import { callStatus } from '../../testing/fixtures.js';
import {
  type CallTimes,
  callClock,
  MAX_DURATION_WARNING_MS,
  maxDurationWarning,
  NO_CALL_TIMES,
  sameClock,
  withCallStatus,
  withWarning,
} from './call-clock.js';

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

const inProgress = (connectedAt: number | null, endsAt: number | null = null): CallStatusView => ({
  ...callStatus('in_progress'),
  connectedAt,
  endsAt,
});

describe('the call’s times', () => {
  it('takes the connected time and the end from the call status, keeping what a later status leaves out', () => {
    const times = withCallStatus(NO_CALL_TIMES, inProgress(1_000, 3_600_000));
    expect(times).toEqual({ connectedAt: 1_000, endsAt: 3_600_000, warned: false });
    expect(withCallStatus(times, inProgress(null, null))).toEqual(times);
  });

  it('forgets the connected time once the call is no longer in progress, not the end', () => {
    const times = withCallStatus(NO_CALL_TIMES, inProgress(1_000, 3_600_000));
    expect(withCallStatus(times, callStatus('ended', 30))).toEqual({
      connectedAt: null,
      endsAt: 3_600_000,
      warned: false,
    });
  });

  it('remembers the server’s warning and the end it gave', () => {
    expect(withWarning(NO_CALL_TIMES, 300_000)).toEqual({ connectedAt: null, endsAt: 300_000, warned: true });
  });
});

describe('callClock', () => {
  const times: CallTimes = { connectedAt: 1_000, endsAt: 1_000_000, warned: false };

  it('runs only while the peer call is on: not before it, not once it is over', () => {
    const running = callClock(times, 'connected', 63_000);
    expect(running).toEqual({ duration: '1:02', warning: null });
    expect(callClock(times, null, 63_000)).toEqual({ duration: null, warning: null });
    for (const over of ['ended', 'failed', 'closed'] as const) {
      expect(callClock(times, over, 63_000)).toEqual({ duration: null, warning: null });
    }
    expect(callClock(times, 'reconnecting', 63_000)).toEqual(running);
  });

  it('has no duration before the call is in progress, and warns near the end', () => {
    expect(callClock({ ...times, connectedAt: null }, 'waiting', 1_000_000 - 90_000)).toEqual({
      duration: null,
      warning: { announcement: 'This call will end in 2 minutes.', remaining: '1:30' },
    });
  });

  it('tells a changed clock from an unchanged one by what it shows', () => {
    const a = callClock(times, 'connected', 1_000_000 - 90_000);
    expect(sameClock(a, callClock(times, 'connected', 1_000_000 - 90_000))).toBe(true);
    expect(sameClock(a, callClock(times, 'connected', 1_000_000 - 89_000))).toBe(false);
    expect(sameClock(a, { ...a, warning: null })).toBe(false);
  });
});
