import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { TokenBucket } from './token-bucket.js';

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
