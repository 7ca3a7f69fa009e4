/**
 * Pieces of raw SQL for one row, for statements Kysely's builder cannot
 * express (e.g. a data-modifying WITH whose parts are raw SQL of other
 * modules). Column names come from the row's keys (typed by the caller as the
 * table's `Insertable` / `Updateable`); values are parameters, except a
 * value that is itself SQL (`sql`…``, e.g. a number drawn by the statement),
 * spliced as it is. Undefined values are left out.
 */
import { sql, type RawBuilder } from 'kysely';

function given(row: object): [string, unknown][] {
  return Object.entries(row).filter(([, v]) => v !== undefined);
}

/** `(column, …) VALUES (value, …)` of a one-row INSERT. */
export function valuesClause(row: object): RawBuilder<unknown> {
  const entries = given(row);
  return sql`(${sql.join(entries.map(([k]) => sql.ref(k)))}) VALUES (${sql.join(entries.map(([, v]) => sql`${v}`))})`;
}

/** `column = value, …` of an UPDATE's SET. */
export function setClause(row: object): RawBuilder<unknown> {
  return sql.join(given(row).map(([k, v]) => sql`${sql.ref(k)} = ${v}`));
}
