import { createHash, randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MAX_CHUNK_BYTES } from '../../protocol/recording.js';
import { AppError } from '../errors.js';
import {
  GCM,
  gcmDecrypt,
  gcmEncrypt,
  mac,
  newWrappedDataKey,
  type RecordingKeys,
  recordingKeys,
  sameBytes,
  unwrapDataKey,
} from './recording-crypto.js';
import type { RecordingRef, RecordingVault, SealedSegment, StoredSegment } from './vault.js';
import { durationEdits, EditStream, editsGrowth, WebmScanner } from './webm-duration.js';

/**
 * The vault on a local directory (docs/recordings.md, "On disk"):
 *
 *   RECORDINGS_DIR/<recordingId>/<segment>.log       encrypted chunk records, append-only while recording
 *   RECORDINGS_DIR/<recordingId>/<segment>.idx       one 64-byte entry per stored chunk (the log's truth)
 *   RECORDINGS_DIR/<recordingId>/<segment>.webm.enc  the sealed playable file, in encrypted 64 KiB blocks
 *
 * A chunk is durable once its log record and then its index entry are fsynced; bytes in the log past the
 * last indexed record (a crash, a full disk) are cut off before the next append. Writes to one recording
 * (chunks, seal, destroy) run one at a time in this process.
 */

/** The file system calls the vault makes: a test replaces them to fail a write. */
export type VaultFileSystem = Pick<
  typeof nodeFs,
  'open' | 'mkdir' | 'readdir' | 'rename' | 'rm' | 'readFile'
>;

export interface FileRecordingVaultOptions {
  /** RECORDINGS_DIR. */
  dir: string;
  /** The operator's key (RECORDINGS_KEY), 32 bytes. */
  operatorKey: Buffer;
  /** Plaintext bytes one recording may hold, all segments together. */
  maxBytesPerRecording: number;
  fs?: VaultFileSystem;
}

export const BLOCK_SIZE = 64 * 1024;
const INDEX_ENTRY = 64;
const INDEX_CHECKED = 56;
const HEADER_BYTES = 96;
const HEADER_MACED = 80;
const MAGIC = Buffer.from('CCREC1');
const FORMAT_VERSION = 1;
const RECORD_OVERHEAD = GCM.NONCE_BYTES + GCM.TAG_BYTES;
const WRITE_BATCH = 1024 * 1024;
const MAX_U32 = 0xffff_ffff;

const CHUNK_AAD = Buffer.from('carecall-recording-chunk-v1\0');
const BLOCK_AAD = Buffer.from('carecall-recording-block-v1\0');
const HEADER_AAD = Buffer.from('carecall-recording-header-v1\0');
const INDEX_AAD = Buffer.from('carecall-recording-index-v1\0');

interface IndexEntry {
  seq: number;
  plainLength: number;
  offset: number;
  cipherLength: number;
  /** HMAC of the chunk's SHA-256 (the index never holds a plaintext checksum). */
  checksumTag: Buffer;
}

interface SegmentIndex {
  entries: IndexEntry[];
  /** Bytes of the index file that hold whole, valid entries. */
  indexLength: number;
  /** Bytes of the log those entries cover: anything after is garbage from an interrupted append. */
  logLength: number;
}

interface SealedHeader {
  plainLength: number;
  filePrefix: Buffer;
  sha256: string;
  durationMs: number;
  missingChunks: number;
  firstSeq: number;
  chunkCount: number;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

function idBytes(recordingId: string): Buffer {
  return Buffer.concat([Buffer.from(recordingId, 'utf8'), Buffer.of(0)]);
}

function isFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

function checkRecordingId(recordingId: string): void {
  // It names a directory: nothing that could climb out of RECORDINGS_DIR.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(recordingId)) {
    throw new AppError('bad_request', { message: 'The recording id is malformed.' });
  }
}

function checkNumber(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32) {
    throw new AppError('bad_request', { message: `The ${what} number is malformed.` });
  }
}

async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) {
      throw Object.assign(new Error('write made no progress'), { code: 'ENOSPC' });
    }
    done += bytesWritten;
  }
}

async function readExact(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new Error('the recording file ends early');
    done += bytesRead;
  }
  return out;
}

