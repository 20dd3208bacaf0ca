import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const options = { initialMs: 500, maxMs: 15_000 };

describe('backoffDelay', () => {
  it('doubles the step and never exceeds the cap', () => {
    const high = () => 1 - Number.EPSILON;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, high, options))).toEqual([
      500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000,
    ]);
  });

  it('keeps at least half the step so a retry is never immediate', () => {
    expect([0, 1, 2, 10].map((n) => backoffDelay(n, () => 0, options))).toEqual([250, 500, 1000, 7500]);
  });

  it('spreads retries by the random source', () => {
    expect(backoffDelay(2, () => 0.5, options)).toBe(1500);
  });
});
