import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { systemClock } from '../../src/server/clock.js';
import { type Db, migrateToLatest, openDatabase } from '../../src/server/db/database.js';
import { createStore, type Store } from '../../src/server/store.js';
import { PASSWORD } from './fixtures.js';
import { exited, freePort, inheritedEnv } from './processes.js';
import { Agent, type SocketClient, type TestServer } from './server.js';

/**
 * Several real carecall processes on one PostgreSQL schema and one Redis, behind a tiny TCP balancer:
 * what a hospital group runs (docs/protocol.md S21), small enough for a test. Everything started here is
 * stopped by the matching `stop`/`drop`, and a process that exits also SIGKILLs the nodes it started.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const LOG_LINES_KEPT = 400;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL: one fresh schema per cluster, reached by the nodes through DATABASE_URL's `options`.

export interface SharedDatabase {
  schema: string;
  /** DATABASE_URL for the nodes: the base URL with `options=-c search_path=<schema>`. */
  url: string;
  /** The same schema, opened in this process (to seed it and to look at what the nodes stored). */
  db: Db;
  store: Store;
  /** Closes the connection and drops the schema with everything in it. Idempotent. */
  drop(): Promise<void>;
}

/** `base` may use a Unix socket: `postgres://postgres@/test?host=/var/run/postgresql`. */
export async function createSharedDatabase(base: string): Promise<SharedDatabase> {
  const schema = `cc_cluster_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const db = openDatabase({ kind: 'postgres', url: base }, { schema });
  let dropping: Promise<void> | null = null;
  const drop = () => {
    dropping ??= (async () => {
      await db.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    })();
    return dropping;
  };
  try {
    // Migrated here, once: nodes that start together then find the schema ready.
    await migrateToLatest(db);
  } catch (err) {
    await drop();
    throw err;
  }
  return { schema, url, db, store: createStore(db, systemClock), drop };
}

export interface SeededCall {
  hospitalId: string;
  doctor: { id: string; email: string };
  patient: { id: string; email: string };
  appointmentId: string;
}

let hashed: Promise<string> | null = null;

/** A hospital, a doctor and a patient (password PASSWORD) and one appointment scheduled now. */
export async function seedCall(store: Store, label = randomBytes(3).toString('hex')): Promise<SeededCall> {
  const { hashPassword } = await import('../../src/server/accounts/passwords.js');
  hashed ??= hashPassword(PASSWORD);
  const passwordHash = await hashed;
  const hospital = await store.users.createHospital(`Hospital ${label}`);
  const doctor = await store.users.create({
    email: `doctor-${label}@cluster.test`,
    displayName: `Dr. ${label}`,
    role: 'doctor',
    hospitalId: hospital.id,
    passwordHash,
  });
  const patient = await store.users.create({
    email: `patient-${label}@cluster.test`,
    displayName: `Patient ${label}`,
    role: 'patient',
    hospitalId: null,
    passwordHash,
  });
  const appointment = await store.appointments.create({
    hospitalId: hospital.id,
    doctorId: doctor.id,
    patientId: patient.id,
    scheduledAt: Date.now(),
    reason: 'Follow-up',
  });
  return {
    hospitalId: hospital.id,
    doctor: { id: doctor.id, email: doctor.email },
    patient: { id: patient.id, email: patient.email },
    appointmentId: appointment.id,
  };
}

/** Another appointment, scheduled now, for the same doctor and patient (each test its own call). */
export async function seedAppointment(store: Store, call: SeededCall): Promise<SeededCall> {
  const appointment = await store.appointments.create({
    hospitalId: call.hospitalId,
    doctorId: call.doctor.id,
    patientId: call.patient.id,
    scheduledAt: Date.now(),
    reason: 'Follow-up',
  });
  return { ...call, appointmentId: appointment.id };
}

// ---------------------------------------------------------------------------------------------------
// Redis: the nodes use the fixed `carecall:` prefix, so cleanup deletes exactly the keys that name an
// entity of this cluster's schema (rooms, appointments, users). Nothing else is touched.

/** Deletes the Redis keys of every appointment, call room and user in the schema. */
export async function deleteClusterKeys(redisUrl: string, store: Store): Promise<number> {
  const k = store.db.kysely;
  const ids = [
    ...(await k.selectFrom('appointments').select('id').execute()).map((r) => r.id),
    ...(await k.selectFrom('call_sessions').select('room_id').execute()).map((r) => r.room_id),
    ...(await k.selectFrom('users').select('id').execute()).map((r) => r.id),
  ];
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  let deleted = 0;
  try {
    await redis.connect();
    for (const id of new Set(ids)) {
      if (!/^[A-Za-z0-9_-]+$/.test(id)) continue;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `carecall:*${id}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** A Redis server of its own on a free loopback port (for the browser tests' network namespace). */
export interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startLocalRedis(binary = '/usr/bin/redis-server'): Promise<LocalRedis> {
  const port = await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  };
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return { url, stop };
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start on port ${port}: ${output.join('')}`);
    }
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------------
// Nodes

export interface NodeOptions {
  name: string;
  databaseUrl: string;
  /** Empty: the node runs the in-process bus (one node alone, as a clinic does). */
  redisUrl: string;
  publicOrigin: string;
  /** `source` runs src/server/main.ts through tsx; `built` runs bin/carecall.js (needs npm run build). */
  entry?: 'source' | 'built';
  env?: Readonly<Record<string, string>>;
  /** Extra Node.js flags before the entry (a benchmark's --cpu-prof or --inspect). */
  nodeArgs?: readonly string[];
}

export interface ClusterNode {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the node itself, not the public origin. */
  readonly url: string;
  readonly wsUrl: string;
  readonly pid: number;
  alive(): boolean;
  logs(): string;
  /** SIGKILL: no shutdown hook runs, sockets drop as they would when a machine dies. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** Starts `carecall serve` and resolves once GET /readyz answers 200 (database and Redis reachable). */
export async function startNode(options: NodeOptions): Promise<ClusterNode> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), `carecall-node-${options.name}-`));
  const env = {
    ...inheritedEnv(['CARECALL_']),
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    PUBLIC_ORIGIN: options.publicOrigin,
    RECORDINGS_DIR: join(dir, 'recordings'),
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const args = [
    ...(options.nodeArgs ?? []),
    ...(options.entry === 'built'
      ? [join(ROOT, 'bin', 'carecall.js'), 'serve']
      : ['--import', 'tsx', join(ROOT, 'src', 'server', 'main.ts'), 'serve']),
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const finish = async (signal: NodeJS.Signals) => {
    process.removeListener('exit', killOnExit);
    if (alive()) {
      child.kill(signal);
      const timer = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited(child);
      if (timer) clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const node: ClusterNode = {
    name: options.name,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid ?? -1,
    alive,
    logs: () => lines.join('\n'),
    kill: () => finish('SIGKILL'),
    stop: () => finish('SIGTERM'),
  };
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    for (;;) {
      if (!alive()) {
        throw new Error(
          `node ${options.name} exited (${child.exitCode ?? child.signalCode}):\n${node.logs()}`,
        );
      }
      try {
        const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (r.status === 200) break;
        last = `GET /readyz answered ${r.status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `node ${options.name} not ready in ${READY_TIMEOUT_MS} ms (${last}):\n${node.logs()}`,
        );
      }
      await sleep(100);
    }
  } catch (err) {
    await finish('SIGKILL');
    throw err;
  }
  return node;
}

