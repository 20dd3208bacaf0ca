import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../../test/support/clock.js';
import { STATE_TTL_MS } from './bus.js';
import { MemoryBus } from './memory-bus.js';

const SWEEP_MS = 1_000;
const TTL_MS = 60_000;

describe('MemoryBus: what Redis would expire, a sweep frees unread', () => {
  let clock: FakeClock;
  let bus: MemoryBus;
  const make = (maxTotalBytes?: number) =>
    new MemoryBus(() => {}, { maxEntries: 256, maxBytes: 1_000, ttlMs: TTL_MS }, clock, {
      sweepIntervalMs: SWEEP_MS,
      ...(maxTotalBytes === undefined ? {} : { maxTotalBytes }),
    });
  /** Moves the bus's clock and lets its sweep timer fire. */
  const elapse = (ms: number) => {
    clock.advance(ms);
    vi.advanceTimersByTime(ms);
  };

  beforeEach(() => {
    vi.useFakeTimers();
    clock = new FakeClock(1_000_000);
    bus = make();
  });
  afterEach(async () => {
    await bus.close();
    vi.useRealTimers();
  });

  it('an expired stream is freed by the sweep, nobody reading it', async () => {
    await bus.publishSequenced('c', 'room:1:patient', 'x'.repeat(300));
    await bus.publishSequenced('c', 'room:1:patient', 'y'.repeat(200));
    await bus.publishSequenced('c', 'room:1:doctor', 'z'.repeat(100));
    expect(bus.usage()).toMatchObject({ streams: 2, bytes: 600 });
    elapse(TTL_MS - SWEEP_MS);
    await bus.publishSequenced('c', 'room:1:doctor', 'z'.repeat(100));
    elapse(2 * SWEEP_MS);
    // Only the stream nobody wrote to within the TTL is gone.
    expect(bus.usage()).toMatchObject({ streams: 1, bytes: 200 });
    elapse(TTL_MS);
    expect(bus.usage()).toMatchObject({ streams: 0, bytes: 0 });
    // Their counters go with presence, a day later.
    expect(bus.usage().counters).toBe(2);
    elapse(STATE_TTL_MS);
    expect(bus.usage().counters).toBe(0);
  });

  it('counts bytes out as they are trimmed or bounded, not only in', async () => {
    for (let i = 0; i < 12; i++) await bus.publishSequenced('c', 's', 'x'.repeat(100));
    // Bounded at maxBytes (1000): ten entries of 100.
    expect(bus.usage().bytes).toBe(1_000);
    await bus.trimStream('s', 10);
    expect(bus.usage().bytes).toBe(200);
    await bus.trimStream('s', 12);
    expect(bus.usage()).toMatchObject({ streams: 0, counters: 1, bytes: 0 });
  });

  it('flags past their time and presence maps not written for STATE_TTL_MS are swept', async () => {
    await bus.setFlag('abuse:u1', 5_000);
    await bus.setFlag('abuse:u2', STATE_TTL_MS * 2);
    await bus.claim('presence:stale', 'doctor', 'c1|x');
    await bus.claim('presence:live', 'doctor', 'c2|x');
    elapse(10_000);
    expect(bus.usage()).toMatchObject({ flags: 1, maps: 2 });
    elapse(STATE_TTL_MS - 20_000);
    expect(await bus.refresh('presence:live', 'doctor', 'c2|', 'c2|beat')).toBe(true);
    elapse(20_000);
    expect(bus.usage()).toMatchObject({ flags: 1, maps: 1 });
    expect(await bus.members('presence:live')).toEqual({ doctor: 'c2|beat' });
    elapse(STATE_TTL_MS);
    expect(bus.usage()).toMatchObject({ flags: 0, maps: 0 });
  });

  it('over its total cap, the least recently written streams give up their entries', async () => {
    await bus.close();
    bus = make(1_000);
    await bus.publishSequenced('c', 'a', 'a'.repeat(400));
    await bus.publishSequenced('c', 'b', 'b'.repeat(400));
    await bus.publishSequenced('c', 'a', 'a'.repeat(100));
    expect(bus.usage().bytes).toBe(900);
    await bus.publishSequenced('c', 'c', 'c'.repeat(300));
    // 1200 > 1000: `b` was written least recently (`a` since), so it is emptied.
    expect(bus.usage()).toMatchObject({ streams: 2, counters: 3, bytes: 800 });
    expect(await bus.readStream('b', 0)).toEqual({ head: 1, entries: [] });
    expect((await bus.readStream('a', 0)).entries.map((e) => e.seq)).toEqual([1, 2]);
    expect((await bus.readStream('c', 0)).entries.map((e) => e.seq)).toEqual([1]);
    // Its numbering goes on: live rooms must not see a sequence number again.
    expect(await bus.publishSequenced('c', 'b', 'b')).toBe(2);
  });

  it('close stops the sweep timer and may be called twice', async () => {
    expect(vi.getTimerCount()).toBe(1);
    await bus.close();
    await bus.close();
    expect(vi.getTimerCount()).toBe(0);
    await expect(bus.ping()).rejects.toThrow('bus closed');
  });
});
