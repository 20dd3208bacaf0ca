import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { type AppDeps, buildApp } from '../../src/server/app.js';
import type { Bus } from '../../src/server/bus/bus.js';
import { MemoryBus } from '../../src/server/bus/memory-bus.js';
import type { Clock } from '../../src/server/clock.js';
import { loadConfig } from '../../src/server/config.js';
import type { AppContext } from '../../src/server/context.js';
import type { Db } from '../../src/server/db/database.js';
import type { HubLimits } from '../../src/server/signaling/hub.js';
import { PASSWORD } from './fixtures.js';

export const ORIGIN = 'http://127.0.0.1:1';
/** The operator's recordings key of every test server (a test that needs none sets RECORDINGS_KEY to ''). */
export const TEST_RECORDINGS_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

export interface TestServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startServer(
  db: Db,
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    bus?: Bus;
    hubLimits?: Partial<HubLimits>;
    logger?: AppDeps['logger'];
    onRoute?: AppDeps['onRoute'];
  } = {},
): Promise<TestServer> {
  // Recordings go to a directory of this server's own, removed with it.
  const recordingsDir = await mkdtemp(join(tmpdir(), 'carecall-recordings-'));
  const config = loadConfig({
    PUBLIC_ORIGIN: ORIGIN,
    LOG_LEVEL: 'silent',
    RECORDINGS_KEY: TEST_RECORDINGS_KEY,
    RECORDINGS_DIR: recordingsDir,
    ...options.env,
  });
  const bus = options.bus ?? new MemoryBus();
  const { app, ctx } = await buildApp(config, {
    db,
    bus,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.hubLimits ? { hubLimits: options.hubLimits } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onRoute ? { onRoute: options.onRoute } : {}),
    // Tests run sweeps themselves (ctx.sweeper.runOnce()) with a controlled clock.
    sweepIntervalMs: 3_600_000,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    ctx,
    url,
    wsUrl: `ws://127.0.0.1:${address.port}/ws`,
    close: async () => {
      await app.close();
      if (!options.bus) await bus.close();
      await rm(recordingsDir, { recursive: true, force: true });
    },
  };
}

/** A signed-in browser, as far as the API can tell: a cookie, the CSRF token and an allowed Origin. */
export class Agent {
  /** The session cookie as `name=value` (tests may replace it to forge or drop a session). */
  cookie = '';
  /** The call cookie, once start, join, enter or a link exchange set one. */
  callCookie = '';
  csrf = '';

  constructor(readonly server: TestServer) {}

  static async signIn(server: TestServer, email: string, password = PASSWORD): Promise<Agent> {
    const agent = new Agent(server);
    const r = await agent.request('POST', '/api/session', { email, password });
    if (r.status !== 200)
      throw new Error(`sign-in failed for ${email}: ${r.status} ${JSON.stringify(r.body)}`);
    return agent;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const res = await fetch(this.server.url + path, {
      method,
      headers: {
        origin: ORIGIN,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookieHeader() ? { cookie: this.cookieHeader() } : {}),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      redirect: 'manual',
    });
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair] = c.split(';');
      if (pair?.startsWith('carecall_session=')) this.cookie = pair.endsWith('=') ? '' : pair;
      if (pair?.startsWith('carecall_call=')) this.callCookie = pair.endsWith('=') ? '' : pair;
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    const b = parsed as { csrfToken?: string } | null;
    if (b && typeof b === 'object' && typeof b.csrfToken === 'string') this.csrf = b.csrfToken;
    return { status: res.status, body: parsed, headers: res.headers };
  }

  cookieHeader(): string {
    return [this.cookie, this.callCookie].filter(Boolean).join('; ');
  }

  socket(origin = ORIGIN, url = this.server.wsUrl): Promise<SocketClient> {
    const cookie = this.cookieHeader();
    return SocketClient.open(url, { origin, ...(cookie ? { cookie } : {}) });
  }
}

/**
 * A request whose body is no JSON (a recording chunk, CSV) or whose answer is bytes or text, with the
 * agent's cookies, CSRF token and an allowed Origin. `json` is the answer parsed, or null when it is not JSON.
 */
