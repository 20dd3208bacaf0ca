import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisUrl, serviceAvailable } from '../../../test/support/suites.js';
import type { Bus } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import { RedisBus } from './redis-bus.js';

interface BusCase {
  name: string;
  /** Two handles on one bus: two nodes for Redis, the same instance in memory; cleanup removes its keys. */
  make(errors: unknown[]): { a: Bus; b: Bus; cleanup?: () => Promise<void> };
}

const cases: BusCase[] = [
  {
    name: 'memory',
    make: (errors) => {
      const bus = new MemoryBus((e) => errors.push(e), { maxEntries: 5, ttlMs: 60_000 });
      return { a: bus, b: bus };
    },
  },
];
if (serviceAvailable('redis')) {
  const url = redisUrl() as string;
  cases.push({
    name: 'redis',
    make: (errors) => {
      const prefix = `carecall-test-${randomBytes(4).toString('hex')}:`;
      return {
        a: new RedisBus(url, (e) => errors.push(e), prefix, { maxEntries: 5, ttlMs: 60_000 }),
        b: new RedisBus(url, (e) => errors.push(e), prefix, { maxEntries: 5, ttlMs: 60_000 }),
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