export class FileRecordingVault implements RecordingVault {
  private readonly fs: VaultFileSystem;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: FileRecordingVaultOptions) {
    this.fs = options.fs ?? nodeFs;
    if (options.operatorKey.length !== 32) throw new Error('the recordings key must be 32 bytes');
  }

  newKey(): string {
    return newWrappedDataKey(this.options.operatorKey);
  }

  async putChunk(
    ref: RecordingRef,
    segment: number,
    seq: number,
    data: Buffer,
    sha256: string,
  ): Promise<{ stored: boolean; recordingBytes: number }> {
    checkRecordingId(ref.recordingId);
    checkNumber(segment, 'segment');
    checkNumber(seq, 'chunk');
    if (data.length > MAX_CHUNK_BYTES)
      throw new AppError('bad_request', { message: 'The chunk is too large.' });
    const digest = createHash('sha256').update(data).digest();
    if (!/^[0-9a-f]{64}$/.test(sha256) || digest.toString('hex') !== sha256) {
      throw new AppError('chunk_checksum_mismatch');
    }
    const keys = this.keysOf(ref);
    const checksumTag = mac(keys.mac, INDEX_AAD, idBytes(ref.recordingId), u32(segment), u32(seq), digest);
    return this.exclusive(ref.recordingId, async () => {
      const dir = this.recordingDir(ref.recordingId);
      if (await this.exists(join(dir, `${segment}.webm.enc`))) {
        throw new AppError('recording_not_active', {
          message: 'This segment is sealed: it takes no chunks.',
        });
      }
      const index = await this.readIndex(ref.recordingId, segment);
      const total = await this.recordingBytes(ref.recordingId);
      const existing = index.entries.find((e) => e.seq === seq);
      if (existing) {
        if (!sameBytes(existing.checksumTag, checksumTag)) throw new AppError('chunk_conflict');
        return { stored: false, recordingBytes: total };
      }
      if (total + data.length > this.options.maxBytesPerRecording) {
        throw new AppError('recording_too_large');
      }
      await this.append(ref.recordingId, segment, seq, index, keys, data, checksumTag);
      return { stored: true, recordingBytes: total + data.length };
    });
  }

  async segments(recordingId: string): Promise<StoredSegment[]> {
    checkRecordingId(recordingId);
    const names = await this.list(recordingId);
    const found = new Map<number, StoredSegment>();
    for (const name of names) {
      const sealed = /^(\d+)\.webm\.enc$/.exec(name);
      if (sealed) {
        const segment = Number(sealed[1]);
        const header = await this.readSealedHeader(recordingId, segment, null);
        if (!header) continue;
        found.set(segment, {
          segment,
          chunks: Array.from({ length: header.chunkCount }, (_, i) => header.firstSeq + i),
          bytes: header.plainLength,
          sealed: true,
        });
      }
    }
    for (const name of names) {
      const log = /^(\d+)\.idx$/.exec(name);
      if (!log) continue;
      const segment = Number(log[1]);
      if (found.has(segment)) continue;
      const index = await this.readIndex(recordingId, segment);
      found.set(segment, {
        segment,
        chunks: index.entries.map((e) => e.seq).sort((a, b) => a - b),
        bytes: index.entries.reduce((sum, e) => sum + e.plainLength, 0),
        sealed: false,
      });
    }
    return [...found.values()].sort((a, b) => a.segment - b.segment);
  }

  async seal(ref: RecordingRef, segment: number): Promise<SealedSegment> {
    checkRecordingId(ref.recordingId);
    checkNumber(segment, 'segment');
    const keys = this.keysOf(ref);
    return this.exclusive(ref.recordingId, async () => {
      const already = await this.readSealedHeader(ref.recordingId, segment, keys);
      if (already) {
        // A crash between the rename and the removal of the log leaves the log behind.
        await this.removeLog(ref.recordingId, segment);
        return figures(segment, already);
      }
      return this.sealLog(ref.recordingId, segment, keys);
    });
  }

  read(ref: RecordingRef, segment: number, start: number, end: number): Readable {
    checkRecordingId(ref.recordingId);
    checkNumber(segment, 'segment');
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end) {
      throw new AppError('bad_request', { message: 'The byte range is malformed.' });
    }
    const keys = this.keysOf(ref);
    return Readable.from(this.blocks(ref.recordingId, segment, keys, start, end), { objectMode: false });
  }

  async destroy(recordingId: string): Promise<void> {
    checkRecordingId(recordingId);
    await this.exclusive(recordingId, async () => {
      await this.fs.rm(this.recordingDir(recordingId), { recursive: true, force: true });
      await this.syncDir(this.options.dir, true);
    });
  }

  private keysOf(ref: RecordingRef): RecordingKeys {
    return recordingKeys(unwrapDataKey(this.options.operatorKey, ref.wrappedKey));
  }

  private recordingDir(recordingId: string): string {
    return join(this.options.dir, recordingId);
  }

  /** Runs `task` after every earlier task of the same recording has settled. */
  private async exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await (await this.fs.open(path, 'r')).close();
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  private async list(recordingId: string): Promise<string[]> {
    try {
      return await this.fs.readdir(this.recordingDir(recordingId));
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }

  private async syncDir(path: string, missingOk = false): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await this.fs.open(path, 'r');
    } catch (error) {
      if (missingOk && isMissing(error)) return;
      throw error;
    }
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Plaintext bytes of a recording: its logs' chunks and its sealed files. */
  private async recordingBytes(recordingId: string): Promise<number> {
    let total = 0;
    const sealed = new Set<number>();
    const names = await this.list(recordingId);
    for (const name of names) {
      const m = /^(\d+)\.webm\.enc$/.exec(name);
      if (!m) continue;
      const header = await this.readSealedHeader(recordingId, Number(m[1]), null);
      if (header) {
        sealed.add(Number(m[1]));
        total += header.plainLength;
      }
    }
    for (const name of names) {
      const m = /^(\d+)\.idx$/.exec(name);
      if (!m || sealed.has(Number(m[1]))) continue;
      const index = await this.readIndex(recordingId, Number(m[1]));
      total += index.entries.reduce((sum, e) => sum + e.plainLength, 0);
    }
    return total;
  }

  /**
   * The index's whole entries, up to the first torn or inconsistent one (an interrupted append): entries
   * follow each other in the log without gaps, each with its own check.
   */
  private async readIndex(recordingId: string, segment: number): Promise<SegmentIndex> {
    let bytes: Buffer;
    try {
      bytes = await this.fs.readFile(join(this.recordingDir(recordingId), `${segment}.idx`));
    } catch (error) {
      if (isMissing(error)) return { entries: [], indexLength: 0, logLength: 0 };
      throw error;
    }
    const entries: IndexEntry[] = [];
    let logLength = 0;
    for (let at = 0; at + INDEX_ENTRY <= bytes.length; at += INDEX_ENTRY) {
      const entry = bytes.subarray(at, at + INDEX_ENTRY);
      const check = createHash('sha256').update(entry.subarray(0, INDEX_CHECKED)).digest().subarray(0, 8);
      if (!check.equals(entry.subarray(INDEX_CHECKED))) break;
      const parsed: IndexEntry = {
        seq: entry.readUInt32BE(0),
        plainLength: entry.readUInt32BE(4),
        offset: Number(entry.readBigUInt64BE(8)),
        cipherLength: entry.readUInt32BE(16),
        checksumTag: Buffer.from(entry.subarray(24, 56)),
      };
      if (parsed.offset !== logLength || parsed.cipherLength !== parsed.plainLength + RECORD_OVERHEAD) break;
      entries.push(parsed);
      logLength += parsed.cipherLength;
    }
    return { entries, indexLength: entries.length * INDEX_ENTRY, logLength };
  }

  private async append(
    recordingId: string,
    segment: number,
    seq: number,
    index: SegmentIndex,
    keys: RecordingKeys,
    data: Buffer,
    checksumTag: Buffer,
  ): Promise<void> {
    const dir = this.recordingDir(recordingId);
    const logPath = join(dir, `${segment}.log`);
    const indexPath = join(dir, `${segment}.idx`);
    // Random 96-bit nonces: a counter would repeat after a crash cut off a record that was never indexed.
    const nonce = randomBytes(GCM.NONCE_BYTES);
    const aad = Buffer.concat([CHUNK_AAD, idBytes(recordingId), u32(segment), u32(seq)]);
    const record = Buffer.concat([nonce, gcmEncrypt(keys.chunks, nonce, aad, data)]);
    const entry = Buffer.alloc(INDEX_ENTRY);
    entry.writeUInt32BE(seq, 0);
    entry.writeUInt32BE(data.length, 4);
    entry.writeBigUInt64BE(BigInt(index.logLength), 8);
    entry.writeUInt32BE(record.length, 16);
    checksumTag.copy(entry, 24);
    createHash('sha256').update(entry.subarray(0, INDEX_CHECKED)).digest().copy(entry, INDEX_CHECKED, 0, 8);

    let log: FileHandle | null = null;
    let idx: FileHandle | null = null;
    try {
      await this.ensureSegmentFiles(dir, logPath, indexPath);
      log = await this.fs.open(logPath, 'r+');
      await log.truncate(index.logLength);
      await writeAll(log, record, index.logLength);
      await log.sync();
      idx = await this.fs.open(indexPath, 'r+');
      await idx.truncate(index.indexLength);
      await writeAll(idx, entry, index.indexLength);
      await idx.sync();
    } catch (error) {
      // Cut both files back so that nothing half-written stays; what was indexed before is untouched.
      await idx?.truncate(index.indexLength).catch(() => undefined);
      await log?.truncate(index.logLength).catch(() => undefined);
      if (isFull(error)) throw new AppError('storage_full', { cause: error });
      throw error;
    } finally {
      await idx?.close().catch(() => undefined);
      await log?.close().catch(() => undefined);
    }
  }

  private async ensureSegmentFiles(dir: string, logPath: string, indexPath: string): Promise<void> {
    if ((await this.exists(logPath)) && (await this.exists(indexPath))) return;
    const created = await this.fs.mkdir(dir, { recursive: true });
    if (created !== undefined) await this.syncDir(this.options.dir);
    for (const path of [logPath, indexPath]) await (await this.fs.open(path, 'a')).close();
    await this.syncDir(dir);
  }

  private async removeLog(recordingId: string, segment: number): Promise<void> {
    const dir = this.recordingDir(recordingId);
    const names = await this.list(recordingId);
    const leftovers = [`${segment}.log`, `${segment}.idx`, `${segment}.webm.enc.tmp`].filter((n) =>
      names.includes(n),
    );
    if (leftovers.length === 0) return;
    for (const name of leftovers) await this.fs.rm(join(dir, name), { force: true });
    await this.syncDir(dir);
  }

  private async sealLog(recordingId: string, segment: number, keys: RecordingKeys): Promise<SealedSegment> {
    const dir = this.recordingDir(recordingId);
    const index = await this.readIndex(recordingId, segment);
    const bySeq = [...index.entries].sort((a, b) => a.seq - b.seq);
    // Chunks are numbered from 0; the file ends at the first gap: what follows a gap cannot play on.
    const included: IndexEntry[] = [];
    for (const entry of bySeq) {
      if (entry.seq !== included.length) break;
      included.push(entry);
    }
    const lastSeq = bySeq[bySeq.length - 1]?.seq;
    const missingChunks = lastSeq === undefined ? 0 : lastSeq + 1 - bySeq.length;

    const log = included.length > 0 ? await this.fs.open(join(dir, `${segment}.log`), 'r') : null;
    const tmpPath = join(dir, `${segment}.webm.enc.tmp`);
    let out: FileHandle | null = null;
    try {
      const chunk = async (entry: IndexEntry): Promise<Buffer> => {
        if (!log) throw new Error('no log');
        const record = await readExact(log, entry.cipherLength, entry.offset);
        const nonce = record.subarray(0, GCM.NONCE_BYTES);
        const aad = Buffer.concat([CHUNK_AAD, idBytes(recordingId), u32(segment), u32(entry.seq)]);
        try {
          return gcmDecrypt(keys.chunks, nonce, aad, record.subarray(GCM.NONCE_BYTES));
        } catch (error) {
          throw new Error(`chunk ${entry.seq} of segment ${segment} failed authentication`, { cause: error });
        }
      };
      // First pass: the WebM's duration (its header must carry it before any byte is written).
      const scanner = new WebmScanner();
      let chunkBytes = 0;
      for (const entry of included) {
        const plain = await chunk(entry);
        chunkBytes += plain.length;
        scanner.push(plain);
      }
      const scan = scanner.finish();
      const edits = durationEdits(scan);
      // A recorder killed mid-chunk leaves its last element cut short: the file stops before it.
      const keptBytes = scan.webm ? Math.min(chunkBytes, scan.wholeBytes) : chunkBytes;
      const plainLength = keptBytes + editsGrowth(edits);

      // Second pass: the playable file, block by block, under a temporary name.
      const header: SealedHeader = {
        plainLength,
        filePrefix: randomBytes(8),
        sha256: '',
        durationMs: Math.round(scan.durationMs),
        missingChunks,
        firstSeq: 0,
        chunkCount: included.length,
      };
      await this.fs.mkdir(dir, { recursive: true });
      out = await this.fs.open(tmpPath, 'w');
      const writer = new BlockWriter(out, recordingId, segment, keys, header);
      const patch = new EditStream(edits);
      let left = keptBytes;
      for (const entry of included) {
        if (left <= 0) break;
        const plain = await chunk(entry);
        const kept = plain.length <= left ? plain : plain.subarray(0, left);
        left -= kept.length;
        for (const piece of patch.push(kept)) await writer.write(piece);
      }
      for (const piece of patch.end()) await writer.write(piece);
      header.sha256 = await writer.end();
      await writeAll(out, encodeHeader(header, recordingId, segment, keys), 0);
      await out.sync();
      await out.close();
      out = null;
      await this.fs.rename(tmpPath, join(dir, `${segment}.webm.enc`));
      await this.syncDir(dir);
      await this.removeLog(recordingId, segment);
      return figures(segment, header);
    } catch (error) {
      await out?.close().catch(() => undefined);
      await this.fs.rm(tmpPath, { force: true }).catch(() => undefined);
      if (isFull(error)) throw new AppError('storage_full', { cause: error });
      throw error;
    } finally {
      await log?.close().catch(() => undefined);
    }
  }

  /**
   * The sealed file's header: null when there is none. With `keys` its MAC is checked (a header changed
   * on disk is refused); `segments()` has no key and reads the figures as they are.
   */
  private async readSealedHeader(
    recordingId: string,
    segment: number,
    keys: RecordingKeys | null,
  ): Promise<SealedHeader | null> {
    let handle: FileHandle;
    try {
      handle = await this.fs.open(join(this.recordingDir(recordingId), `${segment}.webm.enc`), 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      return decodeHeader(await readExact(handle, HEADER_BYTES, 0), recordingId, segment, keys);
    } finally {
      await handle.close();
    }
  }

  private async *blocks(
    recordingId: string,
    segment: number,
    keys: RecordingKeys,
    start: number,
    end: number,
  ): AsyncGenerator<Buffer> {
    let handle: FileHandle;
    try {
      handle = await this.fs.open(join(this.recordingDir(recordingId), `${segment}.webm.enc`), 'r');
    } catch (error) {
      if (isMissing(error)) throw new AppError('recording_not_finished', { cause: error });
      throw error;
    }
    try {
      const header = decodeHeader(await readExact(handle, HEADER_BYTES, 0), recordingId, segment, keys);
      if (end >= header.plainLength) {
        throw new AppError('bad_request', { message: 'The byte range lies beyond the end of the file.' });
      }
      const lastBlock = Math.ceil(header.plainLength / BLOCK_SIZE) - 1;
      for (let block = Math.floor(start / BLOCK_SIZE); block <= Math.floor(end / BLOCK_SIZE); block++) {
        const blockStart = block * BLOCK_SIZE;
        const length = Math.min(BLOCK_SIZE, header.plainLength - blockStart);
        const sealed = await readExact(handle, length + GCM.TAG_BYTES, blockOffset(block));
        const plain = decryptBlock(sealed, recordingId, segment, keys, header, block, block === lastBlock);
        yield plain.subarray(Math.max(0, start - blockStart), Math.min(length, end - blockStart + 1));
      }
    } finally {
      await handle.close();
    }
  }
}

