import { describe, expect, it } from 'vitest';
import { hashSecret, newId, newSecret } from './ids.js';

describe('ids', () => {
  it('newId is a UUIDv7 that sorts in creation order within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newId(1_800_000_000_000));
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('newSecret carries 256 bits and hashSecret is stable and one-way', () => {
    const s = newSecret();
    expect(Buffer.from(s, 'base64url')).toHaveLength(32);
    expect(hashSecret(s)).toBe(hashSecret(s));
    expect(hashSecret(s)).not.toContain(s);
    expect(newSecret()).not.toBe(s);
  });
});
