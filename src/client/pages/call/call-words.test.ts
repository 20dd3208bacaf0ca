import { describe, expect, it } from 'vitest';
import {
  callEndsInWords,
  LINK_REFUSALS,
  otherPartyWords,
  STATUS_WORDS,
  statusText,
  unreadWords,
} from './call-words.js';

describe('statusText', () => {
  it('uses the words of the call page', () => {
    expect(statusText('waiting', null)).toBe('Waiting for the other side…');
    expect(statusText('connecting', null)).toBe('Connecting…');
    expect(statusText('connected', null)).toBe('Connected');
    expect(statusText('peer-left', null)).toBe('The other side left');
    expect(statusText('reconnecting', null)).toBe('Reconnecting…');
    expect(statusText('waiting-room', null)).toBe('The doctor will be with you shortly');
    expect(statusText('failed', 'Camera blocked.')).toBe('Camera blocked.');
  });

  it('says the phase’s own words for a failure without a reason', () => {
    expect(statusText('failed', null)).toBe(STATUS_WORDS.failed);
    expect(statusText('ended', 'ignored')).toBe('The call has ended');
  });
});

describe('call page words', () => {
  it('names the other side by role when their name is not known', () => {
    expect(otherPartyWords('doctor')).toEqual({ start: 'The patient', inSentence: 'the patient' });
    expect(otherPartyWords('patient')).toEqual({ start: 'The doctor', inSentence: 'the doctor' });
    expect(otherPartyWords(null)).toEqual({ start: 'The doctor', inSentence: 'the doctor' });
  });

  it('counts minutes and messages in the singular and the plural', () => {
    expect(callEndsInWords(1)).toBe('This call will end in 1 minute.');
    expect(callEndsInWords(5)).toBe('This call will end in 5 minutes.');
    expect(unreadWords(1)).toBe('1 unread message');
    expect(unreadWords(12)).toBe('12 unread messages');
  });

  it('says what to do about every refused link, each in its own words', () => {
    const refusals = Object.values(LINK_REFUSALS);
    expect(Object.keys(LINK_REFUSALS).sort()).toEqual([
      'call_not_active',
      'link_already_used',
      'link_expired',
      'link_for_other_user',
      'link_invalid',
      'link_revoked',
    ]);
    expect(new Set(refusals.map((r) => r?.title)).size).toBe(refusals.length);
    expect(new Set(refusals.map((r) => r?.whatToDo)).size).toBe(refusals.length);
    for (const refusal of refusals) {
      // What happened, then something the person can do: the clinic, signing in, or the other device.
      expect(refusal?.title).toMatch(/^This (link|call) /);
      expect(refusal?.whatToDo).toMatch(/ask the clinic|contact the clinic|sign out first/i);
      // No jargon a patient would have to look up.
      expect(`${refusal?.title} ${refusal?.whatToDo}`).not.toMatch(/token|revoked|invalid|session|browser/i);
    }
  });
});
