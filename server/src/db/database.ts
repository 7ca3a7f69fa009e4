/**
 * The Kysely connection. PostgreSQL is the only database.
 */
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type PostgresCursor, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Either the root handle or a transaction: for read helpers usable in both. */
export type DbOrTrx = Kysely<Database>;

// DATE columns stay strings ('2023-05-01'): dates are calendar dates, not instants.
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v);

/** Statement texts longer than this (e.g. multi-row inserts, whose text varies with the row count) are never prepared. */
const MAX_PREPARED_TEXT = 4000;
/** At most this many distinct statements are prepared (per process, so per connection too), bounding the server's memory. */
const MAX_PREPARED = 1000;
const preparedNames = new Map<string, string>();

/** The statement name of a query text, or undefined when it stays unnamed. */
function statementName(text: string): string | undefined {
  const known = preparedNames.get(text);
  if (known !== undefined || text.length > MAX_PREPARED_TEXT || preparedNames.size >= MAX_PREPARED) return known;
  const name = `y${createHash('sha1').update(text).digest('hex').slice(0, 30)}`;
  preparedNames.set(text, name);
  return name;
}

/**
 * A pool client whose parameterised queries run as named (server-side
 * prepared) statements: PostgreSQL parses and plans each statement once per
 * connection instead of on every call (on the incident lifecycle benchmark,
 * about half of PostgreSQL's CPU per request). Kysely compiles the same query
 * shape to the same text, so the name is derived from the text. Queries
 * without parameters (BEGIN, COMMIT, DDL) keep the simple protocol.
 * Caveat: a prepared `SELECT *` fails after its table gains or loses a column
 * on a live connection; schema changes happen at start-up (migrations), before
 * any query is prepared.
 */
class PreparingClient implements PostgresPoolClient {
  constructor(private readonly client: pg.PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') throw new Error('database: cursors are not configured');
    const values = [...(parameters ?? [])];
    const name = values.length > 0 ? statementName(sqlOrCursor) : undefined;
    return this.client.query<R & pg.QueryResultRow>(name ? { name, text: sqlOrCursor, values } : { text: sqlOrCursor, values }).then((r) => ({
      command: commandOf(r.command),
      rowCount: r.rowCount ?? 0,
      rows: r.rows,
    }));
  }

  release(): void {
    this.client.release();
  }
}

/** Kysely reads the command tag only to report affected rows of writes. */
function commandOf(tag: string): PostgresQueryResult<unknown>['command'] {
  return tag === 'INSERT' || tag === 'UPDATE' || tag === 'DELETE' || tag === 'MERGE' ? tag : 'SELECT';
}

/** The pg pool as Kysely sees it, handing out {@link PreparingClient}s. */
class PreparingPool implements PostgresPool {
  constructor(private readonly pool: pg.Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    return new PreparingClient(await this.pool.connect());
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * Open a pooled connection to `url`. `preparedStatements` (default true):
 * run parameterised queries as named prepared statements (see {@link PreparingClient}).
 */
export function createDb(url: string, poolSize = 10, opts: { preparedStatements?: boolean } = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection closed by the server (restart, failover) must not crash
  // the process; the pool replaces it on next use.
  pool.on('error', (err: Error & { code?: string }) => {
    process.stderr.write(`[yunwei] 数据库空闲连接断开（${err.code ?? ''}）：${err.message}\n`);
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: opts.preparedStatements === false ? pool : new PreparingPool(pool) }) });
}
