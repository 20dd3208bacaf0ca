import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { TokenBucket } from './token-bucket.js';
import { corkPerTurn } from './ws-transport.js';

describe('token bucket', () => {
  it('allows a burst up to capacity, then refills at the rate', () => {
    let now = 0;
    const b = new TokenBucket(100, 30, { now: () => now });
    let passed = 0;
    for (let i = 0; i < 150; i++) if (b.take()) passed++;
    expect(passed).toBe(100);
    now += 1000;
    passed = 0;
    for (let i = 0; i < 100; i++) if (b.take()) passed++;
    expect(passed).toBe(30);
    now += 60_000;
    passed = 0;
    for (let i = 0; i < 200; i++) if (b.take()) passed++;
    expect(passed).toBe(100);
  });
});

describe('bus envelope', () => {
  it('round-trips audience, sender and payload, including newlines and bars in the JSON', () => {
    const env = {
      audience: 'patient' as const,
      except: 'conn-1',
      json: JSON.stringify({ type: 'chat', body: 'a|b\nc' }),
    };
    expect(decodeEnvelope(encodeEnvelope(env))).toEqual(env);
  });

  it('rejects malformed payloads', () => {
    expect(decodeEnvelope('garbage')).toBeNull();
    expect(decodeEnvelope('nobody|x\n{}')).toBeNull();
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
