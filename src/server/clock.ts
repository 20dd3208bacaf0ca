export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The wall clock in whole milliseconds, for latencies measured between nodes (the metrics): never the
 * test clock, since it times what really happened. Date.now() costs a third of performance.now(); the
 * difference of two truncated readings is still right on average.
 */
export function wallClockMs(): number {
  return Date.now();
}
