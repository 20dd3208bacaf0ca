import { describe, expect, it } from 'vitest';
import { CALL_STATUSES } from '../../protocol/call-status.js';
import { type CallEvent, transition } from './call-lifecycle.js';

const EVENTS: CallEvent[] = [
  { type: 'start', by: 'doctor' },
  { type: 'start', by: 'patient' },
  { type: 'join', role: 'patient', otherPresent: false },
  { type: 'join', role: 'patient', otherPresent: true },
  { type: 'end', by: 'doctor', reason: 'hung_up' },
  { type: 'end', by: 'patient', reason: 'hung_up' },
  { type: 'end', by: 'system', reason: 'timed_out' },
];

describe('call lifecycle transition table', () => {
  it('the doctor starts a call that has not started, or restarts an ended one', () => {
    for (const from of ['not_started', 'ended'] as const) {
      expect(transition(from, { type: 'start', by: 'doctor' })).toEqual({
        ok: true,
        next: 'waiting',
        effects: [{ type: 'open-session' }],
      });
      expect(transition(from, { type: 'start', by: 'patient' })).toEqual({ ok: false, code: 'wrong_role' });
    }
  });

  it('starting an active call is illegal', () => {
    for (const from of ['waiting', 'in_progress'] as const) {
      expect(transition(from, { type: 'start', by: 'doctor' })).toEqual({
        ok: false,
        code: 'illegal_transition',
      });
    }
  });

  it('the second party in moves waiting to in_progress; the first only marks its arrival', () => {
    expect(transition('waiting', { type: 'join', role: 'doctor', otherPresent: false })).toEqual({
      ok: true,
      next: 'waiting',
      effects: [{ type: 'mark-joined', role: 'doctor' }],
    });
    expect(transition('waiting', { type: 'join', role: 'patient', otherPresent: true })).toEqual({
      ok: true,
      next: 'in_progress',
      effects: [{ type: 'mark-joined', role: 'patient' }, { type: 'mark-connected' }],
    });
    expect(transition('in_progress', { type: 'join', role: 'patient', otherPresent: true })).toMatchObject({
      ok: true,
      next: 'in_progress',
    });
  });

  it('the doctor or the server ends from either active state, with its reason', () => {
    for (const from of ['waiting', 'in_progress'] as const) {
      expect(transition(from, { type: 'end', by: 'system', reason: 'max_duration' })).toEqual({
        ok: true,
        next: 'ended',
        effects: [{ type: 'close-session', reason: 'max_duration' }],
      });
      expect(transition(from, { type: 'end', by: 'doctor', reason: 'hung_up' })).toEqual({
        ok: true,
        next: 'ended',
        effects: [{ type: 'close-session', reason: 'hung_up' }],
      });
    }
  });

  it('a patient cannot end a call: leaving is not ending (S15)', () => {
    for (const from of ['waiting', 'in_progress'] as const) {
      for (const reason of ['hung_up', 'failed'] as const) {
        expect(transition(from, { type: 'end', by: 'patient', reason })).toEqual({
          ok: false,
          code: 'wrong_role',
        });
      }
    }
  });

  it('joining or ending a call that is not active is call_not_active', () => {
    for (const from of ['not_started', 'ended'] as const) {
      expect(transition(from, { type: 'join', role: 'patient', otherPresent: false })).toEqual({
        ok: false,
        code: 'call_not_active',
      });
      expect(transition(from, { type: 'end', by: 'doctor', reason: 'hung_up' })).toEqual({
        ok: false,
        code: 'call_not_active',
      });
    }
  });

  it('every (status, event) pair has a defined outcome', () => {
    for (const s of CALL_STATUSES) {
      for (const e of EVENTS) {
        const r = transition(s, e);
        expect(r.ok ? CALL_STATUSES.includes(r.next) : typeof r.code === 'string').toBe(true);
      }
    }
  });
});
