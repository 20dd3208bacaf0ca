import { Redis } from 'ioredis';
import {
  type Bus,
  type BusHandler,
  type ClaimResult,
  DEFAULT_STREAM_LIMITS,
  decodeSequenced,
  STATE_TTL_MS,
  type StreamLimits,
  type StreamRead,
} from './bus.js';

// Each script is one atomic step on the Redis server (no other client's command runs in between).
// A stream is three keys: its sequence counter, its list of '<seq> <payload>' entries, and the payload
// bytes that list holds, so the byte bound is checked without reading the list. The entries expire with
// the resume window; the counter lives as long as presence (a room quiet for longer numbers on).
const PAYLOAD_SIZE = `
local function size(entry) return #entry - string.find(entry, ' ', 1, true) end`;

const PUBLISH_SEQUENCED = `${PAYLOAD_SIZE}
local seq = redis.call('INCR', KEYS[1])
local len = redis.call('RPUSH', KEYS[2], seq .. ' ' .. ARGV[1])
local bytes = tonumber(redis.call('GET', KEYS[3]))
if bytes and len > 1 then
  bytes = bytes + #ARGV[1]
else
  -- A new list, or one written by a node that kept no count (an upgrade): counted once.
  bytes = 0
  for _, e in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do bytes = bytes + size(e) end
end
local maxEntries = tonumber(ARGV[3])
local maxBytes = tonumber(ARGV[5])
while len > 1 and (len > maxEntries or bytes > maxBytes) do
  bytes = bytes - size(redis.call('LPOP', KEYS[2]))
  len = len - 1
end
redis.call('SET', KEYS[3], bytes, 'PX', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[2], '#' .. seq .. ' ' .. ARGV[1])
return seq`;

const TRIM_STREAM = `${PAYLOAD_SIZE}
local first = redis.call('LINDEX', KEYS[1], 0)
if not first then return 0 end
local n = tonumber(ARGV[1]) - tonumber(string.match(first, '^(%d+)')) + 1
if n <= 0 then return 0 end
local freed = 0
for _, e in ipairs(redis.call('LRANGE', KEYS[1], 0, n - 1)) do
  freed = freed + size(e)
end
redis.call('LTRIM', KEYS[1], n, -1)
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
elseif redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('DECRBY', KEYS[2], freed)
end
return n`;

const CLAIM = `
local prev = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {prev, redis.call('HGETALL', KEYS[1])}`;

const REFRESH = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, 1, string.len(ARGV[2])) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return 1
end
return 0`;

const RELEASE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, 1, string.len(ARGV[2])) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0`;

interface Scripts {
  publishSequenced(
    seqKey: string,
    listKey: string,
    bytesKey: string,
    payload: string,
    channel: string,
    maxEntries: number,
    ttl: number,
    maxBytes: number,
    counterTtl: number,
  ): Promise<number>;
  trimStream(listKey: string, bytesKey: string, upto: number): Promise<number>;
  claimField(key: string, field: string, value: string, ttl: number): Promise<[string | null, string[]]>;
  refreshField(key: string, field: string, owner: string, value: string, ttl: number): Promise<number>;
  releaseField(key: string, field: string, owner: string): Promise<number>;
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

/**
 * Redis pub/sub with one channel per room or appointment (never one global channel), so each node
 * receives only the traffic of rooms it has sockets in; streams, presence and flags are Redis keys.
 */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  /** Commands (and scripts). */
  private readonly commands: Redis;
  private readonly scripts: Scripts;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<BusHandler>>();
  private readonly limits: StreamLimits;
  private closing: Promise<void> | null = null;

