import { afterEach } from 'vitest';
import type { AppDeps } from '../../src/server/app.js';
import type { Bus } from '../../src/server/bus/bus.js';
import { type Clock, systemClock } from '../../src/server/clock.js';
import type { Db } from '../../src/server/db/database.js';
import type { HubLimits } from '../../src/server/signaling/hub.js';
import { EMAIL, type Person, seedWorld, type World } from './fixtures.js';
import { Agent, type SocketClient, startServer, type TestServer } from './server.js';
import { sqliteInMemory, type TestDatabase } from './suites.js';

export interface WorldOptions {
  /** One of testDatabases(); SQLite in memory when left out. */
  database?: TestDatabase;
  /** The server's clock, and the time the world is seeded at. */
  clock?: Clock;
  env?: Record<string, string>;
  hubLimits?: Partial<HubLimits>;
  /** Closed with the world, after the server. */
  bus?: Bus;
  logger?: AppDeps['logger'];
}

/** A migrated database, a server on it and the seeded world. */
export interface OpenWorld {
  db: Db;
  server: TestServer;
  world: World;
}

interface Closable {
  close(): unknown;
}

/** Later options win; env and hubLimits are merged key by key. */
function merge(base: WorldOptions, more: WorldOptions): WorldOptions {
  const merged: WorldOptions = { ...base, ...more };
  if (base.env || more.env) merged.env = { ...base.env, ...more.env };
  if (base.hubLimits || more.hubLimits) merged.hubLimits = { ...base.hubLimits, ...more.hubLimits };
  return merged;
}

/**
 * The set-up that tests share: `open()` gives a test its world, and everything opened through this object
 * (the world, sockets, whatever else is tracked) is closed by `close()`, last opened first: sockets before
 * the server, the server before its bus, the bus before the database.
 */
export class TestWorld {
  private current: OpenWorld | null = null;
  private readonly opened: Closable[] = [];

  constructor(private readonly defaults: WorldOptions = {}) {}

  /** Opens the test's world with these options over the defaults. */
  async open(options: WorldOptions = {}): Promise<OpenWorld> {
    if (this.current) throw new Error('this test has opened its world already');
    const { database = sqliteInMemory, clock, env, hubLimits, bus, logger } = merge(this.defaults, options);
    const db = this.track(await database.open());
    if (bus) this.track(bus);
    const server = this.track(
      await startServer(db, {
        ...(env ? { env } : {}),
        ...(clock ? { clock } : {}),
        ...(bus ? { bus } : {}),
        ...(hubLimits ? { hubLimits } : {}),
        ...(logger ? { logger } : {}),
      }),
    );
    const world = await seedWorld(server.ctx.store, (clock ?? systemClock).now());
    this.current = { db, server, world };
    return this.current;
  }

  get server(): TestServer {
    if (!this.current) throw new Error('open() the world first');
    return this.current.server;
  }

  signIn(who: Person): Promise<Agent> {
    return Agent.signIn(this.server, EMAIL[who]);
  }

  /** Signs them in one after another, in the order given. */
  async signInAll<P extends Person>(...people: P[]): Promise<Record<P, Agent>> {
    const agents = {} as Record<P, Agent>;
    for (const who of people) agents[who] = await this.signIn(who);
    return agents;
  }

  /** The agent's socket, once its welcome has arrived; closed after the test. */
  async socket(agent: Agent): Promise<SocketClient> {
    const s = this.track(await agent.socket());
    await s.next('welcome');
    return s;
  }

  /** Closes it after the test, before anything opened earlier. */
  track<T extends Closable>(thing: T): T {
    this.opened.push(thing);
    return thing;
  }

  /** Closes everything, last opened first; an error is thrown once the rest is closed too. */
  async close(): Promise<void> {
    this.current = null;
    const errors: unknown[] = [];
    for (const thing of this.opened.splice(0).reverse()) {
      try {
        await thing.close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

/** A TestWorld for the tests of the enclosing describe block (or file): closed after each of them. */
export function useWorld(defaults: WorldOptions = {}): TestWorld {
  const w = new TestWorld(defaults);
  afterEach(() => w.close());
  return w;
}
