/**
 * Vendor staff files (confidentiality agreements, background checks,
 * certificates) are returned and destroyed at contract close-out like
 * attachments: their content can be erased, and when it was is recorded.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE staff_documents ALTER COLUMN content DROP NOT NULL, ADD COLUMN destroyed_at timestamptz`.execute(db);
  await sql`
    ALTER TABLE staff_documents ADD CONSTRAINT staff_documents_destroyed_has_no_content
      CHECK (destroyed_at IS NULL OR content IS NULL)`.execute(db);
}
