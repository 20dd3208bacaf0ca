/**
 * Lets IndexedDB (fake-indexeddb schedules with macrotasks) and fetch promises run until `done()` holds;
 * fails after 10 s so a broken expectation does not hang the suite. Time is never asserted on.
 */
export async function until(done: () => boolean, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
