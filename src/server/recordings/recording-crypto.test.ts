import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  gcmDecrypt,
  gcmEncrypt,
  loadRecordingsKey,
  newWrappedDataKey,
  parseRecordingsKey,
  recordingKeys,
  unwrapDataKey,
  wrapDataKey,
} from './recording-crypto.js';

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

describe('parseRecordingsKey', () => {
  it('takes 32 bytes as hex, base64 and base64url, with surrounding whitespace', () => {
    const tricky = Buffer.alloc(32, 0xfb); // base64 "+/" and base64url "-_" differ for these bytes
    expect(parseRecordingsKey(`  ${KEY.toString('hex')}\n`)).toEqual(KEY);
    expect(parseRecordingsKey(KEY.toString('hex').toUpperCase())).toEqual(KEY);
    expect(parseRecordingsKey(tricky.toString('base64'))).toEqual(tricky);
    expect(parseRecordingsKey(`${tricky.toString('base64url')}\n`)).toEqual(tricky);
    expect(tricky.toString('base64')).not.toBe(tricky.toString('base64url'));
  });

  it.each([
    ['too short hex', KEY.subarray(0, 31).toString('hex')],
    ['too long hex', `${KEY.toString('hex')}00`],
    ['31 bytes base64', KEY.subarray(0, 31).toString('base64')],
    ['33 bytes base64', Buffer.concat([KEY, Buffer.of(1)]).toString('base64')],
    ['mixed alphabets', `${KEY.toString('base64').slice(0, 40)}-+/=`],
    ['a passphrase', 'correct horse battery staple'],
    ['empty', '   '],
  ])('refuses %s, without repeating the text', (_, text) => {
    let message = '';
    try {
      parseRecordingsKey(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/RECORDINGS_KEY must be 32 bytes/);
    if (text.trim().length >= 4) expect(message).not.toContain(text.trim().slice(0, 8));
  });
});

describe('loadRecordingsKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'carecall-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the key file (which wins over the variable) and flags a file others can read', () => {
    const file = join(dir, 'key');
    writeFileSync(file, `${KEY.toString('base64')}\n`);
    chmodSync(file, 0o600);
    expect(loadRecordingsKey({ keyFile: file, key: 'ignored' })).toEqual({
      key: KEY,
      fileReadableByOthers: false,
    });
    chmodSync(file, 0o640);
    expect(loadRecordingsKey({ keyFile: file })?.fileReadableByOthers).toBe(true);
    chmodSync(file, 0o604);
    expect(loadRecordingsKey({ keyFile: file })?.fileReadableByOthers).toBe(true);
  });

  it('takes the variable, returns null when neither is set, and names the file problem without the key', () => {
    expect(loadRecordingsKey({ key: KEY.toString('hex') })?.key).toEqual(KEY);
    expect(loadRecordingsKey({})).toBeNull();
    expect(() => loadRecordingsKey({ keyFile: join(dir, 'absent') })).toThrow(/cannot be read \(ENOENT\)/);
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'not-a-key-at-all');
    expect(() => loadRecordingsKey({ keyFile: bad })).toThrow(/^RECORDINGS_KEY_FILE: RECORDINGS_KEY must be/);
  });
});

describe('data keys', () => {
  it('wrap and unwrap under the operator key, each wrap different', () => {
    const dataKey = Buffer.alloc(32, 7);
    const a = wrapDataKey(KEY, dataKey);
    const b = wrapDataKey(KEY, dataKey);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(1 + 12 + 16 + 32);
    expect(unwrapDataKey(KEY, a)).toEqual(dataKey);
    expect(unwrapDataKey(KEY, b)).toEqual(dataKey);
  });

  it('a wrong operator key, or an altered wrapped key, fails with a clear error', () => {
    const wrapped = newWrappedDataKey(KEY);
    const other = Buffer.alloc(32, 1);
    expect(() => unwrapDataKey(other, wrapped)).toThrow(/RECORDINGS_KEY is not the key it was made with/);
    const bytes = Buffer.from(wrapped, 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    expect(() => unwrapDataKey(KEY, bytes.toString('base64url'))).toThrow(/cannot be unwrapped/);
    expect(() => unwrapDataKey(KEY, 'AAAA')).toThrow(/malformed/);
  });

  it('derives distinct subkeys, and GCM refuses a changed byte or another AAD', () => {
    const keys = recordingKeys(Buffer.alloc(32, 9));
    expect(new Set([keys.chunks, keys.blocks, keys.mac].map((k) => k.toString('hex'))).size).toBe(3);
    const nonce = Buffer.alloc(12, 3);
    const sealed = gcmEncrypt(keys.chunks, nonce, Buffer.from('a'), Buffer.from('hello'));
    expect(gcmDecrypt(keys.chunks, nonce, Buffer.from('a'), sealed).toString()).toBe('hello');
    expect(() => gcmDecrypt(keys.chunks, nonce, Buffer.from('b'), sealed)).toThrow();
    const changed = Buffer.from(sealed);
    changed[0] = (changed[0] ?? 0) ^ 0x80;
    expect(() => gcmDecrypt(keys.chunks, nonce, Buffer.from('a'), changed)).toThrow();
  });
});
