import type { Readable } from 'node:stream';

/**
 * Where recordings' bytes live: encrypted at rest (AES-256-GCM), each recording under its own data key,
 * the data keys wrapped by the operator's key (RECORDINGS_KEY). The database keeps the wrapped key and
 * the figures; the vault keeps only ciphertext and sizes on disk (docs/recordings.md).
 */
export interface RecordingRef {
  recordingId: string;
  /** From `newKey()`, as stored with the recording. */
  wrappedKey: string;
}

export interface SealedSegment {
  segment: number;
  /** Plaintext bytes of the playable file. */
  bytes: number;
  /** SHA-256 (lowercase hex) of the playable file's plaintext. */
  sha256: string;
  /** From the WebM's own timestamps (its header is given this duration when sealed). */
  durationMs: number;
  /** Chunks missing before the last one stored (0 when the segment is whole). */
  missingChunks: number;
}

export interface StoredSegment {
  segment: number;
  /** Sequence numbers stored, ascending. */
  chunks: number[];
  bytes: number;
  sealed: boolean;
}

export interface RecordingVault {
  /** A fresh data key for a new recording, wrapped by the operator's key (base64url). */
  newKey(): string;
  /**
   * Stores one chunk durably (written and fsynced) before resolving. A chunk already stored with the same
   * checksum resolves `{stored: false}`; with another checksum it throws AppError('chunk_conflict').
   * Throws AppError('chunk_checksum_mismatch') when `sha256` does not match the bytes,
   * AppError('recording_too_large') past the size limit, AppError('storage_full') when the disk is full
   * (nothing already stored is lost or damaged by the failed write).
   */
  putChunk(
    ref: RecordingRef,
    segment: number,
    seq: number,
    data: Buffer,
    sha256: string,
  ): Promise<{ stored: boolean; recordingBytes: number }>;
  /** What is stored of a recording, per segment. */
  segments(recordingId: string): Promise<StoredSegment[]>;
  /** Turns a segment's chunks, in order, into one encrypted playable file; idempotent once sealed. */
  seal(ref: RecordingRef, segment: number): Promise<SealedSegment>;
  /** Plaintext bytes [start, end] (inclusive) of a sealed segment, decrypting only the blocks needed. */
  read(ref: RecordingRef, segment: number, start: number, end: number): Readable;
  /** Removes every file of a recording; resolves when they are gone (missing files are not an error). */
  destroy(recordingId: string): Promise<void>;
}
