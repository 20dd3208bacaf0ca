import { describe, expect, it } from 'vitest';
import { blockedWords, missingWords, switchWords } from './device-problems.js';

function mediaError(name: string): Error {
  return Object.assign(new Error(name), { name });
}

describe('device problems in words', () => {
  it('says why a chosen device could not start, and that the one in use stays', () => {
    expect(switchWords('video', mediaError('OverconstrainedError'))).toBe(
      'That camera is no longer connected. The preview keeps the one you had.',
    );
    expect(switchWords('audio', mediaError('NotReadableError'))).toBe(
      'That microphone is in use by another app: close it, or choose another microphone. The preview keeps the one you had.',
    );
    expect(switchWords('video', mediaError('SecurityError'))).toMatch(
      /^The browser did not allow that camera\./,
    );
    expect(switchWords('audio', new Error('?'))).toMatch(/^That microphone could not be started\./);
  });

  it('says what still works without the missing device', () => {
    expect(missingWords('camera', 'in-use')).toMatch(
      /^Your camera could not be started: another app may be using it\. You can still join the call with sound only/,
    );
    expect(missingWords('microphone', 'not-found')).toMatch(
      /^No microphone was found\. .*use the chat to write\.$/,
    );
  });

  it('names what the browser blocks', () => {
    expect(blockedWords('denied', 'granted')).toBe('camera');
    expect(blockedWords('prompt', 'denied')).toBe('microphone');
    expect(blockedWords('denied', 'denied')).toBe('camera and microphone');
  });
});
