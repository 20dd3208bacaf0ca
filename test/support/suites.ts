import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { type Db, migrateToLatest, openDatabase } from '../../src/server/db/database.js';
import { TURNSERVER } from './coturn.js';
import { PROMETHEUS, PROMTOOL } from './prometheus.js';

/**
 * Suites that need a real service. Locally they are skipped with their name printed; when
 * CARECALL_REQUIRE names them (CI does), a missing service fails the run instead.
 */
export type ServiceSuite = 'postgres' | 'redis' | 'coturn' | 'prometheus';

const HOW_TO_ENABLE: Record<ServiceSuite, string> = {
  postgres: 'set DATABASE_URL_TEST=postgres://… to run it',
  redis: 'set REDIS_URL_TEST=redis://… to run it',
  coturn: `install coturn (${TURNSERVER}) to run it`,
  prometheus: `install Prometheus (${PROMETHEUS} and ${PROMTOOL}: apt-get install prometheus) to run it`,
};

const required = new Set((process.env['CARECALL_REQUIRE'] ?? '').split(',').map((s) => s.trim()));

export function postgresUrl(): string | null {
  const url = process.env['DATABASE_URL_TEST'] ?? process.env['DATABASE_URL'];
  return url?.startsWith('postgres') ? url : null;
}

export function redisUrl(): string | null {
  return process.env['REDIS_URL_TEST'] ?? process.env['REDIS_URL'] ?? null;
}

/** True when the suite can run; throws when it is required but cannot. */
export function serviceAvailable(suite: ServiceSuite): boolean {
  const available =
    suite === 'postgres'
      ? postgresUrl() !== null
      : suite === 'redis'
        ? redisUrl() !== null
        : suite === 'coturn'
          ? existsSync(TURNSERVER)
          : existsSync(PROMETHEUS) && existsSync(PROMTOOL);
  if (!available && required.has(suite)) {
    throw new Error(
      `The ${suite} suite is required (CARECALL_REQUIRE) but cannot run: ${HOW_TO_ENABLE[suite]}.`,
    );
  }
  if (!available) {
    process.stderr.write(`SKIPPED SUITE: ${suite} (${HOW_TO_ENABLE[suite]})\n`);
  }
  return available;
}

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated database; close() removes it. */
  open(): Promise<Db>;
}

/** SQLite in memory: needs no service, so it is always in testDatabases(). */
export const sqliteInMemory: TestDatabase = {
  name: 'sqlite',
  open: async () => {
    const db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    await migrateToLatest(db);
    return db;
  },
};

export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [sqliteInMemory];
  const url = postgresUrl();
  if (serviceAvailable('postgres') && url) {
    list.push({
      name: 'postgres',
      open: async () => {
        const schema = `cc_test_${randomBytes(6).toString('hex')}`;
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query(`CREATE SCHEMA ${schema}`);
        await admin.end();
        const db = openDatabase({ kind: 'postgres', url }, { schema });
        await migrateToLatest(db);
        return {
          ...db,
          close: async () => {
            await db.close();
            const c = new pg.Client({ connectionString: url });
            await c.connect();
            await c.query(`DROP SCHEMA ${schema} CASCADE`);
            await c.end();
          },
        };
      },
    });
  }
  return list;
}
