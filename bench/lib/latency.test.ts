import { describe, expect, it } from 'vitest';
import { distribution, fmtMs, mergeCounts, rankPercentile, Samples, totalCount } from './latency.js';

describe('Samples', () => {
  it('grows past its initial capacity and keeps every finite value in order', () => {
    const s = new Samples(16);
    for (let i = 0; i < 1000; i++) s.add(i);
    s.add(Number.NaN);
    s.add(Number.POSITIVE_INFINITY);
    expect(s.length).toBe(1000);
    const a = s.toArray();
    expect(a[0]).toBe(0);
    expect(a[999]).toBe(999);
  });
});

describe('distribution (nearest rank)', () => {
  it('reports measured values for p50, p95, p99 and max', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(distribution(values)).toEqual({ count: 100, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('sorts numerically, not as text', () => {
    expect(distribution([9, 10, 100, 2]).max).toBe(100);
    expect(distribution([9, 10, 100, 2]).p50).toBe(9);
  });

  it('handles more samples than a function call can take as arguments', () => {
    const s = new Samples();
    for (let i = 0; i < 300_000; i++) s.add(i % 1000);
    const d = distribution(s);
    expect(d.count).toBe(300_000);
    expect(d.max).toBe(999);
    expect(d.p99).toBe(989);
  });

  it('is empty without samples', () => {
    expect(distribution([])).toEqual({ count: 0, mean: null, p50: null, p95: null, p99: null, max: null });
  });

  it('refuses a percentile outside 0..100', () => {
    expect(() => rankPercentile([1], 101)).toThrow(RangeError);
  });
});

describe('counts and formatting', () => {
  it('merges counts by kind', () => {
    const merged = mergeCounts({ 'close:1006': 1 }, { 'close:1006': 2, 'timeout:join': 1 });
    expect(merged).toEqual({ 'close:1006': 3, 'timeout:join': 1 });
    expect(totalCount(merged)).toBe(4);
  });

  it('prints milliseconds with a precision that suits them', () => {
    expect(fmtMs(0.4242)).toBe('0.42');
    expect(fmtMs(3.14)).toBe('3.1');
    expect(fmtMs(48.6)).toBe('49');
    expect(fmtMs(null)).toBe('—');
  });
});
