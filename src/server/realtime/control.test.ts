import { describe, expect, it } from 'vitest';
import { type ControlMessage, decodeControl, encodeControl } from './control.js';

describe('control messages', () => {
  it('round-trip every type in the form every node reads', () => {
    const messages: ControlMessage[] = [
      { type: 'revoke-session', sessionIdHash: 'h4sh' },
      { type: 'revoke-grant', grantId: 'g1' },
      { type: 'revoke-call', appointmentId: 'a1', currentSessionId: 's2' },
      { type: 'replace', connectionId: 'c1' },
      { type: 'appointment-parties', appointmentId: 'a1', doctorId: 'd2', patientId: 'p1' },
    ];
    for (const m of messages) expect(decodeControl(encodeControl(m))).toEqual(m);
    expect(encodeControl({ type: 'revoke-call', appointmentId: 'a1', currentSessionId: 's2' })).toBe(
      'revoke-call a1 s2',
    );
  });

  it('ignores what it does not know', () => {
    expect(decodeControl('revoke-session')).toBeNull();
    expect(decodeControl('teleport x')).toBeNull();
    expect(decodeControl('appointment-parties a1 d2')).toBeNull();
  });
});