function figures(segment: number, header: SealedHeader): SealedSegment {
  return {
    segment,
    bytes: header.plainLength,
    sha256: header.sha256,
    durationMs: header.durationMs,
    missingChunks: header.missingChunks,
  };
}

function blockOffset(block: number): number {
  return HEADER_BYTES + block * (BLOCK_SIZE + GCM.TAG_BYTES);
}

function blockNonce(header: SealedHeader, block: number): Buffer {
  return Buffer.concat([header.filePrefix, u32(block)]);
}

function blockAad(recordingId: string, segment: number, block: number, isLast: boolean): Buffer {
  return Buffer.concat([
    BLOCK_AAD,
    idBytes(recordingId),
    u32(segment),
    u32(block),
    Buffer.of(isLast ? 1 : 0),
  ]);
}

function decryptBlock(
  sealed: Buffer,
  recordingId: string,
  segment: number,
  keys: RecordingKeys,
  header: SealedHeader,
  block: number,
  isLast: boolean,
): Buffer {
  try {
    return gcmDecrypt(
      keys.blocks,
      blockNonce(header, block),
      blockAad(recordingId, segment, block, isLast),
      sealed,
    );
  } catch (error) {
    throw new Error(`block ${block} of recording segment ${segment} failed authentication`, { cause: error });
  }
}

