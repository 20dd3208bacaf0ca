export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The wall clock in milliseconds with a fraction, for latencies measured between nodes (the metrics):
 * never the test clock, since it times what really happened.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
