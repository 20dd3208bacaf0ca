import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('scrypt hashes verify, never contain the password, and are salted', async () => {
    const h1 = await hashPassword('s3cret-pass');
    const h2 = await hashPassword('s3cret-pass');
    expect(h1).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(h1).not.toContain('s3cret-pass');
    expect(h1).not.toBe(h2);
    expect(await verifyPassword('s3cret-pass', h1)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', h1)).toBe(false);
  });

  it('a malformed stored hash never verifies', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1$2$3')).toBe(false);
  });
});
