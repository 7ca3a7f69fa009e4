/**
 * Authentication and audit hardening:
 * - sessions carry a sign-in stage (a password alone opens only the second
 *   factor or the TOTP enrolment) and the time of the last re-authentication;
 * - TOTP secrets (sealed with the SM4 data key; a new secret is pending until
 *   the user confirms a code from it) and single-use recovery codes, stored as digests;
 * - signed audit anchors, kept here for display only (the append-only file
 *   outside the database is what verification trusts);
 * - the audit trail is append-only in the database itself: a trigger refuses
 *   UPDATE, DELETE and TRUNCATE of audit_log for every role, the owner included.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sessions
      ADD COLUMN stage text NOT NULL DEFAULT 'complete' CHECK (stage IN ('complete', 'secondFactor', 'enrolment')),
      ADD COLUMN reauthenticated_at timestamptz`.execute(db);
  await sql`CREATE INDEX sessions_user_active ON sessions (user_id) WHERE revoked_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE user_totp (
      user_id uuid PRIMARY KEY REFERENCES users(id),
      secret text,
      confirmed_at timestamptz,
      last_used_step bigint,
      pending_secret text,
      pending_since timestamptz,
      CHECK ((secret IS NULL) = (confirmed_at IS NULL)),
      CHECK (secret IS NOT NULL OR pending_secret IS NOT NULL)
    )`.execute(db);

  await sql`
    CREATE TABLE user_recovery_codes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id),
      code_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      used_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id) WHERE used_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE audit_anchors (
      id bigserial PRIMARY KEY,
      anchored_at timestamptz NOT NULL,
      last_seq bigint NOT NULL,
      last_hash text NOT NULL,
      row_count bigint NOT NULL,
      public_key text NOT NULL,
      signature text NOT NULL,
      file_name text NOT NULL
    )`.execute(db);

  await sql`
    CREATE FUNCTION yunwei_audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '审计日志只允许追加，禁止修改或删除（%）', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION yunwei_audit_log_append_only()`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION yunwei_audit_log_append_only()`.execute(db);
  // Roles other than the owner get no way to change rows either (the owner is held by the trigger).
  await sql`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC`.execute(db);
}
