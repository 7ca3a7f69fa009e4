/**
 * The audit trail: every state change writes one row in the same transaction.
 * Rows form an SM3 hash chain: each row's hash covers its content and the
 * previous row's hash, so an altered or removed row breaks the chain.
 *
 * The link is made at COMMIT, inside PostgreSQL (migration 0007): the row waits
 * in `audit_pending` with its canonical hash input split around the previous
 * hash, and a deferred trigger takes the chain lock, reads the last hash,
 * computes SM3 (pgcrypto) and appends to `audit_log`. The lock is held for
 * that statement and the commit only, never across round trips to Node, so
 * concurrent writers do not queue behind each other's requests. A row
 * appears in `audit_log` when its transaction commits (not before, not even
 * to the transaction itself).
 */
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type QueryCreator, type RawBuilder } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import type { AuditPendingTable, Database } from '../db/schema.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { sm3Hex } from '../shared/crypto.ts';

/** Hash that precedes the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Arbitrary constant key of the advisory lock that serialises chain appends
 * (taken by the trigger of migration 0007, which repeats the number).
 */
export const AUDIT_CHAIN_LOCK = 7_220_001;

/** Who did it, and from where. */
export interface AuditActor {
  userId: string | null;
  name: string | null;
  role: string | null;
  clientIp: string | null;
}

/** The system itself (migrations, seeds, sweeps). */
export const SYSTEM_ACTOR: AuditActor = { userId: null, name: '系统', role: 'system', clientIp: null };

/** One change to record. */
export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  contractId: string | null;
  before?: unknown;
  after?: unknown;
}

interface HashInput {
  id: string;
  occurredAt: string;
  actorUserId: string | null;
  actorName: string | null;
  actorRole: string | null;
  contractId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  clientIp: string | null;
  prevHash: string;
}

/** The row hash: SM3 over the canonical JSON of its content and the previous hash. */
export function computeAuditHash(input: HashInput): string {
  return sm3Hex(canonicalJson(input));
}

/**
 * Split the canonical hash input around `prevHash`: the hash is
 * SM3(head + prevHash + tail), and the trigger that links the row at COMMIT
 * (migration 0007) knows only the previous hash, not the canonical form.
 */
export function splitAuditHashInput(input: Omit<HashInput, 'prevHash'>): { head: string; tail: string } {
  // A random marker in place of the hash: it cannot collide with content.
  const marker = `@@prev-${randomUUID()}@@`;
  const parts = canonicalJson({ ...input, prevHash: marker }).split(marker);
  if (parts.length !== 2) throw new Error('audit: the hash input does not contain the previous-hash marker exactly once');
  return { head: parts[0] ?? '', tail: parts[1] ?? '' };
}

/**
 * The `audit_pending` row of an entry (its id, canonical hash input split
 * around the previous hash, JSON as text): for a caller that inserts it as
 * part of a statement of its own (e.g. a data-modifying WITH next to the
 * change it records, see {@link auditInsert}), so the row costs no round
 * trip. It must be inserted in the transaction of the change; the row joins
 * the chain when that commits.
 */
export function auditRow(actor: AuditActor, entry: AuditEntry, now: Date): AuditPendingRow {
  const occurredAt = new Date(Math.floor(now.getTime()));
  const input: Omit<HashInput, 'prevHash'> = {
    id: randomUUID(),
    occurredAt: occurredAt.toISOString(),
    actorUserId: actor.userId,
    actorName: actor.name,
    actorRole: actor.role,
    contractId: entry.contractId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before: normalise(entry.before),
    after: normalise(entry.after),
    clientIp: actor.clientIp,
  };
  const { head, tail } = splitAuditHashInput(input);
  return {
    id: input.id,
    occurred_at: occurredAt,
    actor_user_id: input.actorUserId,
    actor_name: input.actorName,
    actor_role: input.actorRole,
    contract_id: input.contractId,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId,
    before: input.before === null ? null : JSON.stringify(input.before),
    after: input.after === null ? null : JSON.stringify(input.after),
    client_ip: input.clientIp,
    hash_head: head,
    hash_tail: tail,
  };
}

/** An `audit_pending` row, every column given. */
export type AuditPendingRow = Insertable<AuditPendingTable>;

/** The columns of an `audit_pending` row, in insert order. */
const AUDIT_PENDING_COLUMNS: readonly (keyof AuditPendingRow)[] = [
  'id', 'occurred_at', 'actor_user_id', 'actor_name', 'actor_role', 'contract_id', 'action', 'entity_type', 'entity_id', 'before', 'after', 'client_ip', 'hash_head', 'hash_tail',
];

/**
 * A value an audit entry holds as `marker` ({@link lateMarker}) until the
 * statement that inserts the row knows it (e.g. a number drawn there). It
 * must be a string that JSON writes as it is (no quotes, backslashes or
 * control characters).
 */
