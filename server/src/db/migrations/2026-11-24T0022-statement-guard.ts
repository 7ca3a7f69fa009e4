/**
 * `yunwei_fail(code, message)`: raises an error with the given SQLSTATE.
 *
 * A write that merges several data-modifying CTEs into one autocommitted
 * statement (e.g. an incident command with its SLA clock, timeline event and
 * audit row) calls it when one of its optimistic checks (a version, a row's
 * xmin) matched nothing, so the statement fails as a whole and none of its
 * other writes is kept. VOLATILE so that a CASE calls it only when reached.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION yunwei_fail(code text, message text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
    END
    $$`.execute(db);
}