function headerMac(bytes: Buffer, recordingId: string, segment: number, keys: RecordingKeys): Buffer {
  return mac(
    keys.mac,
    HEADER_AAD,
    idBytes(recordingId),
    u32(segment),
    bytes.subarray(0, HEADER_MACED),
  ).subarray(0, 16);
}

function encodeHeader(
  header: SealedHeader,
  recordingId: string,
  segment: number,
  keys: RecordingKeys,
): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(b, 0);
  b.writeUInt8(FORMAT_VERSION, 6);
  b.writeUInt32BE(BLOCK_SIZE, 8);
  b.writeBigUInt64BE(BigInt(header.plainLength), 12);
  header.filePrefix.copy(b, 20);
  Buffer.from(header.sha256, 'hex').copy(b, 28);
  b.writeDoubleBE(header.durationMs, 60);
  b.writeUInt32BE(header.missingChunks, 68);
  b.writeUInt32BE(header.firstSeq, 72);
  b.writeUInt32BE(header.chunkCount, 76);
  headerMac(b, recordingId, segment, keys).copy(b, HEADER_MACED);
  return b;
}

function decodeHeader(
  b: Buffer,
  recordingId: string,
  segment: number,
  keys: RecordingKeys | null,
): SealedHeader {
  if (!b.subarray(0, 6).equals(MAGIC) || b.readUInt8(6) !== FORMAT_VERSION) {
    throw new Error(`recording segment ${segment} is not a sealed file of this version`);
  }
  if (b.readUInt32BE(8) !== BLOCK_SIZE)
    throw new Error(`recording segment ${segment} has another block size`);
  if (keys && !sameBytes(headerMac(b, recordingId, segment, keys), b.subarray(HEADER_MACED))) {
    throw new Error(`the header of recording segment ${segment} failed authentication`);
  }
  return {
    plainLength: Number(b.readBigUInt64BE(12)),
    filePrefix: Buffer.from(b.subarray(20, 28)),
    sha256: b.subarray(28, 60).toString('hex'),
    durationMs: b.readDoubleBE(60),
    missingChunks: b.readUInt32BE(68),
    firstSeq: b.readUInt32BE(72),
    chunkCount: b.readUInt32BE(76),
  };
}

