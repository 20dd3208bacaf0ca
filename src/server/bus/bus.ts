import type { Redis } from 'ioredis';

/**
 * Fan-out between the sockets of one room or appointment, wherever they are connected, and the little
 * shared state that must follow a client from node to node (docs/protocol.md S17, S21). Payloads are
 * strings so a message is serialised once per publish, not once per recipient.
 */
export type BusHandler = (payload: string, seq: number | undefined) => void;

export interface StreamRead {
  /** The last sequence number given out on this stream (0 if none). */
  head: number;
  /** Retained entries with seq greater than the one asked for, in order. */
  entries: Array<{ seq: number; payload: string }>;
}

export interface ClaimResult {
  /** What the field held before (another connection's claim, possibly stale). */
  previous: string | null;
  /** Every field of the key after the claim, this one included. */
  all: Record<string, string>;
}

export interface StreamLimits {
  /** Entries kept per stream. */
  maxEntries: number;
  /**
   * Payload bytes kept per stream: past it the oldest entries go, though the newest always stays. A
   * payload counts as its length: UTF-16 code units on the memory bus, UTF-8 bytes on Redis, the same
   * for ASCII, which signaling's JSON (SDP, candidates) is in practice. A resume from before a dropped
   * entry is refused, as past the count bound (S17).
   */
  maxBytes: number;
  /** A stream nobody writes to for this long is forgotten (the resume window, S17). */
  ttlMs: number;
}

/** 256 frames of 64 KiB would be 16 MiB per stream; 1 MiB still holds 32 offers of the largest SDP. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxEntries: 256,
  maxBytes: 1024 * 1024,
  ttlMs: 10 * 60_000,
};
/** Presence and flag keys outlive any call; they only need to disappear eventually. */
export const STATE_TTL_MS = 24 * 60 * 60_000;

export interface Bus {
  readonly kind: 'memory' | 'redis';
  /** A Redis connection the HTTP rate limiter may keep its counters in; absent where nodes share nothing. */
  readonly rateLimitRedis?: Redis;
  publish(channel: string, payload: string): Promise<void>;
  /**
   * Appends the payload to a stream under the next sequence number and publishes it on the channel,
   * as one atomic step, so subscribers see a stream's messages in sequence order. Publishes issued one
   * after another take effect in that order even when the caller does not wait for each to settle (the
   * hub relays a burst of messages without a round trip per message).
   */
  publishSequenced(channel: string, stream: string, payload: string): Promise<number>;
  readStream(stream: string, afterSeq: number): Promise<StreamRead>;
  /** Forgets the stream's entries up to and including seq (the recipient acknowledged them). */
  trimStream(stream: string, uptoSeq: number): Promise<void>;
  /** Resolves once the subscription is active; the returned function ends it. */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;

  /** Sets a field of a shared map and returns what it held and the whole map, atomically. */
  claim(key: string, field: string, value: string): Promise<ClaimResult>;
  /** Rewrites a field only while it still starts with `owner` (nobody has claimed it since). */
  refresh(key: string, field: string, owner: string, value: string): Promise<boolean>;
  /** Deletes a field only while it still starts with `owner`; true if it did. */
  release(key: string, field: string, owner: string): Promise<boolean>;
  members(key: string): Promise<Record<string, string>>;
  /** A flag that clears itself after ttlMs (abuse penalties). */
  setFlag(key: string, ttlMs: number): Promise<void>;
  hasFlag(key: string): Promise<boolean>;

  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Sequenced payloads travel as `#<seq> <payload>`; plain ones never start with `#`. */
export function encodeSequenced(seq: number, payload: string): string {
  return `#${seq} ${payload}`;
}

export function decodeSequenced(raw: string): { payload: string; seq: number | undefined } {
  if (!raw.startsWith('#')) return { payload: raw, seq: undefined };
  const space = raw.indexOf(' ');
  const seq = Number(raw.slice(1, space));
  if (space < 0 || !Number.isSafeInteger(seq)) return { payload: raw, seq: undefined };
  return { payload: raw.slice(space + 1), seq };
}
