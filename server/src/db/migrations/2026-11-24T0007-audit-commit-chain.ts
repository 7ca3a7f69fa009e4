/**
 * The audit chain is linked at COMMIT, inside PostgreSQL.
 *
 * Before: each writer took the chain's advisory lock in the middle of its
 * transaction, read the last hash, hashed in Node and inserted, so the lock
 * was held across three round trips and the commit, and concurrent requests
 * queued on it. Now `recordAudit` inserts the row into `audit_pending` with
 * its canonical hash input split around the previous hash; a deferred
 * constraint trigger runs at COMMIT, takes the lock, reads the last hash,
 * computes the SM3 link (pgcrypto) and appends the row to `audit_log`. The
 * lock is held only for that and the commit's WAL flush.
 *
 * - `audit_log` is unchanged and stays append-only: `seq` is drawn under the
 *   lock, so `seq` order is chain order, and `hash`/`prev_hash` mean what they
 *   meant (the same SM3 over the same canonical JSON), so verification and
 *   anchors need no change.
 * - `audit_pending` rows never outlive their transaction (the trigger deletes
 *   each after appending it), so the table is UNLOGGED: nothing in it survives
 *   a crash, and nothing needs to.
 * - pgcrypto's digest() must provide SM3 (OpenSSL 1.1.1 or later; the embedded
 *   PostgreSQL does). The migration checks the SM3 test vector and stops otherwise.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pgcrypto`.execute(db);
  await sql`
    DO $$
    DECLARE h text;
    BEGIN
      BEGIN
        h := encode(digest('abc', 'sm3'), 'hex');
      EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'PostgreSQL 的 pgcrypto 不支持 SM3 摘要（需 OpenSSL 1.1.1 及以上）：%', SQLERRM;
      END;
      IF h <> '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0' THEN
        RAISE EXCEPTION 'pgcrypto 的 SM3 摘要与标准测试向量不一致：%', h;
      END IF;
    END
    $$`.execute(db);

  await sql`
    CREATE UNLOGGED TABLE audit_pending (
      id uuid PRIMARY KEY,
      occurred_at timestamptz NOT NULL,
      actor_user_id uuid,
      actor_name text,
      actor_role text,
      contract_id uuid,
      action text NOT NULL,
      entity_type text NOT NULL,
      entity_id text,
      before jsonb,
      after jsonb,
      client_ip text,
      hash_head text NOT NULL,
      hash_tail text NOT NULL
    )`.execute(db);

  // The lock key is audit.service.ts AUDIT_CHAIN_LOCK; the genesis hash is 64 zeros.
  await sql`
    CREATE FUNCTION yunwei_audit_append() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE prev text;
    BEGIN
      PERFORM pg_advisory_xact_lock(7220001);
      SELECT hash INTO prev FROM audit_log ORDER BY seq DESC LIMIT 1;
      prev := coalesce(prev, repeat('0', 64));
      INSERT INTO audit_log (id, occurred_at, actor_user_id, actor_name, actor_role, contract_id, action, entity_type, entity_id,
        before, after, client_ip, prev_hash, hash)
      VALUES (NEW.id, NEW.occurred_at, NEW.actor_user_id, NEW.actor_name, NEW.actor_role, NEW.contract_id, NEW.action, NEW.entity_type,
        NEW.entity_id, NEW.before, NEW.after, NEW.client_ip, prev,
        encode(digest(NEW.hash_head || prev || NEW.hash_tail, 'sm3'), 'hex'));
      DELETE FROM audit_pending WHERE id = NEW.id;
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE CONSTRAINT TRIGGER audit_pending_append AFTER INSERT ON audit_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION yunwei_audit_append()`.execute(db);
}
