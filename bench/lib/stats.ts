/**
 * Percentiles for benchmark reports. Nearest-rank on the sorted sample (no interpolation), so every
 * figure printed is a value that was actually measured.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100 (got ${p})`);
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

export interface Summary {
  /** Samples with a value; a run that never reached the milestone counts in `missing`. */
  n: number;
  missing: number;
  min: number | null;
  median: number | null;
  p90: number | null;
  max: number | null;
  mean: number | null;
}

/** `null` entries are runs where the value was not measured (e.g. 720p never reached). */
export function summarize(values: readonly (number | null | undefined)[]): Summary {
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const sum = present.reduce((a, b) => a + b, 0);
  return {
    n: present.length,
    missing: values.length - present.length,
    min: present.length > 0 ? Math.min(...present) : null,
    median: percentile(present, 50),
    p90: percentile(present, 90),
    max: present.length > 0 ? Math.max(...present) : null,
    mean: present.length > 0 ? sum / present.length : null,
  };
}
