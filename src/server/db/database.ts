import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  Kysely,
  type LogEvent,
  Migrator,
  PostgresDialect,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';
import { BetterSqliteDialect } from './sqlite-dialect.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly kind: DatabaseKind;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Told of every query's kind of statement (`SelectQueryNode`…, never its SQL) and duration, for the
   * metrics; the returned function stops it.
   */
  observeQueries(observer: QueryObserver): () => void;
}

export type QueryObserver = (nodeKind: string, durationMs: number) => void;

/** Kysely's log hook, which times each query anyway, passed on to whoever observes this database. */
function queryObservers(): { log: (event: LogEvent) => void; observe: Db['observeQueries'] } {
  const observers = new Set<QueryObserver>();
  return {
    log: (event) => {
      if (observers.size === 0) return;
      const kind = event.query.query.kind;
      for (const o of observers) o(kind, event.queryDurationMillis);
    },
    observe: (observer) => {
      observers.add(observer);
      return () => observers.delete(observer);
    },
  };
}

// int8 (bigint) holds epoch milliseconds, which fit a JS number exactly.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export interface OpenOptions {
  /** PostgreSQL only: a schema to use (created if missing); tests isolate themselves with it. */
  schema?: string;
}

export function openDatabase(target: Config['database'], options: OpenOptions = {}): Db {
  if (target.kind === 'sqlite') {
    if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
    const sqlite = new SqliteDatabase(target.file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    const queries = queryObservers();
    const kysely = new Kysely<Database>({
      dialect: new BetterSqliteDialect(sqlite),
      log: queries.log,
    });
    return {
      kysely,
      kind: 'sqlite',
      observeQueries: queries.observe,
      ping: async () => {
        sqlite.prepare('select 1').get();
      },
      close: once(() => kysely.destroy()),
    };
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: 10,
    ...(options.schema ? { options: `-c search_path=${quoteIdent(options.schema)}` } : {}),
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const queries = queryObservers();
  const kysely = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }), log: queries.log });
  return {
    kysely,
    kind: 'postgres',
    observeQueries: queries.observe,
    ping: async () => {
      await pool.query('select 1');
    },
    close: once(() => kysely.destroy()),
  };
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  // Kysely looks for its own tables in every schema it can see: pinned to ours, another schema in the
  // same database (another deployment, a test run next door) cannot make it skip creating them.
  const schema =
    db.kind === 'postgres'
      ? (await sql<{ name: string | null }>`select current_schema() as name`.execute(db.kysely)).rows[0]?.name
      : null;
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw new Error('database migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Kysely's PostgreSQL introspector reads the columns of every schema in the database, with functions that
 * fail (3F000) when another session drops a schema meanwhile: another deployment's clean-up, or a test run
 * next door ending. The migrator, its only user here, needs just which tables exist in our own schema.
 */
class OwnSchemaPostgresDialect extends PostgresDialect {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature.
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}

class OwnSchemaIntrospector implements DatabaseIntrospector {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature.
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`
      select nspname as name from pg_catalog.pg_namespace where nspname = current_schema()`.execute(this.db);
    return rows;
  }

  /** The current schema's tables and views, without their columns. */
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v', 'm')`.execute(this.db);
    return rows.map((r) => ({
      name: r.name,
      schema: r.schema,
      isView: r.kind === 'v' || r.kind === 'm',
      columns: [],
    }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe schema name: ${name}`);
  return name;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => {
    done ??= fn();
    return done;
  };
}
