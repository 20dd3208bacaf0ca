import { Redis } from 'ioredis';
import type { Bus, BusHandler } from './bus.js';

/**
 * Redis pub/sub with one channel per room or appointment (never one global channel), so each node
 * receives only the traffic of rooms it has sockets in.
 */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<BusHandler>>();
  private closing: Promise<void> | null = null;

  constructor(
    url: string,
    private readonly onHandlerError: (err: unknown) => void = () => {},
    prefix = 'carecall:',
  ) {
    const options = {
      lazyConnect: false,
      maxRetriesPerRequest: 3,
      enableAutoPipelining: true,
      keyPrefix: '',
    };
    this.pub = new Redis(url, options);
    this.sub = new Redis(url, options);
    this.prefix = prefix;
    // Connection errors are retried by ioredis; readiness reports them through ping().
    this.pub.on('error', () => {});
    this.sub.on('error', () => {});
    this.sub.on('message', (channel: string, payload: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      for (const h of [...set]) {
        try {
          h(payload);
        } catch (err) {
          this.onHandlerError(err);
        }
      }
    });
  }

  private readonly prefix: string;

  async publish(channel: string, payload: string): Promise<void> {
    await this.pub.publish(this.prefix + channel, payload);
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    const key = this.prefix + channel;
    let set = this.handlers.get(key);
    if (!set) {
      set = new Set();
      this.handlers.set(key, set);
      await this.sub.subscribe(key);
    }
    const wrapped: BusHandler = (p) => handler(p);
    set.add(wrapped);
    return async () => {
      const s = this.handlers.get(key);
      if (!s?.delete(wrapped) || s.size > 0) return;
      this.handlers.delete(key);
      if (!this.closing) await this.sub.unsubscribe(key);
    };
  }

  async ping(): Promise<void> {
    await this.pub.ping();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.handlers.clear();
      await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
    })();
    return this.closing;
  }
}