// ---------------------------------------------------------------------------------------------------
// Balancer

export interface Balancer {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the origin clients and browsers use (the nodes' PUBLIC_ORIGIN). */
  readonly origin: string;
  /** Where new connections go: the first of these ports that accepts. Existing connections stay put. */
  setBackends(ports: readonly number[]): void;
  /** The backend port of every connection forwarded so far, in order. */
  readonly forwarded: number[];
  close(): Promise<void>;
}

/**
 * A TCP balancer: each new connection goes to the first backend of the list that accepts it, so when a
 * node dies (connection refused) new connections go to the next one. Bytes are piped untouched, so
 * WebSocket upgrades and keep-alive work as through any layer-4 balancer.
 */
export async function startBalancer(
  backends: readonly number[],
  options: { port?: number } = {},
): Promise<Balancer> {
  let order = [...backends];
  const sockets = new Set<Socket>();
  const forwarded: number[] = [];
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    const candidates = [...order];
    const attempt = () => {
      const port = candidates.shift();
      if (port === undefined || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: '127.0.0.1', port });
      track(upstream);
      const onError = () => {
        upstream.destroy();
        attempt();
      };
      upstream.once('error', onError);
      upstream.once('connect', () => {
        upstream.removeListener('error', onError);
        forwarded.push(port);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    client.on('error', () => {});
    attempt();
  });
  const port = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('balancer has no address');
  return {
    port: address.port,
    origin: `http://127.0.0.1:${address.port}`,
    setBackends(ports) {
      order = [...ports];
    },
    forwarded,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reserves a port for the balancer before the nodes start, since they need its origin. */
export async function balancerOrigin(): Promise<{ port: number; origin: string }> {
  const port = await freePort();
  return { port, origin: `http://127.0.0.1:${port}` };
}

// ---------------------------------------------------------------------------------------------------
// Clients

/**
 * One browser (its cookies) talking to whichever node a test points it at, always with the public
 * origin in `Origin`, as a browser behind the balancer would.
 */
export class ClusterAgent extends Agent {
  private readonly target: { url: string; wsUrl: string };

  private constructor(
    readonly origin: string,
    node: { url: string; wsUrl: string },
  ) {
    const target = { url: node.url, wsUrl: node.wsUrl };
    super(target as unknown as TestServer);
    this.target = target;
  }

  static async signInAt(
    node: { url: string; wsUrl: string },
    origin: string,
    email: string,
    password = PASSWORD,
  ): Promise<ClusterAgent> {
    const agent = new ClusterAgent(origin, node);
    const r = await agent.request('POST', '/api/session', { email, password });
    if (r.status !== 200)
      throw new Error(`sign-in failed for ${email}: ${r.status} ${JSON.stringify(r.body)}`);
    return agent;
  }

  /** Sends the requests that follow to another node (the same browser, another backend). */
  via(node: { url: string; wsUrl: string }): this {
    this.target.url = node.url;
    this.target.wsUrl = node.wsUrl;
    return this;
  }

  override request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    return super.request(method, path, body, { origin: this.origin, ...headers });
  }

  /** A WebSocket to a node (by default the current target), with the public origin. */
  override socket(origin = this.origin, url = this.target.wsUrl): Promise<SocketClient> {
    return super.socket(origin, url);
  }
}
