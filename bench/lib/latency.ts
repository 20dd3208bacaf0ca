/**
 * Latency distributions of load benchmarks: hundreds of thousands of samples, so they are kept in a
 * growable Float64Array and sorted once per report. Percentiles are nearest-rank, like `percentile` in
 * stats.ts: every figure printed is a value that was measured.
 */
export class Samples {
  private data: Float64Array;
  private size = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.size;
  }

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    if (this.size === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = value;
  }

  addAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.add(values[i] as number);
  }

  /** A copy of the samples (for posting between threads). */
  toArray(): Float64Array {
    return this.data.slice(0, this.size);
  }
}

export interface Distribution {
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentile of an ascending array. */
export function rankPercentile(sorted: ArrayLike<number>, p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100 (got ${p})`);
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

export function distribution(samples: Samples | ArrayLike<number>): Distribution {
  const values = samples instanceof Samples ? samples.toArray() : Float64Array.from(samples);
  const finite = values.filter((v) => Number.isFinite(v)).sort();
  let sum = 0;
  for (const v of finite) sum += v;
  return {
    count: finite.length,
    mean: finite.length > 0 ? sum / finite.length : null,
    p50: rankPercentile(finite, 50),
    p95: rankPercentile(finite, 95),
    p99: rankPercentile(finite, 99),
    max: finite.length > 0 ? (finite[finite.length - 1] ?? null) : null,
  };
}

/** Milliseconds with a precision that suits the value: `0.42`, `3.1`, `48`, `1250`. */
export function fmtMs(value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  if (value < 1) return value.toFixed(2);
  if (value < 10) return value.toFixed(1);
  return Math.round(value).toString();
}

/** Counts by kind (`close:1006`, `error:rate_limited`, `timeout:join`), merged across workers. */
export function mergeCounts(
  into: Record<string, number>,
  from: Record<string, number>,
): Record<string, number> {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

export function totalCount(counts: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}
