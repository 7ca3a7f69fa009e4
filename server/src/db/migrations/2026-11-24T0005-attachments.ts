/**
 * Attachments stored inside PostgreSQL (bytea), so that a database backup
 * and the files can never disagree. Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE attachments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      subject_type text NOT NULL,
      subject_id uuid NOT NULL,
      file_name text NOT NULL,
      mime_type text NOT NULL,
      size_bytes integer NOT NULL,
      digest_sm3 text NOT NULL,
      content bytea NOT NULL,
      uploaded_by uuid REFERENCES users(id),
      uploaded_at timestamptz NOT NULL,
      deleted_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX attachments_subject ON attachments (subject_type, subject_id) WHERE deleted_at IS NULL`.execute(db);
}
