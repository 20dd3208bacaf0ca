import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/clock.js';
import { TokenBucket } from './token-bucket.js';
import { corkPerTurn } from './ws-transport.js';

describe('token bucket', () => {
  it('allows a burst up to capacity, then refills at the rate', () => {
    const clock = new FakeClock(0);
    const b = new TokenBucket(100, 30, clock);
    let passed = 0;
    for (let i = 0; i < 150; i++) if (b.take()) passed++;
    expect(passed).toBe(100);
    clock.advance(1000);
    passed = 0;
    for (let i = 0; i < 100; i++) if (b.take()) passed++;
    expect(passed).toBe(30);
    clock.advance(60_000);
    passed = 0;
    for (let i = 0; i < 200; i++) if (b.take()) passed++;
    expect(passed).toBe(100);
  });
});

describe('corkPerTurn', () => {
  it('corks a connection once for what a turn of the event loop sends, and uncorks it after the turn', async () => {
    const calls: string[] = [];
    const tcp = { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') } as unknown as Socket;
    const beforeSend = corkPerTurn(tcp);
    await Promise.resolve().then(() => {
      beforeSend();
      calls.push('send');
      beforeSend();
      calls.push('send');
    });
    // A promise job of the same turn still goes into the same write.
    await Promise.resolve().then(() => {
      beforeSend();
      calls.push('send');
    });
    expect(calls).toEqual(['cork', 'send', 'send', 'send']);
    await new Promise((r) => setImmediate(r));
    beforeSend();
    calls.push('send');
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['cork', 'send', 'send', 'send', 'uncork', 'cork', 'send', 'uncork']);
  });
});
