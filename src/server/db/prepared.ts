import type { Compilable, CompiledQuery, DialectAdapter, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** What a prepared query's arguments may be: single values, bound as parameters. */
export type QueryArg = string | number | null;

/** The compiled form of a prepared query for one dialect: where each parameter comes from. */
interface Template {
  sql: string;
  query: CompiledQuery['query'];
  /** An argument's index, or a value the query itself fixed (a literal given to the builder). */
  slots: Array<{ arg: number } | { value: unknown }>;
}

const MARK = '\u0000carecall-arg:';
const marker = (i: number) => `${MARK}${i}\u0000`;

/**
 * A query of fixed shape that is built and compiled to SQL once per dialect and then only bound to new
 * argument values. Kysely otherwise builds an immutable query tree and compiles it on every execution:
 * on the signaling path (every socket's upgrade, subscribe and join) that cost more CPU, and more garbage,
 * than SQLite took to run the statements (docs/benchmarks.md, "Signaling load").
 *
 * `build` is called once with a marker in place of each argument. It must use each argument only as a
 * value the query binds (a comparison, an inserted value), never as a list, an identifier, raw SQL or an
 * input to other code: the markers are found by position among the compiled parameters, and compiling
 * throws if an argument is missing from them or appears in the SQL text.
 */
export class PreparedQuery<A extends QueryArg[], O> {
  /** Per dialect adapter: a transaction shares its database's adapter, so both use one template. */
  private readonly templates = new WeakMap<DialectAdapter, Template>();

  constructor(private readonly build: (db: Kysely<Database>, ...args: A) => Compilable<O>) {}

  async execute(db: Kysely<Database>, ...args: A): Promise<QueryResult<O>> {
    const template = this.template(db, args.length);
    const compiled: CompiledQuery<O> = {
      sql: template.sql,
      query: template.query,
      queryId: { queryId: '' },
      parameters: template.slots.map((s) => ('arg' in s ? args[s.arg] : s.value)),
    };
    return db.executeQuery(compiled);
  }

  /** The first row of a query, if any. */
  async first(db: Kysely<Database>, ...args: A): Promise<O | undefined> {
    return (await this.execute(db, ...args)).rows[0];
  }

  private template(db: Kysely<Database>, arity: number): Template {
    const adapter = db.getExecutor().adapter;
    let template = this.templates.get(adapter);
    if (template) return template;
    const markers = Array.from({ length: arity }, (_, i) => marker(i));
    const { sql, query, parameters } = this.build(db, ...(markers as A)).compile();
    if (sql.includes(MARK)) throw new Error('a prepared query put an argument into its SQL text');
    const slots = parameters.map((p) => {
      const arg = typeof p === 'string' ? markers.indexOf(p) : -1;
      return arg >= 0 ? { arg } : { value: p };
    });
    for (let i = 0; i < arity; i++) {
      if (!slots.some((s) => 'arg' in s && s.arg === i)) {
        throw new Error(`argument ${i} of a prepared query is not one of its bound parameters`);
      }
    }
    template = { sql, query, slots };
    this.templates.set(adapter, template);
    return template;
  }
}
