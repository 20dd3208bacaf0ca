import { describe, expect, it } from 'vitest';
import { MAX_NAME_CHARS, nameProblem, tokenFromHash } from './call-link.js';

describe('call links', () => {
  it('reads the token from the fragment only', () => {
    expect(tokenFromHash('#token=abc_DEF-123')).toBe('abc_DEF-123');
    expect(tokenFromHash('#x=1&token=t2')).toBe('t2');
    expect(tokenFromHash('#token=')).toBeNull();
    expect(tokenFromHash('')).toBeNull();
    expect(tokenFromHash('#section')).toBeNull();
  });

  it('asks for a name of 1 to 80 characters', () => {
    expect(nameProblem('  ')).toBe('Enter your name.');
    expect(nameProblem(' Pat ')).toBeNull();
    expect(nameProblem('x'.repeat(MAX_NAME_CHARS))).toBeNull();
    expect(nameProblem('x'.repeat(MAX_NAME_CHARS + 1))).toMatch(/at most 80/);
  });
});
