import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisUrl, serviceAvailable } from '../../../test/support/suites.js';
import { type Bus, STATE_TTL_MS, type StreamLimits } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import { RedisBus } from './redis-bus.js';

interface BusCase {
  name: string;
  /** Two handles on one bus: two nodes for Redis, the same instance in memory; cleanup removes its keys. */
  make(errors: unknown[], streamLimits?: StreamLimits): { a: Bus; b: Bus; cleanup?: () => Promise<void> };
}

const defaultLimits: StreamLimits = { maxEntries: 5, maxBytes: 100, ttlMs: 60_000 };

const cases: BusCase[] = [
  {
    name: 'memory',
    make: (errors, limits = defaultLimits) => {
      const bus = new MemoryBus((e) => errors.push(e), limits);
      return { a: bus, b: bus };
    },
  },
];
if (serviceAvailable('redis')) {
  const url = redisUrl() as string;
  cases.push({
    name: 'redis',
    make: (errors, limits = defaultLimits) => {
      const prefix = `carecall-test-${randomBytes(4).toString('hex')}:`;
      return {
        a: new RedisBus(url, (e) => errors.push(e), prefix, limits),
        b: new RedisBus(url, (e) => errors.push(e), prefix, limits),
        cleanup: async () => {
          const redis = new Redis(url);
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length > 0) await redis.del(...keys);
          await redis.quit();
        },
      };
    },
  });
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe.each(cases)('bus contract: $name', ({ make }) => {
  let a: Bus;
  let b: Bus;
  let errors: unknown[];
  let cleanup: (() => Promise<void>) | undefined;

  beforeEach(() => {
    errors = [];
    ({ a, b, cleanup } = make(errors));
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await cleanup?.();
  });

  it('delivers in order to every subscriber of a channel, across handles', async () => {
    const got1: string[] = [];
    const got2: string[] = [];
    await b.subscribe('room:1', (p) => got1.push(p));
    await a.subscribe('room:1', (p) => got2.push(p));
    for (let i = 0; i < 100; i++) await a.publish('room:1', `m${i}`);
    await settle();
    const expected = Array.from({ length: 100 }, (_, i) => `m${i}`);
    expect(got1).toEqual(expected);
    expect(got2).toEqual(expected);
  });

  it('keeps channels apart', async () => {
    const got: string[] = [];
    await b.subscribe('room:1', (p) => got.push(p));
    await a.publish('room:2', 'other');
    await a.publish('room:1', 'mine');
    await settle();
    expect(got).toEqual(['mine']);
  });

  it('stops delivering after unsubscribe, to that handler only', async () => {
    const got1: string[] = [];
    const got2: string[] = [];
    const off = await b.subscribe('c', (p) => got1.push(p));
    await b.subscribe('c', (p) => got2.push(p));
    await a.publish('c', 'one');
    await settle();
    await off();
    await off();
    await a.publish('c', 'two');
    await settle();
    expect(got1).toEqual(['one']);
    expect(got2).toEqual(['one', 'two']);
  });

  it('a throwing handler neither breaks the bus nor other handlers', async () => {
    const got: string[] = [];
    await b.subscribe('c', () => {
      throw new Error('listener bug');
    });
    await b.subscribe('c', (p) => got.push(p));
    await a.publish('c', 'x');
    await a.publish('c', 'y');
    await settle();
    expect(got).toEqual(['x', 'y']);
    expect(errors).toHaveLength(2);
  });

  it('carries payloads with newlines and unicode unchanged', async () => {
    const got: string[] = [];
    await b.subscribe('c', (p) => got.push(p));
    const payload = 'all|\n{"body":"Grüße 👋\\n"}';
    await a.publish('c', payload);
    await settle();
    expect(got).toEqual([payload]);
  });

  it('ping answers while open; close is idempotent', async () => {
    await a.ping();
    await a.close();
    await a.close();
  });

  it('S17 sequenced publishes number each stream from 1 and reach subscribers with their seq, in order', async () => {
    const got: Array<[string, number | undefined]> = [];
    await b.subscribe('room:1', (p, seq) => got.push([p, seq]));
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) seqs.push(await a.publishSequenced('room:1', 'room:1:doctor', `d${i}`));
    seqs.push(await a.publishSequenced('room:1', 'room:1:patient', 'p0'));
    await a.publish('room:1', 'plain');
    await settle();
    expect(seqs).toEqual([1, 2, 3, 1]);
    expect(got).toEqual([
      ['d0', 1],
      ['d1', 2],
      ['d2', 3],
      ['p0', 1],
      ['plain', undefined],
    ]);
  });

  it('S17 a stream keeps its last entries, reads after a seq, and forgets what was acknowledged', async () => {
    for (let i = 1; i <= 7; i++) await a.publishSequenced('c', 's', `m${i}`);
    const all = await b.readStream('s', 0);
    expect(all.head).toBe(7);
    // Bounded at maxEntries (5): the two oldest are gone.
    expect(all.entries.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7]);
    expect((await b.readStream('s', 5)).entries).toEqual([
      { seq: 6, payload: 'm6' },
      { seq: 7, payload: 'm7' },
    ]);
    await b.trimStream('s', 4);
    expect((await a.readStream('s', 0)).entries.map((e) => e.seq)).toEqual([5, 6, 7]);
    await b.trimStream('s', 99);
    expect(await a.readStream('s', 0)).toEqual({ head: 7, entries: [] });
    expect(await a.readStream('never-written', 0)).toEqual({ head: 0, entries: [] });
  });

  it('S17 a stream over its byte bound keeps only the newest entries that fit, the newest always', async () => {
    const sized = (tag: string, n: number) => tag.padEnd(n, '.');
    for (let i = 1; i <= 3; i++) await a.publishSequenced('c', 's', sized(`m${i}`, 40));
    // 120 bytes over a bound of 100: the oldest went, head still counts every publish.
    let read = await b.readStream('s', 0);
    expect(read.head).toBe(3);
    expect(read.entries.map((e) => e.seq)).toEqual([2, 3]);
    // As the hub judges a resume (entries === head - lastSeq): from seq 1 it can, from 0 it cannot.
    expect((await b.readStream('s', 1)).entries).toHaveLength(read.head - 1);
    expect(read.entries).not.toHaveLength(read.head);

    await a.publishSequenced('c', 's', sized('big', 150));
    read = await b.readStream('s', 0);
    expect(read.head).toBe(4);
    expect(read.entries).toEqual([{ seq: 4, payload: sized('big', 150) }]);

    // Trimming gives its bytes back: two entries of 40 fit again after the stream was emptied.
    await b.trimStream('s', 4);
    for (let i = 5; i <= 6; i++) await a.publishSequenced('c', 's', sized(`m${i}`, 40));
    expect((await b.readStream('s', 4)).entries.map((e) => e.seq)).toEqual([5, 6]);
    await b.trimStream('s', 5);
    await a.publishSequenced('c', 's', sized('m7', 40));
    await a.publishSequenced('c', 's', sized('m8', 20));
    // 40 + 40 + 20 = 100: at the bound, not over it.
    expect((await b.readStream('s', 0)).entries.map((e) => e.seq)).toEqual([6, 7, 8]);
  });

  it('S17 publishes issued one after another without waiting take effect in that order', async () => {
    const got: Array<[string, number | undefined]> = [];
    await b.subscribe('room:1', (p, seq) => got.push([p, seq]));
    // As the hub relays a burst of ICE candidates: each publish issued before the previous one settled.
    const seqs = await Promise.all(
      Array.from({ length: 30 }, (_, i) => a.publishSequenced('room:1', 'room:1:patient', `c${i}`)),
    );
    await settle();
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => [`c${i}`, i + 1]));
    expect((await b.readStream('room:1:patient', 0)).entries.map((e) => e.payload)).toEqual([
      'c25',
      'c26',
      'c27',
      'c28',
      'c29',
    ]);
  });

  it('S17 concurrent sequenced publishes from two handles get distinct, gap-free numbers', async () => {
    const seqs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).publishSequenced('c', 'race', `m${i}`)),
    );
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('S17 a stream quiet past the resume window loses its entries but numbers on', async () => {
    const short = make(errors, { maxEntries: 5, maxBytes: 100, ttlMs: 100 });
    try {
      expect(await short.a.publishSequenced('room:1', 'room:1:doctor', 'a')).toBe(1);
      expect(await short.a.publishSequenced('room:1', 'room:1:doctor', 'b')).toBe(2);
      await new Promise((r) => setTimeout(r, 300));
      expect(await short.b.readStream('room:1:doctor', 0)).toEqual({ head: 2, entries: [] });
      // A message after a long quiet spell must not be numbered as one already delivered.
      expect(await short.a.publishSequenced('room:1', 'room:1:doctor', 'c')).toBe(3);
      expect(await short.b.readStream('room:1:doctor', 2)).toEqual({
        head: 3,
        entries: [{ seq: 3, payload: 'c' }],
      });
    } finally {
      await short.a.close();
      await short.b.close();
      await short.cleanup?.();
    }
  });

  it('S21 claim returns what the field held and the whole map, atomically', async () => {
    const first = await a.claim('presence:r', 'doctor', 'c1|x');
    expect(first).toEqual({ previous: null, all: { doctor: 'c1|x' } });
    await b.claim('presence:r', 'patient', 'c2|y');
    const again = await b.claim('presence:r', 'doctor', 'c3|z');
    expect(again).toEqual({ previous: 'c1|x', all: { doctor: 'c3|z', patient: 'c2|y' } });
  });

  it('S21 refresh and release act only for the owner that still holds the field', async () => {
    await a.claim('presence:r', 'doctor', 'c1|old');
    await b.claim('presence:r', 'doctor', 'c2|new');
    expect(await a.refresh('presence:r', 'doctor', 'c1|', 'c1|again')).toBe(false);
    expect(await a.release('presence:r', 'doctor', 'c1|')).toBe(false);
    expect(await b.members('presence:r')).toEqual({ doctor: 'c2|new' });
    expect(await b.refresh('presence:r', 'doctor', 'c2|', 'c2|beat')).toBe(true);
    expect(await a.members('presence:r')).toEqual({ doctor: 'c2|beat' });
    expect(await a.release('presence:r', 'doctor', 'c2|')).toBe(true);
    expect(await b.release('presence:r', 'doctor', 'c2|')).toBe(false);
    expect(await b.members('presence:r')).toEqual({});
  });

  it('S21 flags are shared and clear themselves', async () => {
    expect(await b.hasFlag('abuse:u1')).toBe(false);
    await a.setFlag('abuse:u1', 150);
    expect(await b.hasFlag('abuse:u1')).toBe(true);
    expect(await b.hasFlag('abuse:u2')).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect(await b.hasFlag('abuse:u1')).toBe(false);
  });
});

