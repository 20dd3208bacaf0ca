import type { Bus, BusHandler } from './bus.js';

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly channels = new Map<string, Set<BusHandler>>();
  private closed = false;

  constructor(private readonly onHandlerError: (err: unknown) => void = () => {}) {}

  async publish(channel: string, payload: string): Promise<void> {
    if (this.closed) throw new Error('bus closed');
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    for (const h of [...handlers]) {
      try {
        h(payload);
      } catch (err) {
        this.onHandlerError(err);
      }
    }
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('bus closed');
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    const wrapped: BusHandler = (p) => handler(p);
    set.add(wrapped);
    return async () => {
      const s = this.channels.get(channel);
      if (!s) return;
      s.delete(wrapped);
      if (s.size === 0) this.channels.delete(channel);
    };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('bus closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
  }

  /** For tests and metrics: channels with at least one subscriber. */
  channelCount(): number {
    return this.channels.size;
  }
}
