import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { BLOCK_SIZE, FileRecordingVault, type VaultFileSystem } from './file-vault.js';
import type { RecordingRef } from './vault.js';
import { patchWebmDuration } from './webm-duration.js';

const FIXTURE = readFileSync(new URL('./fixtures/mediarecorder-vp8-opus.webm', import.meta.url));
const FIXTURE_PARTS = [17653, 34393, 35471];
const KEY = randomBytes(32);
const root = mkdtempSync(join(tmpdir(), 'carecall-vault-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let dir = '';
let n = 0;
beforeEach(() => {
  dir = join(root, `case-${++n}`);
});

function vaultAt(at: string, options: { key?: Buffer; max?: number; fs?: VaultFileSystem } = {}) {
  return new FileRecordingVault({
    dir: at,
    operatorKey: options.key ?? KEY,
    maxBytesPerRecording: options.max ?? 1024 ** 3,
    ...(options.fs ? { fs: options.fs } : {}),
  });
}

function newRef(vault: FileRecordingVault, recordingId = `rec-${n}`): RecordingRef {
  return { recordingId, wrappedKey: vault.newKey() };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** What a stream gave before it failed, and how it failed. */
async function readUntilError(stream: Readable): Promise<{ got: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of stream) parts.push(part as Buffer);
  } catch (error) {
    return { got: Buffer.concat(parts), error };
  }
  return { got: Buffer.concat(parts), error: null };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${(error as Error).message}`;
  }
  return 'resolved';
}

function put(vault: FileRecordingVault, ref: RecordingRef, segment: number, seq: number, data: Buffer) {
  return vault.putChunk(ref, segment, seq, data, sha(data));
}

/** A deterministic generator, so a failing range can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (limit: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % limit;
  };
}

function filesUnder(at: string): string[] {
  return readdirSync(at, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** No raw file holds the WebM magic nor any 32-byte window of the plaintext. */
function expectNoPlaintext(at: string, plaintext: Buffer) {
  const files = filesUnder(at);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const raw = readFileSync(file);
    expect(raw.includes(Buffer.from('1a45dfa3', 'hex')), file).toBe(false);
    for (let at = 0; at + 32 <= plaintext.length; at += 997) {
      expect(raw.includes(plaintext.subarray(at, at + 32)), `${file} window ${at}`).toBe(false);
    }
  }
}

describe('FileRecordingVault', () => {
  it('chunks → seal → read: the whole file and random ranges, byte for byte', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    // Sizes that put chunk and block edges in awkward places; the file ends in a partial block.
    const sizes = [BLOCK_SIZE - 1, 1, BLOCK_SIZE, 100_000, 7, 3 * BLOCK_SIZE + 5, 20_000];
    const chunks = sizes.map((size) => randomBytes(size));
    const plaintext = Buffer.concat(chunks);
    let running = 0;
    for (const [seq, chunk] of chunks.entries()) {
      running += chunk.length;
      expect(await put(vault, ref, 0, seq, chunk)).toEqual({ stored: true, recordingBytes: running });
    }
    expect(await vault.segments(ref.recordingId)).toEqual([
      { segment: 0, chunks: [0, 1, 2, 3, 4, 5, 6], bytes: plaintext.length, sealed: false },
    ]);
    expectNoPlaintext(dir, plaintext);
    // Nor the chunks' checksums: the index keeps only an HMAC of each.
    const index = readFileSync(join(dir, ref.recordingId, '0.idx'));
    expect(index.length).toBe(7 * 64);
    for (const chunk of chunks) expect(index.includes(Buffer.from(sha(chunk), 'hex'))).toBe(false);

    const sealed = await vault.seal(ref, 0);
    expect(sealed).toEqual({
      segment: 0,
      bytes: plaintext.length,
      sha256: sha(plaintext),
      durationMs: 0,
      missingChunks: 0,
    });
    expect(readdirSync(join(dir, ref.recordingId))).toEqual(['0.webm.enc']);
    expect(await vault.segments(ref.recordingId)).toEqual([
      { segment: 0, chunks: [0, 1, 2, 3, 4, 5, 6], bytes: plaintext.length, sealed: true },
    ]);
    expectNoPlaintext(dir, plaintext);

    const last = plaintext.length - 1;
    const lastBlockStart = Math.floor(last / BLOCK_SIZE) * BLOCK_SIZE;
    const ranges: Array<[number, number]> = [
      [0, last],
      [0, 0],
      [last, last],
      [BLOCK_SIZE - 1, BLOCK_SIZE],
      [BLOCK_SIZE, 2 * BLOCK_SIZE - 1],
      [BLOCK_SIZE - 10, 3 * BLOCK_SIZE + 10],
      [lastBlockStart, last],
      [lastBlockStart - 1, last - 1],
    ];
    const random = prng(42);
    for (let i = 0; i < 60; i++) {
      const a = random(plaintext.length);
      const b = random(plaintext.length);
      ranges.push([Math.min(a, b), Math.max(a, b)]);
    }
    for (const [start, end] of ranges) {
      const got = await readAll(vault.read(ref, 0, start, end));
      expect(got.equals(plaintext.subarray(start, end + 1)), `range ${start}-${end}`).toBe(true);
    }
  });

  it('a MediaRecorder WebM comes out with its duration, stays encrypted, and is no WebM on disk', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    let at = 0;
    for (const [seq, size] of FIXTURE_PARTS.entries()) {
      await put(vault, ref, 0, seq, FIXTURE.subarray(at, at + size));
      at += size;
    }
    expectNoPlaintext(dir, FIXTURE);
    const expected = patchWebmDuration(FIXTURE);
    const sealed = await vault.seal(ref, 0);
    expect(sealed).toEqual({
      segment: 0,
      bytes: FIXTURE.length + 11,
      sha256: sha(expected.patched),
      durationMs: Math.round(expected.scan.durationMs),
      missingChunks: 0,
    });
    expect(sealed.durationMs).toBeGreaterThan(2500);
    const played = await readAll(vault.read(ref, 0, 0, sealed.bytes - 1));
    expect(played.equals(expected.patched)).toBe(true);
    expectNoPlaintext(dir, FIXTURE);

    const ffprobe = spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;
    if (ffprobe) {
      const enc = join(dir, ref.recordingId, '0.webm.enc');
      const onDisk = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', enc], {
        encoding: 'utf8',
      });
      expect(onDisk.status).not.toBe(0);
      const out = join(dir, 'played.webm');
      writeFileSync(out, played);
      const duration = execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', out],
        {
          encoding: 'utf8',
        },
      );
      expect(Math.abs(Number(duration) - 3)).toBeLessThan(0.3);
    }
  });

  it('a recorder killed mid-chunk: the file stops at its last whole element and decodes without error', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    // Two thirds of the file, cut at a byte that is very unlikely to end an element.
    const cutAt = Math.floor((FIXTURE.length * 2) / 3) + 7;
    const cut = FIXTURE.subarray(0, cutAt);
    await put(vault, ref, 0, 0, cut.subarray(0, 20_000));
    await put(vault, ref, 0, 1, cut.subarray(20_000));
    const sealed = await vault.seal(ref, 0);
    const whole = patchWebmDuration(cut);
    expect(whole.scan.wholeBytes).toBeLessThan(cutAt);
    expect(whole.scan.wholeBytes).toBeGreaterThan(cutAt - 70_000);
    expect(sealed.bytes).toBe(whole.scan.wholeBytes + 11);
    const played = await readAll(vault.read(ref, 0, 0, sealed.bytes - 1));
    if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0) {
      const out = join(dir, 'cut.webm');
      writeFileSync(out, played);
      const decode = spawnSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-'], { encoding: 'utf8' });
      expect(decode.status).toBe(0);
      expect(decode.stderr.trim(), 'ffmpeg reads the cut file to its end without an error').toBe('');
      // The same bytes without the cut-back: ffmpeg says the file ends inside an element.
      const raw = join(dir, 'raw.webm');
      writeFileSync(raw, cut);
      const rawDecode = spawnSync('ffmpeg', ['-v', 'error', '-i', raw, '-f', 'null', '-'], {
        encoding: 'utf8',
      });
      expect(rawDecode.stderr).toMatch(/ended prematurely|Invalid|truncat|EBML/i);
    }
  });

  it('seal is idempotent, in this process and the next; a sealed segment takes no chunks', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    await put(vault, ref, 2, 0, randomBytes(1000));
    const first = await vault.seal(ref, 2);
    expect(await vault.seal(ref, 2)).toEqual(first);
    expect(await vaultAt(dir).seal(ref, 2)).toEqual(first);
    expect(await codeOf(put(vault, ref, 2, 1, randomBytes(10)))).toBe('recording_not_active');
    // Another segment of the same recording goes on.
    expect(await put(vault, ref, 3, 0, randomBytes(10))).toEqual({ stored: true, recordingBytes: 1010 });
  });

  it('a segment with no chunk seals as an empty file', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    expect(await vault.seal(ref, 0)).toEqual({
      segment: 0,
      bytes: 0,
      sha256: sha(Buffer.alloc(0)),
      durationMs: 0,
      missingChunks: 0,
    });
    expect(await readUntilError(vault.read(ref, 0, 0, 0))).toMatchObject({
      error: { code: 'bad_request' },
    });
  });

  it('a gap ends the file: the chunks after it are left out and the missing ones counted', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    const chunks = [0, 1, 2, 3, 4, 5].map(() => randomBytes(5000));
    for (const seq of [0, 1, 4, 5, 3]) await put(vault, ref, 0, seq, chunks[seq] as Buffer);
    expect((await vault.segments(ref.recordingId))[0]?.chunks).toEqual([0, 1, 3, 4, 5]);
    const sealed = await vault.seal(ref, 0);
    expect(sealed).toMatchObject({ bytes: 10_000, missingChunks: 1 });
    expect((await vault.segments(ref.recordingId))[0]).toMatchObject({ chunks: [0, 1], sealed: true });
    const whole = await readAll(vault.read(ref, 0, 0, 9999));
    expect(whole.equals(Buffer.concat(chunks.slice(0, 2)))).toBe(true);
  });

  it('a changed byte in a block, the header or the log makes reading fail, never return other bytes', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    const plaintext = randomBytes(3 * BLOCK_SIZE + 100);
    await put(vault, ref, 0, 0, plaintext);
    await vault.seal(ref, 0);
    const enc = join(dir, ref.recordingId, '0.webm.enc');
    const original = readFileSync(enc);
    const header = 96;
    const block1 = header + (BLOCK_SIZE + 16);
    const damaged = Buffer.from(original);
    damaged[block1 + 1234] = (damaged[block1 + 1234] ?? 0) ^ 0x01;
    writeFileSync(enc, damaged);
    const whole = await readUntilError(vault.read(ref, 0, 0, plaintext.length - 1));
    expect(String(whole.error)).toMatch(/block 1 .* failed authentication/);
    expect(whole.got.length).toBe(BLOCK_SIZE);
    expect(whole.got.equals(plaintext.subarray(0, BLOCK_SIZE))).toBe(true);
    expect((await readUntilError(vault.read(ref, 0, BLOCK_SIZE + 5, BLOCK_SIZE + 6))).error).toBeTruthy();
    // Blocks elsewhere still read.
    const tail = await readAll(vault.read(ref, 0, 2 * BLOCK_SIZE, plaintext.length - 1));
    expect(tail.equals(plaintext.subarray(2 * BLOCK_SIZE))).toBe(true);

    // The plaintext length in the header (an attacker shortening the file): refused.
    const shortened = Buffer.from(original);
    shortened[19] = (shortened[19] ?? 0) ^ 0x01;
    writeFileSync(enc, shortened);
    expect(String((await readUntilError(vault.read(ref, 0, 0, 10))).error)).toMatch(/header .* failed/);
    await expect(vault.seal(ref, 0)).rejects.toThrow(/header .* failed/);

    // A block moved to another place.
    const swapped = Buffer.from(original);
    original.copy(swapped, header, block1, block1 + BLOCK_SIZE + 16);
    writeFileSync(enc, swapped);
    expect((await readUntilError(vault.read(ref, 0, 0, 10))).error).toBeTruthy();

    const ref2 = newRef(vault, 'rec-log-damage');
    await put(vault, ref2, 0, 0, randomBytes(500));
    const log = join(dir, ref2.recordingId, '0.log');
    const bytes = readFileSync(log);
    bytes[20] = (bytes[20] ?? 0) ^ 0x10;
    writeFileSync(log, bytes);
    await expect(vault.seal(ref2, 0)).rejects.toThrow(/chunk 0 .* failed authentication/);
  });

  it('the wrong operator key unwraps nothing: no chunk stored, no seal, no read', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    await put(vault, ref, 0, 0, randomBytes(100));
    const other = vaultAt(dir, { key: randomBytes(32) });
    const wrongKey = /RECORDINGS_KEY is not the key it was made with/;
    await expect(put(other, ref, 0, 1, randomBytes(100))).rejects.toThrow(wrongKey);
    await expect(other.seal(ref, 0)).rejects.toThrow(wrongKey);
    await vault.seal(ref, 0);
    expect(() => other.read(ref, 0, 0, 10)).toThrow(wrongKey);
    // A data key of another recording does not open this one either.
    const stranger = { recordingId: ref.recordingId, wrappedKey: vault.newKey() };
    expect((await readUntilError(vault.read(stranger, 0, 0, 10))).error).toBeTruthy();
  });

  it('duplicates, conflicts, checksum mismatches and the size limit', async () => {
    const vault = vaultAt(dir, { max: 10_000 });
    const ref = newRef(vault);
    const a = randomBytes(4000);
    expect(await put(vault, ref, 0, 0, a)).toEqual({ stored: true, recordingBytes: 4000 });
    expect(await put(vault, ref, 0, 0, a)).toEqual({ stored: false, recordingBytes: 4000 });
    expect(await codeOf(put(vault, ref, 0, 0, randomBytes(4000)))).toBe('chunk_conflict');
    expect(await codeOf(vault.putChunk(ref, 0, 1, a, sha(randomBytes(4000))))).toBe(
      'chunk_checksum_mismatch',
    );
    expect(await codeOf(vault.putChunk(ref, 0, 1, a, sha(a).toUpperCase()))).toBe('chunk_checksum_mismatch');
    expect(await codeOf(vault.putChunk(ref, 0, 1, a, 'nope'))).toBe('chunk_checksum_mismatch');
    expect(await put(vault, ref, 1, 0, randomBytes(5000))).toEqual({ stored: true, recordingBytes: 9000 });
    expect(await codeOf(put(vault, ref, 0, 1, randomBytes(1001)))).toBe('recording_too_large');
    expect(await put(vault, ref, 0, 1, randomBytes(1000))).toEqual({ stored: true, recordingBytes: 10_000 });
    // A retry at the limit is still an answer, not a refusal.
    expect(await put(vault, ref, 0, 0, a)).toEqual({ stored: false, recordingBytes: 10_000 });
    expect(await codeOf(put(vault, ref, 1, 1, Buffer.of(1)))).toBe('recording_too_large');
    expect(await vault.segments(ref.recordingId)).toEqual([
      { segment: 0, chunks: [0, 1], bytes: 5000, sealed: false },
      { segment: 1, chunks: [0], bytes: 5000, sealed: false },
    ]);
    expect(await codeOf(put(vault, { ...ref, recordingId: '../escape' }, 0, 0, a))).toBe('bad_request');
    expect(await codeOf(put(vault, ref, -1, 0, a))).toBe('bad_request');
    expect(await codeOf(put(vault, ref, 0, 1.5, a))).toBe('bad_request');
  });

  it('a crash leaves garbage after the last record and a torn index entry: later chunks and seal are right', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    const chunks = [0, 1, 2, 3].map((i) => randomBytes(10_000 + i));
    await put(vault, ref, 0, 0, chunks[0] as Buffer);
    await put(vault, ref, 0, 1, chunks[1] as Buffer);
    appendFileSync(join(dir, ref.recordingId, '0.log'), randomBytes(50_000));
    appendFileSync(join(dir, ref.recordingId, '0.idx'), randomBytes(30));
    const restarted = vaultAt(dir);
    expect((await restarted.segments(ref.recordingId))[0]).toMatchObject({ chunks: [0, 1], bytes: 20_001 });
    await put(restarted, ref, 0, 2, chunks[2] as Buffer);
    await put(restarted, ref, 0, 3, chunks[3] as Buffer);
    // The garbage was cut off before the append, not left beyond the new records.
    const log = readFileSync(join(dir, ref.recordingId, '0.log'));
    expect(log.length).toBe(Buffer.concat(chunks).length + 4 * 28);
    // A whole-looking index entry of garbage after the good ones is refused by its check too.
    appendFileSync(join(dir, ref.recordingId, '0.idx'), randomBytes(64));
    const sealed = await vaultAt(dir).seal(ref, 0);
    const plaintext = Buffer.concat(chunks);
    expect(sealed).toMatchObject({ bytes: plaintext.length, sha256: sha(plaintext), missingChunks: 0 });
    expect((await readAll(restarted.read(ref, 0, 0, plaintext.length - 1))).equals(plaintext)).toBe(true);
  });

  it('parallel puts: different numbers all land, the same number is stored once', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    const chunks = Array.from({ length: 20 }, (_, i) => randomBytes(3000 + i));
    const order = [...chunks.keys()].sort(() => Math.random() - 0.5);
    const results = await Promise.all(order.map((seq) => put(vault, ref, 0, seq, chunks[seq] as Buffer)));
    expect(results.every((r) => r.stored)).toBe(true);
    expect(Math.max(...results.map((r) => r.recordingBytes))).toBe(Buffer.concat(chunks).length);

    const again = randomBytes(2000);
    const same = await Promise.all([1, 2, 3, 4, 5].map(() => put(vault, ref, 0, 20, again)));
    expect(same.filter((r) => r.stored)).toHaveLength(1);
    const rivals = await Promise.allSettled([
      put(vault, ref, 0, 21, randomBytes(10)),
      put(vault, ref, 0, 21, randomBytes(10)),
    ]);
    expect(rivals.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = rivals.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as AppError).code).toBe('chunk_conflict');

    const sealed = await vault.seal(ref, 0);
    expect(sealed.bytes).toBe(Buffer.concat(chunks).length + 2000 + 10);
    const head = await readAll(vault.read(ref, 0, 0, Buffer.concat(chunks).length - 1));
    expect(head.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('destroy removes every file; a second destroy and reading afterwards behave', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    await put(vault, ref, 0, 0, randomBytes(100));
    await vault.seal(ref, 0);
    await put(vault, ref, 1, 0, randomBytes(100));
    await vault.destroy(ref.recordingId);
    expect(existsSync(join(dir, ref.recordingId))).toBe(false);
    await vault.destroy(ref.recordingId);
    await vault.destroy('never-existed');
    expect(await vault.segments(ref.recordingId)).toEqual([]);
    expect(await readUntilError(vault.read(ref, 0, 0, 0))).toMatchObject({
      error: { code: 'recording_not_finished' },
    });
  });

  it('ranges are checked: malformed ones throw at once, ones past the end fail the stream', async () => {
    const vault = vaultAt(dir);
    const ref = newRef(vault);
    await put(vault, ref, 0, 0, randomBytes(100));
    expect(() => vault.read(ref, 0, 5, 4)).toThrow(AppError);
    expect(() => vault.read(ref, 0, -1, 4)).toThrow(AppError);
    expect(() => vault.read(ref, 0, 0, 1.5)).toThrow(AppError);
    expect((await readUntilError(vault.read(ref, 0, 0, 10))).error).toMatchObject({
      code: 'recording_not_finished',
    });
    await vault.seal(ref, 0);
    expect(await readUntilError(vault.read(ref, 0, 50, 100))).toMatchObject({
      got: Buffer.alloc(0),
      error: { code: 'bad_request' },
    });
    expect((await readAll(vault.read(ref, 0, 99, 99))).length).toBe(1);
  });
});

/** node:fs/promises, except that writes fail with ENOSPC while `full` is set (after writing half, once). */
function fillableFs() {
  const state = { full: false, partial: true, failures: 0 };
  const fs: VaultFileSystem = {
    ...fsp,
    open: (async (...args: Parameters<typeof fsp.open>) => {
      const handle = await fsp.open(...args);
      const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<{ bytesWritten: number }>;
      return new Proxy(handle, {
        get(target, prop, receiver) {
          if (prop !== 'write') {
            const value = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          }
          return async (buffer: Buffer, offset: number, length: number, position: number) => {
            if (!state.full) return write(buffer, offset, length, position);
            if (state.partial && length > 1) {
              state.partial = false;
              // A short write, as a filling disk gives: the next write then fails.
              return write(buffer, offset, Math.floor(length / 2), position);
            }
            state.failures++;
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          };
        },
      });
    }) as typeof fsp.open,
  };
  return { fs, state };
}

describe('FileRecordingVault on a full disk', () => {
  it('ENOSPC mid-chunk: storage_full, nothing half-written stays, the stored chunks still play', async () => {
    const { fs, state } = fillableFs();
    const vault = vaultAt(dir, { fs });
    const ref = newRef(vault);
    const chunks = [0, 1, 2].map(() => randomBytes(50_000));
    await put(vault, ref, 0, 0, chunks[0] as Buffer);
    state.full = true;
    expect(await codeOf(put(vault, ref, 0, 1, chunks[1] as Buffer))).toBe('storage_full');
    expect(state.failures).toBe(1);
    expect((await vault.segments(ref.recordingId))[0]).toMatchObject({ chunks: [0], bytes: 50_000 });
    // Cut back to the last good record, not left with half a chunk.
    expect(readFileSync(join(dir, ref.recordingId, '0.log')).length).toBe(50_000 + 28);
    expect(await codeOf(vault.seal(ref, 0))).toBe('storage_full');
    expect(readdirSync(join(dir, ref.recordingId)).sort()).toEqual(['0.idx', '0.log']);
    state.full = false;
    await put(vault, ref, 0, 1, chunks[1] as Buffer);
    await put(vault, ref, 0, 2, chunks[2] as Buffer);
    const sealed = await vault.seal(ref, 0);
    const plaintext = Buffer.concat(chunks);
    expect(sealed).toMatchObject({ bytes: plaintext.length, sha256: sha(plaintext) });
    expect((await readAll(vault.read(ref, 0, 0, plaintext.length - 1))).equals(plaintext)).toBe(true);
  });

  const root = process.platform === 'linux' && process.getuid?.() === 0;
  describe.skipIf(!root)('a real 2 MiB tmpfs (mounting one needs root on Linux)', () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'carecall-vault-tmpfs-'));
    let mounted = false;
    afterAll(() => {
      if (mounted) execFileSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    });

    it('fills up: storage_full, and once room is made the stored chunks seal and read back', async () => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
      mounted = true;
      // Most of the disk taken by something else, so the vault fills it after a few chunks.
      const filler = join(mountPoint, 'filler');
      writeFileSync(filler, Buffer.alloc(1024 * 1024));
      const vault = vaultAt(join(mountPoint, 'recordings'));
      const ref = newRef(vault);
      const stored: Buffer[] = [];
      let refusal = '';
      for (let seq = 0; seq < 20 && refusal === ''; seq++) {
        const chunk = randomBytes(200_000);
        try {
          await put(vault, ref, 0, seq, chunk);
          stored.push(chunk);
        } catch (error) {
          refusal = error instanceof AppError ? error.code : String(error);
        }
      }
      expect(refusal).toBe('storage_full');
      expect(stored.length).toBeGreaterThan(0);
      const segments = await vault.segments(ref.recordingId);
      expect(segments[0]?.chunks).toEqual(stored.map((_, i) => i));
      rmSync(filler);
      const plaintext = Buffer.concat(stored);
      expect(await vault.seal(ref, 0)).toMatchObject({ bytes: plaintext.length, sha256: sha(plaintext) });
      expect((await readAll(vault.read(ref, 0, 0, plaintext.length - 1))).equals(plaintext)).toBe(true);
    });
  });
});
