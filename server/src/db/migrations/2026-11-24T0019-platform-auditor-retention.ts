/**
 * Platform-level separation of duties and personal-data retention
 * (security.md checks 7 and 29):
 * - `users.is_platform_auditor`: the platform's security auditor (安全审计员),
 *   who alone reads and verifies the platform-wide audit trail; the database
 *   refuses one person being both platform administrator and platform auditor;
 * - `pii_anonymised_at` on incidents and work orders: when the retention job
 *   destroyed the record's sealed originals (masked text stays).
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN is_platform_auditor boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE users ADD CONSTRAINT users_platform_duties_apart CHECK (NOT (is_platform_admin AND is_platform_auditor))`.execute(db);
  await sql`ALTER TABLE incidents ADD COLUMN pii_anonymised_at timestamptz`.execute(db);
  await sql`ALTER TABLE work_orders ADD COLUMN pii_anonymised_at timestamptz`.execute(db);
}
