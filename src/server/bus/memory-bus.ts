import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import {
  type Bus,
  type BusHandler,
  type ClaimResult,
  DEFAULT_STREAM_LIMITS,
  type StreamLimits,
  type StreamRead,
} from './bus.js';

interface Stream {
  head: number;
  entries: Array<{ seq: number; payload: string }>;
  touchedAt: number;
}

/** The bus of a single node: everything in this process, same contract as Redis. */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly channels = new Map<string, Set<BusHandler>>();
  private readonly streams = new Map<string, Stream>();
  private readonly maps = new Map<string, Map<string, string>>();
  private readonly flags = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly onHandlerError: (err: unknown) => void = () => {},
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
    private readonly clock: Clock = systemClock,
  ) {}

  async publish(channel: string, payload: string): Promise<void> {
    this.open();
    this.deliver(channel, payload, undefined);
  }

  async publishSequenced(channel: string, stream: string, payload: string): Promise<number> {
    this.open();
    const s = this.liveStream(stream) ?? { head: 0, entries: [], touchedAt: 0 };
    s.head += 1;
    s.touchedAt = this.clock.now();
    s.entries.push({ seq: s.head, payload });
    if (s.entries.length > this.limits.maxEntries)
      s.entries.splice(0, s.entries.length - this.limits.maxEntries);
    this.streams.set(stream, s);
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
    s.entries.splice(0, keep < 0 ? s.entries.length : keep);
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
    const map = this.maps.get(key) ?? new Map<string, string>();
    this.maps.set(key, map);
    const previous = map.get(field) ?? null;
    map.set(field, value);
    return { previous, all: Object.fromEntries(map) };
  }

  async refresh(key: string, field: string, owner: string, value: string): Promise<boolean> {
    this.open();
    const map = this.maps.get(key);
    if (!map?.get(field)?.startsWith(owner)) return false;
    map.set(field, value);
    return true;
  }

  async release(key: string, field: string, owner: string): Promise<boolean> {
    this.open();
    const map = this.maps.get(key);
    if (!map?.get(field)?.startsWith(owner)) return false;
    map.delete(field);
    if (map.size === 0) this.maps.delete(key);
    return true;
  }

  async members(key: string): Promise<Record<string, string>> {
    this.open();
    return Object.fromEntries(this.maps.get(key) ?? []);
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
    this.channels.clear();
    this.streams.clear();
    this.maps.clear();
    this.flags.clear();
  }

  /** For tests and metrics: channels with at least one subscriber. */
  channelCount(): number {
    return this.channels.size;
  }

  private open(): void {
    if (this.closed) throw new Error('bus closed');
  }

  private liveStream(name: string): Stream | undefined {
    const s = this.streams.get(name);
    if (s && this.clock.now() - s.touchedAt > this.limits.ttlMs) {
      this.streams.delete(name);
      return undefined;
    }
    return s;
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