/** Cuts the plaintext into 64 KiB blocks, encrypts each, writes them in batches after the header. */
class BlockWriter {
  private readonly block = Buffer.alloc(BLOCK_SIZE);
  private filled = 0;
  private index = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private written = 0;
  private plainBytes = 0;
  private readonly hash = createHash('sha256');
  private readonly lastBlock: number;

  constructor(
    private readonly out: FileHandle,
    private readonly recordingId: string,
    private readonly segment: number,
    private readonly keys: RecordingKeys,
    private readonly header: SealedHeader,
  ) {
    this.lastBlock = Math.ceil(header.plainLength / BLOCK_SIZE) - 1;
  }

  async write(data: Buffer): Promise<void> {
    this.hash.update(data);
    this.plainBytes += data.length;
    let pos = 0;
    while (pos < data.length) {
      const n = Math.min(BLOCK_SIZE - this.filled, data.length - pos);
      data.copy(this.block, this.filled, pos, pos + n);
      this.filled += n;
      pos += n;
      if (this.filled === BLOCK_SIZE) await this.seal();
    }
  }

  /** Writes what is left; returns the plaintext's SHA-256. */
  async end(): Promise<string> {
    if (this.filled > 0) await this.seal();
    await this.flush();
    if (this.plainBytes !== this.header.plainLength || this.index !== this.lastBlock + 1) {
      throw new Error('the sealed file does not have the length its chunks gave');
    }
    return this.hash.digest('hex');
  }

  private async seal(): Promise<void> {
    const isLast = this.index === this.lastBlock;
    if (this.index > this.lastBlock) throw new Error('the sealed file came out longer than its chunks');
    const plain = this.block.subarray(0, this.filled);
    const aad = blockAad(this.recordingId, this.segment, this.index, isLast);
    const sealed = gcmEncrypt(this.keys.blocks, blockNonce(this.header, this.index), aad, plain);
    this.batch.push(sealed);
    this.batchBytes += sealed.length;
    this.index++;
    this.filled = 0;
    if (this.batchBytes >= WRITE_BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batchBytes === 0) return;
    await writeAll(this.out, Buffer.concat(this.batch), HEADER_BYTES + this.written);
    this.written += this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
  }
}
