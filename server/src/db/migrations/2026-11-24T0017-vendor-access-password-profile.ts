/**
 * Vendor access end and the password profile (security.md checks 6 and 13):
 *
 * - `contracts.vendor_access_ends_at`: the instant the vendor side's access to
 *   the contract ends (service period end + the grace period setting, or an
 *   explicit, audited extension `vendor_access_extended_until`, whichever is
 *   later). Stored on the contract row so the access check, which already
 *   reads the caller's grants, compares it in the same query. Backfill: the
 *   end of the service period's last day (contract time zone) + 90 days (the
 *   default grace); the vendor-access sweep reconciles it with the configured
 *   grace period.
 * - `memberships.vendor_side`: the grant is a vendor-side one (a vendor role,
 *   or any role held by a person of one of the contract's vendor
 *   organisations), fixed at grant time. Backfilled by the same rule.
 * - `users.password_changed_at` (backfill: the account's creation),
 *   `users.must_change_password` (an initial password set by an administrator),
 *   `users.demo_account` (demo accounts: never forced to change);
 *   `user_password_history`: the hashes of replaced passwords.
 * - a new session stage, `passwordChange`: the password was right but must be
 *   changed before anything else.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE contracts ADD COLUMN vendor_access_extended_until date, ADD COLUMN vendor_access_ends_at timestamptz`.execute(db);
  await sql`UPDATE contracts SET vendor_access_ends_at = ((period_end + 1 + 90)::timestamp AT TIME ZONE timezone)`.execute(db);
  await sql`ALTER TABLE contracts ALTER COLUMN vendor_access_ends_at SET NOT NULL`.execute(db);

  await sql`ALTER TABLE memberships ADD COLUMN vendor_side boolean NOT NULL DEFAULT false`.execute(db);
  await sql`
    UPDATE memberships m SET vendor_side = true
    WHERE m.role IN ('vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'engineer', 'onsiteEngineer')
       OR EXISTS (
         SELECT 1 FROM users u JOIN contract_parties p ON p.organisation_id = u.organisation_id
         WHERE u.id = m.user_id AND p.contract_id = m.contract_id AND p.side = 'vendor')`.execute(db);

  await sql`
    ALTER TABLE users
      ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now(),
      ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
      ADD COLUMN demo_account boolean NOT NULL DEFAULT false`.execute(db);
  await sql`UPDATE users SET password_changed_at = created_at`.execute(db);
  await sql`
    CREATE TABLE user_password_history (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id),
      password_hash text NOT NULL,
      replaced_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX user_password_history_user ON user_password_history (user_id, replaced_at DESC)`.execute(db);

  await sql`ALTER TABLE sessions DROP CONSTRAINT sessions_stage_check`.execute(db);
  await sql`ALTER TABLE sessions ADD CONSTRAINT sessions_stage_check CHECK (stage IN ('complete', 'secondFactor', 'enrolment', 'passwordChange'))`.execute(db);
}
