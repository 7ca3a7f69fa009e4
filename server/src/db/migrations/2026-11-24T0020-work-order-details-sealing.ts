/**
 * A work order's details and outcome become sealed fields (security.md
 * check 27): clearing `pii_sealed_at` makes the sealing pass at start mask
 * and seal the plaintext they still hold, keeping the originals already in
 * each row's envelope (the title, description and requester).
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE work_orders SET pii_sealed_at = NULL`.execute(db);
}