describe.runIf(cases.some((c) => c.name === 'redis'))('RedisBus stream keys', () => {
  it('every key a stream leaves behind expires, its byte count included', async () => {
    const url = redisUrl() as string;
    const prefix = `carecall-test-${randomBytes(4).toString('hex')}:`;
    const bus = new RedisBus(url, () => {}, prefix, { maxEntries: 5, maxBytes: 100, ttlMs: 60_000 });
    const redis = new Redis(url);
    try {
      for (let i = 1; i <= 4; i++) await bus.publishSequenced('c', 's', 'x'.repeat(40));
      expect(await redis.get(`${prefix}stream:s:bytes`)).toBe('80');
      await bus.trimStream('s', 3);
      expect(await redis.get(`${prefix}stream:s:bytes`)).toBe('40');
      const keys = (await redis.keys(`${prefix}*`)).sort();
      expect(keys).toEqual([`${prefix}stream:s`, `${prefix}stream:s:bytes`, `${prefix}stream:s:seq`]);
      for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
      await bus.trimStream('s', 4);
      expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}stream:s:seq`]);
      // The counter outlives the entries (a quiet room numbers on) but still expires.
      const counterTtl = await redis.pttl(`${prefix}stream:s:seq`);
      expect(counterTtl).toBeGreaterThan(60_000);
      expect(counterTtl).toBeLessThanOrEqual(STATE_TTL_MS);
    } finally {
      await bus.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });
});
