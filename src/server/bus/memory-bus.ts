import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import {
  type Bus,
  type BusHandler,
  type ClaimResult,
  DEFAULT_STREAM_LIMITS,
  STATE_TTL_MS,
  type StreamLimits,
  type StreamRead,
} from './bus.js';

interface Stream {
  head: number;
  entries: Array<{ seq: number; payload: string }>;
  /** The entries' payload lengths added up. */
  bytes: number;
  touchedAt: number;
}

interface SharedMap {
  fields: Map<string, string>;
  writtenAt: number;
}

export interface MemoryBusOptions {
  /** How often expired streams, presence maps and flags are deleted, whether or not anyone reads them. */
  sweepIntervalMs?: number;
  /**
   * Payload bytes kept across all streams (counted as StreamLimits.maxBytes is); past it the least
   * recently written streams lose their entries, as a stream over its own bound loses its oldest.
   */
  maxTotalBytes?: number;
}

export interface MemoryBusUsage {
  /** Streams holding entries. */
  streams: number;
  /** Sequence counters, which outlive their stream's entries (see liveStream). */
  counters: number;
  /** Payload length held in all streams, in UTF-16 code units (V8 keeps Latin-1 text at a byte each). */
  bytes: number;
  maps: number;
  flags: number;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 30_000;
export const DEFAULT_MAX_TOTAL_BYTES = 256 * 1024 * 1024;

/**
 * The bus of a single node: everything in this process, same contract as Redis. What Redis would expire
 * by TTL, a periodic sweep deletes here, so memory held for calls that ended is given back unread.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly channels = new Map<string, Set<BusHandler>>();
  private readonly streams = new Map<string, Stream>();
  /** Streams holding entries, least recently written first (re-inserted on every write). */
  private readonly retained = new Map<string, Stream>();
  private readonly maps = new Map<string, SharedMap>();
  private readonly flags = new Map<string, number>();
  private readonly limits: StreamLimits;
  private readonly maxTotalBytes: number;
  private totalBytes = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly onHandlerError: (err: unknown) => void = () => {},
    limits: Partial<StreamLimits> = {},
    private readonly clock: Clock = systemClock,
    options: MemoryBusOptions = {},
  ) {
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...limits };
    this.maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async publish(channel: string, payload: string): Promise<void> {
    this.open();
    this.deliver(channel, payload, undefined);
  }

  async publishSequenced(channel: string, stream: string, payload: string): Promise<number> {
    this.open();
    let s = this.liveStream(stream);
    if (!s) {
      s = { head: 0, entries: [], bytes: 0, touchedAt: 0 };
      this.streams.set(stream, s);
    }
    s.head += 1;
    s.touchedAt = this.clock.now();
    s.entries.push({ seq: s.head, payload });
    s.bytes += payload.length;
    this.totalBytes += payload.length;
    if (s.entries.length > this.limits.maxEntries || s.bytes > this.limits.maxBytes) this.bound(s);
    this.retained.delete(stream);
    this.retained.set(stream, s);
    if (this.totalBytes > this.maxTotalBytes) this.evict();
    this.deliver(channel, payload, s.head);
    return s.head;
  }

  async readStream(stream: string, afterSeq: number): Promise<StreamRead> {
    this.open();
    const s = this.liveStream(stream);
    if (!s) return { head: 0, entries: [] };
    return { head: s.head, entries: s.entries.filter((e) => e.seq > afterSeq) };
  }

  async trimStream(stream: string, uptoSeq: number): Promise<void> {
    this.open();
    const s = this.liveStream(stream);
    if (!s) return;
    const keep = s.entries.findIndex((e) => e.seq > uptoSeq);
    this.dropFirst(s, keep < 0 ? s.entries.length : keep);
    if (s.entries.length === 0) this.retained.delete(stream);
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    this.open();
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    const wrapped: BusHandler = (p, seq) => handler(p, seq);
    set.add(wrapped);
    return async () => {
      const s = this.channels.get(channel);
      if (!s) return;
      s.delete(wrapped);
      if (s.size === 0) this.channels.delete(channel);
    };
  }

  async claim(key: string, field: string, value: string): Promise<ClaimResult> {
    this.open();
    const map = this.liveMap(key) ?? { fields: new Map<string, string>(), writtenAt: 0 };
    this.maps.set(key, map);
    map.writtenAt = this.clock.now();
    const previous = map.fields.get(field) ?? null;
    map.fields.set(field, value);
    return { previous, all: Object.fromEntries(map.fields) };
  }

  async refresh(key: string, field: string, owner: string, value: string): Promise<boolean> {
    this.open();
    const map = this.liveMap(key);
    if (!map?.fields.get(field)?.startsWith(owner)) return false;
    map.fields.set(field, value);
    map.writtenAt = this.clock.now();
    return true;
  }

  async release(key: string, field: string, owner: string): Promise<boolean> {
    this.open();
    const map = this.liveMap(key);
    if (!map?.fields.get(field)?.startsWith(owner)) return false;
    map.fields.delete(field);
    if (map.fields.size === 0) this.maps.delete(key);
    return true;
  }

  async members(key: string): Promise<Record<string, string>> {
    this.open();
    return Object.fromEntries(this.liveMap(key)?.fields ?? []);
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    this.open();
    this.flags.set(key, this.clock.now() + ttlMs);
  }

  async hasFlag(key: string): Promise<boolean> {
    this.open();
    const until = this.flags.get(key);
    if (until === undefined) return false;
    if (until > this.clock.now()) return true;
    this.flags.delete(key);
    return false;
  }

  async ping(): Promise<void> {
    this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.channels.clear();
    this.streams.clear();
    this.retained.clear();
    this.totalBytes = 0;
    this.maps.clear();
    this.flags.clear();
  }

  /** For tests and metrics: channels with at least one subscriber. */
  channelCount(): number {
    return this.channels.size;
  }

  /** For tests and benchmarks: what the bus holds now. */
  usage(): MemoryBusUsage {
    return {
      streams: this.retained.size,
      counters: this.streams.size,
      bytes: this.totalBytes,
      maps: this.maps.size,
      flags: this.flags.size,
    };
  }

  private open(): void {
    if (this.closed) throw new Error('bus closed');
  }

  /**
   * A stream's entries last the resume window; its sequence counter lasts as long as presence does
   * (STATE_TTL_MS). A room quiet for longer than the window must go on numbering where it was: a message
   * numbered from 1 again would be taken for one already delivered, and dropped.
   */
  private liveStream(name: string): Stream | undefined {
    const s = this.streams.get(name);
    if (s) this.expire(name, s, this.clock.now());
    return this.streams.get(name);
  }

  private expire(name: string, s: Stream, now: number): void {
    const idle = now - s.touchedAt;
    if (idle > STATE_TTL_MS) {
      this.streams.delete(name);
      this.retained.delete(name);
      this.totalBytes -= s.bytes;
    } else if (idle > this.limits.ttlMs && s.entries.length > 0) {
      this.dropFirst(s, s.entries.length);
      this.retained.delete(name);
    }
  }

  /** Drops the oldest entries while the stream is over a bound, keeping at least the newest. */
  private bound(s: Stream): void {
    const { maxEntries, maxBytes } = this.limits;
    let n = 0;
    let bytes = s.bytes;
    for (let left = s.entries.length; left > 1 && (left > maxEntries || bytes > maxBytes); left--) {
      bytes -= s.entries[n]?.payload.length ?? 0;
      n += 1;
    }
    this.dropFirst(s, n);
  }

  private dropFirst(s: Stream, n: number): void {
    if (n <= 0) return;
    let freed = 0;
    for (let i = 0; i < n; i++) freed += s.entries[i]?.payload.length ?? 0;
    // shift() moves the array's start in place; splice(0, 1) copies the rest (256 entries per publish).
    if (n === 1) s.entries.shift();
    else s.entries.splice(0, n);
    s.bytes -= freed;
    this.totalBytes -= freed;
  }

  /**
   * Empties the least recently written streams until the total is within its cap. Their sequence
   * counters stay, so live rooms keep numbering on; only a resume from before the eviction is refused.
   */
  private evict(): void {
    for (const [name, s] of this.retained) {
      if (this.totalBytes <= this.maxTotalBytes || this.retained.size === 1) return;
      this.dropFirst(s, s.entries.length);
      this.retained.delete(name);
    }
  }

  private liveMap(key: string): SharedMap | undefined {
    const map = this.maps.get(key);
    if (map && this.clock.now() - map.writtenAt > STATE_TTL_MS) {
      this.maps.delete(key);
      return undefined;
    }
    return map;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [name, s] of this.streams) this.expire(name, s, now);
    for (const [key, map] of this.maps) {
      if (now - map.writtenAt > STATE_TTL_MS) this.maps.delete(key);
    }
    for (const [key, until] of this.flags) {
      if (until <= now) this.flags.delete(key);
    }
  }

  private deliver(channel: string, payload: string, seq: number | undefined): void {
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    for (const h of [...handlers]) {
      try {
        h(payload, seq);
      } catch (err) {
        this.onHandlerError(err);
      }
    }
  }
}
