/**
 * The daily export limit (security.md check 40) counts a user's bulk exports
 * of the day in the audit trail: an index on (actor, action, time) keeps that
 * count cheap however long the trail grows.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX audit_log_actor_action ON audit_log (actor_user_id, action, occurred_at)`.execute(db);
}