  constructor(
    url: string,
    private readonly onHandlerError: (err: unknown) => void = () => {},
    private readonly prefix = 'carecall:',
    limits: Partial<StreamLimits> = {},
  ) {
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...limits };
    const options = { lazyConnect: false, maxRetriesPerRequest: 3, enableAutoPipelining: true };
    this.commands = new Redis(url, options);
    this.sub = new Redis(url, options);
    this.commands.defineCommand('publishSequenced', { numberOfKeys: 3, lua: PUBLISH_SEQUENCED });
    this.commands.defineCommand('trimStream', { numberOfKeys: 2, lua: TRIM_STREAM });
    this.commands.defineCommand('claimField', { numberOfKeys: 1, lua: CLAIM });
    this.commands.defineCommand('refreshField', { numberOfKeys: 1, lua: REFRESH });
    this.commands.defineCommand('releaseField', { numberOfKeys: 1, lua: RELEASE });
    this.scripts = this.commands as unknown as Scripts;
    // Connection errors are retried by ioredis; readiness reports them through ping().
    this.commands.on('error', () => {});
    this.sub.on('error', () => {});
    this.sub.on('message', (channel: string, raw: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      const { payload, seq } = decodeSequenced(raw);
      for (const h of [...set]) {
        try {
          h(payload, seq);
        } catch (err) {
          this.onHandlerError(err);
        }
      }
    });
  }

  get rateLimitRedis(): Redis {
    return this.commands;
  }

  async publish(channel: string, payload: string): Promise<void> {
    await this.commands.publish(this.prefix + channel, payload);
  }

  async publishSequenced(channel: string, stream: string, payload: string): Promise<number> {
    const key = `${this.prefix}stream:${stream}`;
    const seq = await this.scripts.publishSequenced(
      `${key}:seq`,
      key,
      `${key}:bytes`,
      payload,
      this.prefix + channel,
      this.limits.maxEntries,
      this.limits.ttlMs,
      this.limits.maxBytes,
      STATE_TTL_MS,
    );
    return Number(seq);
  }

  async readStream(stream: string, afterSeq: number): Promise<StreamRead> {
    const key = `${this.prefix}stream:${stream}`;
    const result = await this.commands.multi().get(`${key}:seq`).lrange(key, 0, -1).exec();
    const head = Number((result?.[0]?.[1] as string | null) ?? 0);
    const raw = (result?.[1]?.[1] as string[] | undefined) ?? [];
    const entries: StreamRead['entries'] = [];
    for (const line of raw) {
      const space = line.indexOf(' ');
      const seq = Number(line.slice(0, space));
      if (seq > afterSeq) entries.push({ seq, payload: line.slice(space + 1) });
    }
    return { head, entries };
  }

  async trimStream(stream: string, uptoSeq: number): Promise<void> {
    const key = `${this.prefix}stream:${stream}`;
    await this.scripts.trimStream(key, `${key}:bytes`, uptoSeq);
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    const key = this.prefix + channel;
    let set = this.handlers.get(key);
    if (!set) {
      set = new Set();
      this.handlers.set(key, set);
      await this.sub.subscribe(key);
    }
    const wrapped: BusHandler = (p, seq) => handler(p, seq);
    set.add(wrapped);
    return async () => {
      const s = this.handlers.get(key);
      if (!s?.delete(wrapped) || s.size > 0) return;
      this.handlers.delete(key);
      if (!this.closing) await this.sub.unsubscribe(key);
    };
  }

  async claim(key: string, field: string, value: string): Promise<ClaimResult> {
    const [previous, flat] = await this.scripts.claimField(this.prefix + key, field, value, STATE_TTL_MS);
    return { previous: previous ?? null, all: pairs(flat) };
  }

  async refresh(key: string, field: string, owner: string, value: string): Promise<boolean> {
    return (await this.scripts.refreshField(this.prefix + key, field, owner, value, STATE_TTL_MS)) === 1;
  }

  async release(key: string, field: string, owner: string): Promise<boolean> {
    return (await this.scripts.releaseField(this.prefix + key, field, owner)) === 1;
  }

  async members(key: string): Promise<Record<string, string>> {
    return this.commands.hgetall(this.prefix + key);
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    await this.commands.set(`${this.prefix}flag:${key}`, '1', 'PX', ttlMs);
  }

  async hasFlag(key: string): Promise<boolean> {
    return (await this.commands.exists(`${this.prefix}flag:${key}`)) === 1;
  }

  async ping(): Promise<void> {
    await this.commands.ping();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.handlers.clear();
      await Promise.allSettled([this.commands.quit(), this.sub.quit()]);
    })();
    return this.closing;
  }
}
