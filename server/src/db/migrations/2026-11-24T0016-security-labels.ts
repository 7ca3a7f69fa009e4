/**
 * Security labels (安全标记, 等保 访问控制 g; GB/T 39786 8.4 c): incidents and
 * work orders carry a label (public < internal < sensitive, stored as those
 * English keys) and an HMAC-SM3 over (table, id, contract, label) keyed from
 * the data key outside the database (`label_mac`, "<key id>.<hex>"). Each
 * contract grant carries the holder's clearance: the highest label they may
 * read. `label_alarm_at` is set by the integrity verifier when a row's MAC no
 * longer matches; such a row reads as sensitive until the label is set again.
 *
 * Rows written before this migration get the default label and no MAC; the
 * server computes their MACs at start (the key lives outside the database, so
 * a migration cannot). Frozen: never edit after merge; add a new migration instead.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['incidents', 'work_orders']) {
    await sql`
      ALTER TABLE ${sql.table(table)}
        ADD COLUMN security_label text NOT NULL DEFAULT 'internal',
        ADD COLUMN label_mac text,
        ADD COLUMN label_alarm_at timestamptz`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(`${table}_security_label_known`)} CHECK (security_label IN ('public', 'internal', 'sensitive'))`.execute(db);
    // Only rows still waiting for their first MAC (legacy rows at the first start) are indexed.
    await sql`CREATE INDEX ${sql.id(`${table}_label_unsealed`)} ON ${sql.table(table)} (id) WHERE label_mac IS NULL`.execute(db);
  }
  await sql`ALTER TABLE memberships ADD COLUMN clearance text NOT NULL DEFAULT 'internal'`.execute(db);
  await sql`ALTER TABLE memberships ADD CONSTRAINT memberships_clearance_known CHECK (clearance IN ('public', 'internal', 'sensitive'))`.execute(db);
}