export async function raw(
  agent: Agent,
  method: string,
  path: string,
  options: { body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<{ status: number; bytes: Buffer; text: string; headers: Headers; json: unknown }> {
  const cookie = agent.cookieHeader();
  const res = await fetch(agent.server.url + path, {
    method,
    headers: {
      origin: ORIGIN,
      ...(cookie ? { cookie } : {}),
      ...(agent.csrf ? { 'x-csrf-token': agent.csrf } : {}),
      ...options.headers,
    },
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : new Uint8Array(options.body) }),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // bytes or text
  }
  return { status: res.status, bytes, text, headers: res.headers, json };
}

/**
 * Every message a test client receives must be one the protocol describes (src/protocol/server-messages.ts).
 * A mismatch fails the waits of the client that received it and, under Vitest, the test that was running,
 * whether or not it waited for that message.
 */
const mismatches: Error[] = [];

type Schemas = typeof import('../../src/protocol/server-messages.js');
/**
 * Loaded when a client first needs them: a benchmark that runs the server through this module, and
 * opens no client, measures the server without them.
 */
let schemas: Schemas | null = null;
const loadSchemas = async (): Promise<Schemas> => {
  schemas ??= await import('../../src/protocol/server-messages.js');
  return schemas;
};

if (process.env['VITEST']) {
  await loadSchemas();
  const { afterEach } = await import('vitest');
  afterEach(() => {
    const found = mismatches.splice(0);
    if (found[0]) throw found[0];
  });
}

/** The message as received, if its schema describes it; throws otherwise. */
export function checkServerMessage(message: unknown): ServerMessage {
  if (!schemas) throw new Error('the server message schemas are not loaded');
  const result = schemas.serverMessageSchema.safeParse(message);
  if (result.success) return message as ServerMessage;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
  throw new Error(
    `the server sent a message its schema does not describe: ${JSON.stringify(message)} (${issues.join('; ')})`,
  );
}

/** A WebSocket client that queues what it receives, so a test can wait for a given message. */
export class SocketClient {
  readonly received: ServerMessage[] = [];
  private waiters: {
    match: (m: ServerMessage) => boolean;
    resolve: (m: ServerMessage) => void;
    reject: (err: Error) => void;
  }[] = [];
  closeInfo: { code: number; reason: string } | null = null;
  private closeWaiters: ((info: { code: number; reason: string }) => void)[] = [];
  /** The first message received that the protocol does not describe. */
  private mismatch: Error | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let msg: ServerMessage;
      try {
        msg = checkServerMessage(JSON.parse(data.toString()));
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      this.received.push(msg);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(msg)) return true;
        w.resolve(msg);
        return false;
      });
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      for (const w of this.closeWaiters) w(this.closeInfo);
    });
  }

  static async open(url: string, headers: Record<string, string>): Promise<SocketClient> {
    await loadSchemas();
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const client = new SocketClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body }),
          ),
        );
      });
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  next<T extends ServerMessage['type']>(
    type: T,
    where: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 3000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    return this.nextWhere(
      (m): boolean => m.type === type && where(m as Extract<ServerMessage, { type: T }>),
      `${type}`,
      timeoutMs,
    ) as Promise<Extract<ServerMessage, { type: T }>>;
  }

  nextWhere(
    match: (m: ServerMessage) => boolean,
    what = 'a message',
    timeoutMs = 3000,
  ): Promise<ServerMessage> {
    const already = this.received.find(match);
    if (already) {
      this.received.splice(this.received.indexOf(already), 1);
      return Promise.resolve(already);
    }
    if (this.mismatch) return Promise.reject(this.mismatch);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          this.received.splice(this.received.indexOf(m), 1);
          resolve(m);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  private fail(err: Error): void {
    mismatches.push(err);
    this.mismatch ??= err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  /** Sends and waits for the ack or error that answers it. */
  call(message: Record<string, unknown> & { type: string }): Promise<ServerMessage> {
    const id = `m${Math.random().toString(36).slice(2)}`;
    this.send({ ...message, id });
    return this.nextWhere(
      (m) => (m.type === 'ack' || m.type === 'error' || m.type === 'pong') && m.id === id,
      `reply to ${message.type}`,
    );
  }

  closed(): Promise<{ code: number; reason: string }> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  close(): void {
    this.ws.close();
  }
}
