import { describe, expect, it } from 'vitest';
import { RECORDING_STATES, type RecordingState } from '../../protocol/recording.js';
import { type RecordingEvent, transition } from './recording-lifecycle.js';

const next = (state: RecordingState, event: RecordingEvent, firstStart = false) => {
  const r = transition(state, event, firstStart);
  return r.ok ? { next: r.transition.next, reason: r.transition.stopReason ?? null } : r.code;
};
const kinds = (state: RecordingState, event: RecordingEvent, firstStart = false) => {
  const r = transition(state, event, firstStart);
  return r.ok ? r.transition.events.map((e) => (e.detail ? `${e.kind}:${e.detail}` : e.kind)) : r.code;
};

describe('the recording lifecycle (S29)', () => {
  it('S29: allowing starts capture the first time and resumes it after a pause', () => {
    expect(next('asking', { type: 'consent', answer: 'allow' }, true)).toEqual({
      next: 'recording',
      reason: null,
    });
    expect(kinds('asking', { type: 'consent', answer: 'allow' }, true)).toEqual(['consented', 'started']);
    expect(kinds('paused', { type: 'consent', answer: 'allow' })).toEqual(['consented', 'resumed']);
    expect(transition('paused', { type: 'consent', answer: 'allow' }, false)).toMatchObject({
      ok: true,
      transition: { capture: 'run', consent: 'allowed' },
    });
  });

  it('S29: declining first records nothing; declining after a pause stops what was recorded', () => {
    expect(next('asking', { type: 'consent', answer: 'decline' }, true)).toEqual({
      next: 'declined',
      reason: null,
    });
    expect(next('paused', { type: 'consent', answer: 'decline' })).toEqual({
      next: 'stopped',
      reason: 'declined',
    });
  });

  it('S29: withdrawal, Stop, the call end and a failure stop capture with their reason', () => {
    for (const state of ['recording', 'paused'] as const) {
      expect(next(state, { type: 'withdraw' })).toEqual({ next: 'stopped', reason: 'withdrawn' });
      expect(next(state, { type: 'stop' })).toEqual({ next: 'stopped', reason: 'doctor' });
      expect(next(state, { type: 'call-ended' })).toEqual({ next: 'stopped', reason: 'call_ended' });
      expect(next(state, { type: 'fail', reason: 'storage_full' })).toEqual({
        next: 'stopped',
        reason: 'storage_full',
      });
      expect(transition(state, { type: 'stop' }, false)).toMatchObject({
        ok: true,
        transition: { capture: 'halt' },
      });
    }
    expect(kinds('recording', { type: 'fail', reason: 'too_large' })).toEqual([
      'failed:too_large',
      'stopped:too_large',
    ]);
    expect(next('asking', { type: 'call-ended' })).toEqual({ next: 'stopped', reason: 'call_ended' });
  });

  it('S29: only a running recording lapses into a pause; the patient is asked again', () => {
    expect(kinds('recording', { type: 'lapse' })).toEqual(['consent_lapsed', 'paused']);
    expect(transition('recording', { type: 'lapse' }, false)).toMatchObject({
      ok: true,
      transition: { next: 'paused', consent: null },
    });
    expect(kinds('paused', { type: 'lapse' })).toEqual([]);
  });

  it('S29: nothing moves a recording that is over, except sealing, discarding and retention', () => {
    const over: RecordingState[] = ['declined', 'finished', 'discarded', 'deleted'];
    const events: RecordingEvent[] = [
      { type: 'consent', answer: 'allow' },
      { type: 'withdraw' },
      { type: 'stop' },
      { type: 'lapse' },
      { type: 'call-ended' },
      { type: 'fail', reason: 'too_large' },
    ];
    for (const state of over)
      for (const e of events)
        expect({ state, e, r: next(state, e) }).toMatchObject({ r: 'recording_not_active' });
    expect(next('stopped', { type: 'seal' })).toEqual({ next: 'finished', reason: null });
    expect(next('stopped', { type: 'discard' })).toEqual({ next: 'discarded', reason: null });
    expect(next('finished', { type: 'expire' })).toEqual({ next: 'deleted', reason: null });
    for (const state of RECORDING_STATES.filter((s) => s !== 'stopped')) {
      expect(next(state, { type: 'seal' })).toBe('recording_not_active');
    }
  });
});
