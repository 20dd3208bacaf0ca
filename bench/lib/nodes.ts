import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { systemClock } from '../../src/server/clock.js';
import { migrateToLatest, openDatabase } from '../../src/server/db/database.js';
import { createStore, type Store } from '../../src/server/store.js';
import {
  type ClusterNode,
  createSharedDatabase,
  type LocalRedis,
  startLocalRedis,
  startNode,
} from '../../test/support/cluster.js';

/** The origin the load generator's sockets claim (the nodes' PUBLIC_ORIGIN); only a header here. */
export const BENCH_ORIGIN = 'http://127.0.0.1:8080';

/**
 * What the benchmark servers run with besides production defaults. Only limits a loopback benchmark
 * cannot live with are raised, and only here: one IP opens every socket (the upgrade limit and the
 * connection cap are per IP), and calls seeded for later steps must not be ended as abandoned while
 * they wait their turn.
 */
export const BENCH_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'info',
  RATE_LIMIT_WS_UPGRADES_PER_MINUTE: '1000000',
  MAX_CONNECTIONS_PER_ADDRESS: '0',
  MAX_CONNECTIONS: '1000000',
  VIDEO_CALL_IDLE_TIMEOUT_MINUTES: '1440',
};

export interface BenchNodes {
  nodes: ClusterNode[];
  /** The store of the nodes' database, opened in this process for seeding. */
  store: Store;
  /** Processes to sample: the nodes, and Redis when it is ours. */
  pids: Record<string, number>;
  description: string;
  stop(): Promise<void>;
}

export interface BenchNodesOptions {
  count: 1 | 2;
  /** PostgreSQL base URL (two nodes). */
  postgresUrl: string;
  /** `local`: a redis-server of our own on a free loopback port; otherwise a redis:// URL. */
  redis: string;
  entry: 'source' | 'built';
  env?: Readonly<Record<string, string>>;
  nodeArgs?: (name: string) => string[];
}

async function redisPid(url: string): Promise<number | null> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  try {
    await r.connect();
    const info = await r.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    return Number.isInteger(pid) ? pid : null;
  } finally {
    r.disconnect();
  }
}

/**
 * One node on SQLite with the in-process bus (a clinic), or two nodes on one fresh PostgreSQL schema and
 * Redis (a hospital group), each a real `carecall serve` process.
 */
export async function startBenchNodes(options: BenchNodesOptions): Promise<BenchNodes> {
  const env = { ...BENCH_ENV, ...options.env };
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    if (options.count === 1) {
      const dir = await mkdtemp(join(tmpdir(), 'carecall-bench-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const file = join(dir, 'carecall.db');
      const db = openDatabase({ kind: 'sqlite', file });
      await migrateToLatest(db);
      cleanups.push(() => db.close());
      const node = await startNode({
        name: 'a',
        databaseUrl: `sqlite:${file}`,
        redisUrl: '',
        publicOrigin: BENCH_ORIGIN,
        entry: options.entry,
        env,
        nodeArgs: options.nodeArgs?.('a') ?? [],
      });
      cleanups.push(() => node.stop());
      return {
        nodes: [node],
        store: createStore(db, systemClock),
        pids: { 'node A': node.pid },
        description: '1 node, in-process bus, SQLite',
        stop,
      };
    }
    const shared = await createSharedDatabase(options.postgresUrl);
    cleanups.push(() => shared.drop());
    let redisUrl = options.redis;
    let local: LocalRedis | null = null;
    if (redisUrl === 'local') {
      local = await startLocalRedis();
      const l = local;
      cleanups.push(() => l.stop());
      redisUrl = local.url;
    }
    const nodes: ClusterNode[] = [];
    for (const name of ['a', 'b']) {
      const node = await startNode({
        name,
        databaseUrl: shared.url,
        redisUrl,
        publicOrigin: BENCH_ORIGIN,
        entry: options.entry,
        env,
        nodeArgs: options.nodeArgs?.(name) ?? [],
      });
      cleanups.push(() => node.stop());
      nodes.push(node);
    }
    const pids: Record<string, number> = {};
    nodes.forEach((n, i) => {
      pids[`node ${'AB'[i]}`] = n.pid;
    });
    const rp = local ? await redisPid(redisUrl) : null;
    if (rp !== null) pids['redis'] = rp;
    return {
      nodes,
      store: shared.store,
      pids,
      description: `2 nodes, Redis bus (${local ? 'own redis-server' : redisUrl}), PostgreSQL`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Ctrl-C (or SIGTERM) still stops the servers, drops the schema and removes temporary files: without
 * this, Node would exit at once and leave the server processes running.
 */
export function cleanUpOnInterrupt(cleanup: () => Promise<void>): void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the servers…\n`);
    void cleanup()
      .catch(() => {})
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
