/**
 * Precompiled queries for the request hot path. Kysely builds and compiles a
 * query on every call (immutable operation trees, frozen objects, a compiler
 * pass): on the incident benchmark about a fifth of the server's CPU. A query
 * whose shape never changes is built once, with placeholders where its values
 * go, and later calls only fill its parameter list:
 *
 * ```ts
 * const SESSION = precompiled((db, p: Placeholders<{ tokenHash: string }>) =>
 *   db.selectFrom('sessions').selectAll().where('token_hash', '=', p.tokenHash));
 * const row = await first(db, SESSION, { tokenHash });
 * ```
 *
 * A placeholder stands for one whole parameter value (a string, number, date,
 * JSON text or array passed as one parameter). It must not be taken apart or
 * inspected while the query is built: not in `in` lists (Kysely expands an
 * array there; use `= ANY(…)`), not inside a larger string (a LIKE pattern).
 * Everything else in the builder is fixed at the first call.
 */
import { CompiledQuery, DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type Compilable } from 'kysely';
import type { Database } from './schema.ts';

/** A Kysely instance that only compiles (it has no connection). */
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const MARK = '\u0000yunwei-placeholder:';

/** The placeholders of a query's named values, typed as the values they stand for. */
export type Placeholders<P> = { readonly [K in keyof P]: P[K] };

/** A query compiled once, filled per call. */
export interface Precompiled<P, R> {
  /** The compiled query with these values. */
  with(values: P): CompiledQuery<R>;
}

/** Precompile the query `build` makes (see the module comment for what a placeholder may be used for). */
export function precompiled<P extends Record<string, unknown>, R>(build: (db: Kysely<Database>, p: Placeholders<P>) => Compilable<R>): Precompiled<P, R> {
  let plan: { sql: string; slots: ({ name: string } | { value: unknown })[] } | undefined;
  return {
    with(values: P): CompiledQuery<R> {
      if (!plan) {
        const p = new Proxy({}, { get: (_t, key) => `${MARK}${String(key)}` }) as Placeholders<P>;
        const c = build(compiler, p).compile();
        plan = {
          sql: c.sql,
          slots: c.parameters.map((v) => (typeof v === 'string' && v.startsWith(MARK) ? { name: v.slice(MARK.length) } : { value: v })),
        };
        for (const s of plan.slots) {
          if ('value' in s && typeof s.value === 'string' && s.value.includes(MARK)) throw new Error(`precompiled: a placeholder was used inside a value: ${s.value}`);
        }
      }
      return CompiledQuery.raw(plan.sql, plan.slots.map((s) => ('name' in s ? values[s.name] : s.value))) as CompiledQuery<R>;
    },
  };
}

/** Run a precompiled query; its rows. */
export async function run<P, R>(db: Kysely<Database>, q: Precompiled<P, R>, values: P): Promise<R[]> {
  return (await db.executeQuery(q.with(values))).rows;
}

/** Run a precompiled query; its first row, if any. */
export async function first<P, R>(db: Kysely<Database>, q: Precompiled<P, R>, values: P): Promise<R | undefined> {
  return (await run(db, q, values))[0];
}
