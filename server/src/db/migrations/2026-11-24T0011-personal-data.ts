/**
 * Personal data at rest: incidents and work orders keep masked text in their readable
 * columns and the originals in one SM4 envelope (`pii_sealed`), with blind
 * indexes (`pii_index`) for exact lookups of a phone or ID number.
 * `pii_sealed_at` is null only for rows written before this migration; the
 * server seals those at start (the key lives outside the database, so a
 * migration cannot). Attachments can be destroyed at contract close-out,
 * and close-outs are recorded. Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE incidents
      ADD COLUMN pii_sealed text,
      ADD COLUMN pii_index text[] NOT NULL DEFAULT '{}',
      ADD COLUMN pii_sealed_at timestamptz`.execute(db);
  await sql`CREATE INDEX incidents_pii_index ON incidents USING gin (pii_index)`.execute(db);
  await sql`CREATE INDEX incidents_pii_legacy ON incidents (id) WHERE pii_sealed_at IS NULL`.execute(db);
  await sql`
    ALTER TABLE work_orders
      ADD COLUMN pii_sealed text,
      ADD COLUMN pii_index text[] NOT NULL DEFAULT '{}',
      ADD COLUMN pii_sealed_at timestamptz`.execute(db);
  await sql`CREATE INDEX work_orders_pii_index ON work_orders USING gin (pii_index)`.execute(db);
  await sql`CREATE INDEX work_orders_pii_legacy ON work_orders (id) WHERE pii_sealed_at IS NULL`.execute(db);

  await sql`ALTER TABLE attachments ALTER COLUMN content DROP NOT NULL, ADD COLUMN destroyed_at timestamptz`.execute(db);

  await sql`
    CREATE TABLE contract_closeouts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL UNIQUE REFERENCES contracts(id),
      status text NOT NULL CHECK (status IN ('exported', 'destroyed', 'verified')),
      exported_by uuid REFERENCES users(id),
      exported_at timestamptz NOT NULL,
      export_digest_sm3 text NOT NULL,
      export_summary jsonb NOT NULL,
      destroyed_by uuid REFERENCES users(id),
      destroyed_at timestamptz,
      destruction_summary jsonb,
      verified_at timestamptz,
      verification jsonb,
      version integer NOT NULL DEFAULT 1
    )`.execute(db);
}
