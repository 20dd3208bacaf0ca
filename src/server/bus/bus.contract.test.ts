import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisUrl, serviceAvailable } from '../../../test/support/suites.js';
import type { Bus } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import { RedisBus } from './redis-bus.js';

interface BusCase {
  name: string;
  /** Two handles on one bus: two nodes for Redis, the same instance in memory. */
  make(errors: unknown[]): { a: Bus; b: Bus };
}

const cases: BusCase[] = [
  {
    name: 'memory',
    make: (errors) => {
      const bus = new MemoryBus((e) => errors.push(e));
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
        a: new RedisBus(url, (e) => errors.push(e), prefix),
        b: new RedisBus(url, (e) => errors.push(e), prefix),
      };
    },
  });
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe.each(cases)('bus contract: $name', ({ make }) => {
  let a: Bus;
  let b: Bus;
  let errors: unknown[];

  beforeEach(() => {
    errors = [];
    ({ a, b } = make(errors));
  });
  afterEach(async () => {
    await a.close();
    await b.close();
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
});
