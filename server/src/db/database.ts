/**
 * The Kysely connection. PostgreSQL is the only database.
 */
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Either the root handle or a transaction: for read helpers usable in both. */
export type DbOrTrx = Kysely<Database>;

// DATE columns stay strings ('2023-05-01'): dates are calendar dates, not instants.
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v);

/** Open a pooled connection to `url`. */
export function createDb(url: string, poolSize = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection closed by the server (restart, failover) must not crash
  // the process; the pool replaces it on next use.
  pool.on('error', (err: Error & { code?: string }) => {
    process.stderr.write(`[yunwei] 数据库空闲连接断开（${err.code ?? ''}）：${err.message}\n`);
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
