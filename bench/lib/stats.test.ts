import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './stats.js';

describe('percentile (nearest rank)', () => {
  it('returns measured values only', () => {
    const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 90)).toBe(90);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(10);
  });

  it('does not depend on input order and ignores non-finite values', () => {
    expect(percentile([3, 1, Number.NaN, 2], 50)).toBe(2);
  });

  it('is null for no values and refuses a percentile outside 0..100', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('counts runs without a value as missing', () => {
    const summary = summarize([5, null, 1, undefined, 3]);
    expect(summary).toMatchObject({ n: 3, missing: 2, min: 1, median: 3, p90: 5, max: 5, mean: 3 });
  });
});
