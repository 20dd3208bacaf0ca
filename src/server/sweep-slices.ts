/**
 * Periodic sweeps over every connection or every active call run in slices with the event loop free in
 * between, so that no message waits behind a whole sweep (signaling benchmark, docs/benchmarks.md: with
 * thousands of calls one sweep held the loop for tens of milliseconds).
 */
export const SWEEP_SLICE = 200;

/** Resolves after the I/O already waiting has been handled. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
