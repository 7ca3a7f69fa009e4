/**
 * District / street scopes on records: incidents and work orders remember
 * the contract site they concern (`site_key`) and its district and street,
 * copied from `contract_sites` when the record is created, so that a scoped
 * agency user's lists, exports and single reads can be limited to their area.
 * Rows with no district are outside every limited scope (least privilege).
 * Existing incidents whose free-text site equals a site's name are backfilled.
 * Frozen: never edit after merge; add a new migration instead.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['incidents', 'work_orders']) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN site_key text, ADD COLUMN district text, ADD COLUMN street text`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(`${table}_street_in_district`)} CHECK (street IS NULL OR district IS NOT NULL)`.execute(db);
    // Partial: only located rows are indexed, and only scoped users filter on it.
    await sql`CREATE INDEX ${sql.id(`${table}_scope`)} ON ${sql.table(table)} (contract_id, district, street) WHERE district IS NOT NULL`.execute(db);
  }
  await sql`ALTER TABLE work_orders ADD COLUMN site text`.execute(db);
  await sql`
    UPDATE incidents i SET site_key = s.key, district = s.district, street = s.street
    FROM contracts c JOIN contract_sites s ON s.version_id = c.current_version_id
    WHERE c.id = i.contract_id AND s.name = i.site`.execute(db);
}