export interface LateAuditValue {
  marker: string;
  value: RawBuilder<string>;
}

/** A marker for a {@link LateAuditValue}: canonical JSON writes it unchanged, and it cannot collide with content. */
export function lateMarker(): string {
  return `late-${randomUUID()}`;
}

/**
 * The INSERT, as raw SQL for a data-modifying WITH, of an audit row
 * ({@link auditRow}) written only when the CTE `from` of the same statement
 * has a row (e.g. the UPDATE of a version check), so a change that matched
 * nothing records nothing. With `late`, the late value replaces its marker
 * in the entry's JSON and in both halves of its hash input: the chain's hash
 * covers exactly what is stored.
 */
export function auditInsertFrom(row: AuditPendingRow, from: string, late?: LateAuditValue): RawBuilder<unknown> {
  const values = AUDIT_PENDING_COLUMNS.map((c) => {
    const v = row[c] ?? null;
    if (!late || (c !== 'after' && c !== 'hash_head' && c !== 'hash_tail')) return sql`${v}`;
    const replaced = sql`replace(${v}::text, ${late.marker}::text, ${late.value})`;
    return c === 'after' ? sql`${replaced}::jsonb` : replaced;
  });
  return sql`INSERT INTO audit_pending (${sql.join(AUDIT_PENDING_COLUMNS.map((c) => sql.ref(c)))}) SELECT ${sql.join(values)} FROM ${sql.table(from)}`;
}

/** The INSERT of an audit row ({@link auditRow}), not yet executed. */
export function auditInsert(qc: QueryCreator<Database>, actor: AuditActor, entry: AuditEntry, now: Date) {
  return qc.insertInto('audit_pending').values(auditRow(actor, entry, now));
}

/**
 * Append an audit row inside `trx`. The row joins the hash chain when `trx`
 * commits (see the module comment); a rollback leaves no row and no gap in
 * the chain.
 */
export async function recordAudit(trx: Trx, actor: AuditActor, entry: AuditEntry, now: Date): Promise<void> {
  await auditInsert(trx, actor, entry, now).execute();
}

/** JSON round-trip so the hashed value equals what jsonb will give back. */
function normalise(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  return JSON.parse(JSON.stringify(v)) as unknown;
}

/** Outcome of walking the chain. */
export interface VerifyResult {
  ok: boolean;
  rowsChecked: number;
  lastSeq: string | null;
  lastHash: string;
  /** The first problem found, if any. */
  problem: null | {
    kind: 'altered' | 'removed' | 'reordered';
    seq: string;
    id: string;
    message: string;
  };
}

/**
 * Re-walk the whole chain in sequence order, in batches, and name the first
 * row that was altered, or the place where rows were removed.
 */
export async function verifyAuditChain(db: Db, batchSize = 5000): Promise<VerifyResult> {
  let prevHash = GENESIS_HASH;
  let prevSeq: bigint | null = null;
  let checked = 0;
  let afterSeq = '0';
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = BigInt(row.seq);
      const recomputed = computeAuditHash({
        id: row.id,
        occurredAt: new Date(row.occurred_at).toISOString(),
        actorUserId: row.actor_user_id,
        actorName: row.actor_name,
        actorRole: row.actor_role,
        contractId: row.contract_id,
        action: row.action,
        entityType: row.entity_type,
        entityId: row.entity_id,
        before: row.before ?? null,
        after: row.after ?? null,
        clientIp: row.client_ip,
        prevHash: row.prev_hash,
      });
      if (recomputed !== row.hash) {
        return fail(checked, prevSeq, prevHash, 'altered', row.seq, row.id, `第 ${row.seq} 条审计记录（${row.action}）的内容被篡改：重新计算的 SM3 摘要与记录的摘要不一致`);
      }
      if (row.prev_hash !== prevHash) {
        const gap = prevSeq !== null && seq !== prevSeq + 1n;
        return fail(
          checked,
          prevSeq,
          prevHash,
          'removed',
          row.seq,
          row.id,
          gap
            ? `第 ${row.seq} 条审计记录之前的记录（序号 ${String((prevSeq ?? 0n) + 1n)} 至 ${String(seq - 1n)}）被删除：链接断开`
            : `第 ${row.seq} 条审计记录的前序摘要与上一条记录不一致：之前的记录被删除或篡改`,
        );
      }
      prevHash = row.hash;
      prevSeq = seq;
      checked++;
    }
    afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
  }
  return { ok: true, rowsChecked: checked, lastSeq: prevSeq === null ? null : String(prevSeq), lastHash: prevHash, problem: null };
}

function fail(checked: number, prevSeq: bigint | null, prevHash: string, kind: 'altered' | 'removed', seq: string, id: string, message: string): VerifyResult {
  return { ok: false, rowsChecked: checked, lastSeq: prevSeq === null ? null : String(prevSeq), lastHash: prevHash, problem: { kind, seq, id, message } };
}
