import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/**
 * The recordings' keys (docs/recordings.md, "Encryption at rest"): the operator's key (RECORDINGS_KEY or
 * RECORDINGS_KEY_FILE) wraps one random data key per recording; from a data key come separate subkeys for
 * the chunk log, the sealed files' blocks and the MACs, so no nonce of one scheme can meet a nonce of
 * another under the same AES key.
 */

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_VERSION = 1;
const WRAP_AAD = Buffer.from('carecall-recording-key-v1');
const WRAPPED_BYTES = 1 + NONCE_BYTES + TAG_BYTES + KEY_BYTES;

const KEY_FORMS = 'RECORDINGS_KEY must be 32 bytes as base64, base64url or 64 hex characters';

/** The operator's key from its text form; the error never repeats the text (it may be a near-miss key). */
export function parseRecordingsKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed) || /^[A-Za-z0-9_-]{43}=?$/.test(trimmed)) {
    // Node decodes both alphabets under 'base64'; the length check above makes it exactly 32 bytes.
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(`${KEY_FORMS} (got ${trimmed.length} characters that are none of these)`);
}

export interface LoadedRecordingsKey {
  key: Buffer;
  /** The key file can be read by its group or by everyone: the caller should warn the operator. */
  fileReadableByOthers: boolean;
}

/**
 * The operator's key from RECORDINGS_KEY (`key`) or RECORDINGS_KEY_FILE (`keyFile`, which wins); null when
 * neither is set (recording is then refused with recordings_key_missing). A file readable by group or
 * others is loaded but flagged, so the start can warn without locking out an operator mid-deployment.
 */
export function loadRecordingsKey(source: { key?: string; keyFile?: string }): LoadedRecordingsKey | null {
  if (source.keyFile !== undefined && source.keyFile !== '') {
    let text: string;
    let mode: number;
    try {
      mode = statSync(source.keyFile).mode;
      text = readFileSync(source.keyFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new Error(`RECORDINGS_KEY_FILE cannot be read (${code})`, { cause: error });
    }
    try {
      return { key: parseRecordingsKey(text), fileReadableByOthers: (mode & 0o044) !== 0 };
    } catch (error) {
      throw new Error(`RECORDINGS_KEY_FILE: ${(error as Error).message}`);
    }
  }
  if (source.key !== undefined && source.key !== '') {
    return { key: parseRecordingsKey(source.key), fileReadableByOthers: false };
  }
  return null;
}

function requireKey(key: Buffer, what: string): void {
  if (key.length !== KEY_BYTES) throw new Error(`${what} must be ${KEY_BYTES} bytes`);
}

/** A fresh data key wrapped by the operator's key: base64url of version | nonce | tag | ciphertext. */
export function wrapDataKey(operatorKey: Buffer, dataKey: Buffer): string {
  requireKey(operatorKey, 'the operator key');
  requireKey(dataKey, 'a data key');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', operatorKey, nonce);
  cipher.setAAD(WRAP_AAD);
  const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([Buffer.of(WRAP_VERSION), nonce, cipher.getAuthTag(), ciphertext]).toString(
    'base64url',
  );
}

export function newWrappedDataKey(operatorKey: Buffer): string {
  return wrapDataKey(operatorKey, randomBytes(KEY_BYTES));
}

/** The data key inside `wrapped`; throws when it was wrapped by another key or was altered. */
export function unwrapDataKey(operatorKey: Buffer, wrapped: string): Buffer {
  requireKey(operatorKey, 'the operator key');
  const bytes = Buffer.from(wrapped, 'base64url');
  if (bytes.length !== WRAPPED_BYTES || bytes[0] !== WRAP_VERSION) {
    throw new Error('The recording key is malformed (not a wrapped key of this version)');
  }
  const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
  const tag = bytes.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', operatorKey, nonce);
  decipher.setAAD(WRAP_AAD);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(bytes.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]);
  } catch (error) {
    throw new Error(
      'The recording key cannot be unwrapped: RECORDINGS_KEY is not the key it was made with, or the stored key was altered',
      { cause: error },
    );
  }
}

/** The subkeys of one recording's data key. */
export interface RecordingKeys {
  /** AES-256-GCM key of the chunk log's records. */
  chunks: Buffer;
  /** AES-256-GCM key of the sealed files' blocks. */
  blocks: Buffer;
  /** HMAC-SHA256 key: the index's chunk checksums and the sealed files' headers. */
  mac: Buffer;
}

function subkey(dataKey: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), info, KEY_BYTES));
}

export function recordingKeys(dataKey: Buffer): RecordingKeys {
  requireKey(dataKey, 'a data key');
  return {
    chunks: subkey(dataKey, 'carecall-recording-chunks-v1'),
    blocks: subkey(dataKey, 'carecall-recording-blocks-v1'),
    mac: subkey(dataKey, 'carecall-recording-mac-v1'),
  };
}

/** AES-256-GCM: `nonce | ciphertext | tag` is the caller's to lay out; this returns ciphertext and tag. */
export function gcmEncrypt(key: Buffer, nonce: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The plaintext of `ciphertextAndTag`, or an error: never bytes that fail authentication. */
export function gcmDecrypt(key: Buffer, nonce: Buffer, aad: Buffer, ciphertextAndTag: Buffer): Buffer {
  if (ciphertextAndTag.length < TAG_BYTES) throw new Error('ciphertext too short');
  const split = ciphertextAndTag.length - TAG_BYTES;
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(ciphertextAndTag.subarray(split));
  return Buffer.concat([decipher.update(ciphertextAndTag.subarray(0, split)), decipher.final()]);
}

export function mac(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const part of parts) h.update(part);
  return h.digest();
}

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export const GCM = { NONCE_BYTES, TAG_BYTES } as const;
