/**
 * The incident search text and blind indexes move to a table of their own.
 *
 * Before: `incidents` carried the doubled search text (a generated column,
 * recomputed by a regular expression on every UPDATE) and two GIN indexes
 * (trigrams of that text, blind indexes). Every lifecycle command changes the
 * status and the SLA columns, which other indexes cover, so its UPDATE is never
 * HOT and re-inserted a GIN entry for every trigram of the whole text, the same
 * as before. On the incident benchmark that was about a sixth of PostgreSQL's
 * CPU per request.
 *
 * Now `incident_search` holds one row per incident: the doubled text and the
 * blind indexes, with the two GIN indexes. Triggers keep it in step with
 * `incidents`, whoever writes (the service, retention, close-out, key
 * rotation, bulk loads):
 * - on INSERT, one statement-level trigger copies the new rows (a bulk load
 *   costs one statement, not one per row);
 * - on UPDATE, a row trigger fires only when the title, the description or
 *   the blind indexes really changed (its WHEN clause is evaluated without
 *   calling the function), so a status change writes nothing here.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE incident_search (
      incident_id uuid PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
      doubled text NOT NULL,
      pii_index text[] NOT NULL DEFAULT '{}'
    )`.execute(db);
  await sql`INSERT INTO incident_search (incident_id, doubled, pii_index) SELECT id, search_doubled, pii_index FROM incidents`.execute(db);
  await sql`CREATE INDEX incident_search_doubled ON incident_search USING gin (doubled gin_trgm_ops)`.execute(db);
  await sql`CREATE INDEX incident_search_pii ON incident_search USING gin (pii_index)`.execute(db);
  await sql`DROP INDEX incidents_search`.execute(db);
  await sql`DROP INDEX incidents_pii_index`.execute(db);
  await sql`ALTER TABLE incidents DROP COLUMN search_doubled`.execute(db);

  await sql`
    CREATE FUNCTION yunwei_incident_search_inserted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO incident_search (incident_id, doubled, pii_index)
      SELECT n.id, yunwei_search_double(n.title || ' ' || n.description), n.pii_index FROM new_rows n;
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER incidents_search_inserted AFTER INSERT ON incidents
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION yunwei_incident_search_inserted()`.execute(db);

  await sql`
    CREATE FUNCTION yunwei_incident_search_updated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE incident_search SET doubled = yunwei_search_double(NEW.title || ' ' || NEW.description), pii_index = NEW.pii_index
      WHERE incident_id = NEW.id;
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER incidents_search_updated AFTER UPDATE OF title, description, pii_index ON incidents
    FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description OR OLD.pii_index IS DISTINCT FROM NEW.pii_index)
    EXECUTE FUNCTION yunwei_incident_search_updated()`.execute(db);
}
