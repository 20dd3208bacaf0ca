import type SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/** Prepared statements kept per SQL text; the repositories issue a few dozen distinct ones. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely over better-sqlite3, as Kysely's SqliteDialect, with two changes that the signaling benchmark
 * called for (docs/benchmarks.md):
 *
 * - The single connection goes to waiting queries one at a time, in order. Kysely's lock wakes every
 *   waiter at each release and all but one go back to sleep, so N queries waiting at once cost O(N²)
 *   wake-ups: with a few hundred sockets joining at once that lock took more CPU than the queries did.
 * - Prepared statements are kept per SQL text instead of being prepared for every query, which cost more
 *   CPU than running most of them. They are run to completion synchronously (`all`/`run`), so a cached
 *   statement is never in use twice at once; streaming prepares its own.
 */
export class BetterSqliteDialect implements Dialect {
  constructor(private readonly sqlite: SqliteDatabase.Database) {}

  createDriver(): Driver {
    return new BetterSqliteDriver(this.sqlite);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class BetterSqliteDriver implements Driver {
  private readonly connection: BetterSqliteConnection;
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly sqlite: SqliteDatabase.Database) {
    this.connection = new BetterSqliteConnection(sqlite);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve(this.connection);
    }
    return new Promise((resolve) => this.waiting.push(() => resolve(this.connection)));
  }

  async releaseConnection(): Promise<void> {
    // Handed straight to the next in line: the connection stays taken.
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    this.sqlite.close();
  }
}

class BetterSqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, SqliteDatabase.Statement>();

  constructor(private readonly sqlite: SqliteDatabase.Database) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    const statement = this.prepare(sql);
    if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
    const { changes, lastInsertRowid } = statement.run(parameters);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const statement = this.sqlite.prepare(compiledQuery.sql);
    for (const row of statement.iterate(compiledQuery.parameters)) yield { rows: [row as R] };
  }

  private prepare(sql: string): SqliteDatabase.Statement {
    let statement = this.statements.get(sql);
    if (statement) return statement;
    statement = this.sqlite.prepare(sql);
    if (this.statements.size >= STATEMENT_CACHE_SIZE) {
      const oldest = this.statements.keys().next().value;
      if (oldest !== undefined) this.statements.delete(oldest);
    }
    this.statements.set(sql, statement);
    return statement;
  }
}
