/**
 * The security-label integrity verifier (GB/T 39786 8.4 c; security.md
 * check 8): recompute the HMAC-SM3 of every labelled row, in bounded batches,
 * and raise an alarm for each row whose stored MAC is missing or no longer
 * matches (a label changed directly in the database). The alarm, once per
 * row, in one transaction: `label_alarm_at` is set (the row reads as
 * sensitive from then on, even to list queries), one audit row
 * `security.integrityViolation` names the table and the record (never a
 * label or any other value), and the contract's auditors and agency
 * administrators get an in-app notification.
 *
 * Run by the periodic job `security.verifyLabels` (label.jobs.ts) and by
 * `yunwei integrity verify` (exit code 2 when anything is wrong). Also here:
 * the MACs of rows written before labels existed (at start) and the re-MAC
 * after a data-key rotation.
 */
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit.service.ts';
import type { KeyRing } from '../privacy/field-crypto.ts';
import { keyRing } from '../privacy/pii-vault.ts';
import { asSecurityLabel } from './security-label.ts';
import { LABELLED_TABLES, labelMac, labelMacKeyId, labelMacMatches, type LabelledRow, type LabelledTable } from './label-mac.ts';

/** Who is told of a broken label: the contract's auditors and agency administrators. */
const ALERT_ROLES = ['auditor', 'agencyAdmin'] as const;

/** Names of the tables' records in messages. */
const RECORD_NAMES: Record<LabelledTable, { noun: string; subjectType: 'incident' | 'workOrder' }> = {
  incidents: { noun: '故障单', subjectType: 'incident' },
  work_orders: { noun: '工单', subjectType: 'workOrder' },
};

/** One row whose label cannot be trusted. */
export interface LabelViolation {
  table: LabelledTable;
  id: string;
  contractId: string;
  number: string;
  /** True when this run raised the alarm; false when it had been raised before and is still unresolved. */
  alerted: boolean;
}

/** The outcome of a verification. */
export interface LabelVerifyResult {
  checked: number;
  violations: LabelViolation[];
}

type Row = LabelledRow & { number: string };

async function batchOf(db: Db, table: LabelledTable, after: string, limit: number, contractId: string | undefined): Promise<Row[]> {
  const columns = ['id', 'contract_id', 'number', 'security_label', 'label_mac', 'label_alarm_at'] as const;
  // one contract, or all of them
  const inContract = contractId ? sql<boolean>`contract_id = ${contractId}::uuid` : sql<boolean>`TRUE`;
  return table === 'incidents'
    ? db.selectFrom('incidents').select(columns).where(inContract).where('id', '>', after).orderBy('id').limit(limit).execute()
    : db.selectFrom('work_orders').select(columns).where(inContract).where('id', '>', after).orderBy('id').limit(limit).execute();
}

/**
 * Recompute every label MAC (of one contract with `contractId`) and raise the
 * alarm for each row that fails and was not flagged yet.
 */
export async function verifySecurityLabels(db: Db, now: Date, opts: { ring?: KeyRing; contractId?: string; batchSize?: number } = {}): Promise<LabelVerifyResult> {
  const ring = opts.ring ?? keyRing();
  const batchSize = opts.batchSize ?? 1000;
  const out: LabelVerifyResult = { checked: 0, violations: [] };
  for (const table of LABELLED_TABLES) {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await batchOf(db, table, after, batchSize, opts.contractId);
      for (const row of rows) {
        after = row.id;
        out.checked++;
        if (row.label_alarm_at === null && labelMacMatches(table, row, ring)) continue;
        const alerted = row.label_alarm_at === null ? await raiseAlarm(db, table, row, now) : false;
        out.violations.push({ table, id: row.id, contractId: row.contract_id, number: row.number, alerted });
      }
      if (rows.length < batchSize) break;
    }
  }
  return out;
}

/** Flag the row, write the audit row and notify, in one transaction; false when another run flagged it first. */
async function raiseAlarm(db: Db, table: LabelledTable, row: Row, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const flagged = await sql<{ id: string }>`UPDATE ${sql.table(table)} SET label_alarm_at = ${now} WHERE id = ${row.id}::uuid AND label_alarm_at IS NULL RETURNING id`.execute(trx);
    if (flagged.rows.length === 0) return false;
    const { noun, subjectType } = RECORD_NAMES[table];
    await recordAudit(
      trx,
      SYSTEM_ACTOR,
      { action: 'security.integrityViolation', entityType: 'securityLabel', entityId: row.id, contractId: row.contract_id, after: { table, recordId: row.id, number: row.number, check: 'HMAC-SM3' } },
      now,
    );
    await notifyAlarm(trx, row.contract_id, {
      title: '【安全告警】安全标记完整性校验失败',
      body: `${noun} ${row.number} 的安全标记与其 HMAC-SM3 校验值不符，可能在数据库中被直接修改。该记录已按「敏感」处理；请核查，并由甲方系统管理员或项目负责人重新设定其安全标记。`,
      subjectType,
      subjectId: row.id,
      dedupeKey: `security.label:${row.id}:${now.toISOString()}`,
      now,
    });
    return true;
  });
}

async function notifyAlarm(trx: Trx, contractId: string, n: { title: string; body: string; subjectType: string; subjectId: string; dedupeKey: string; now: Date }): Promise<void> {
  const users = await trx
    .selectFrom('memberships')
    .select('user_id')
    .distinct()
    .where('contract_id', '=', contractId)
    .where('revoked_at', 'is', null)
    .where('role', 'in', [...ALERT_ROLES])
    .execute();
  if (users.length === 0) return;
  await trx
    .insertInto('notifications')
    .values(users.map((u) => ({ contract_id: contractId, user_id: u.user_id, kind: 'security.integrityViolation', title: n.title, body: n.body, subject_type: n.subjectType, subject_id: n.subjectId, dedupe_key: n.dedupeKey, created_at: n.now })))
    .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
    .execute();
}

/** Outcome per table of a sealing or re-MAC pass. */
export interface LabelSealResult {
  table: string;
  resealed: number;
}

/**
 * Compute the MACs of rows written before labels existed (no MAC yet, never
 * flagged). Run at start, before anything reads labels; idempotent. Audited
 * (`security.labelsSealed`, with counts) when it sealed anything.
 */
export async function sealUnlabelledRows(db: Db, now: Date, ring: KeyRing = keyRing(), batchSize = 500): Promise<LabelSealResult[]> {
  const out: LabelSealResult[] = [];
  for (const table of LABELLED_TABLES) {
    let sealed = 0;
    for (;;) {
      const n = await db.transaction().execute(async (trx) => {
        const rows = await sql<{ id: string; contract_id: string; security_label: string }>`
          SELECT id::text AS id, contract_id::text AS contract_id, security_label FROM ${sql.table(table)}
          WHERE label_mac IS NULL AND label_alarm_at IS NULL ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`.execute(trx);
        await writeMacs(trx, table, rows.rows, ring);
        return rows.rows.length;
      });
      sealed += n;
      if (n < batchSize) break;
    }
    out.push({ table: `${table}.security_label`, resealed: sealed });
  }
  const total = out.reduce((s, r) => s + r.resealed, 0);
  if (total > 0) {
    await db.transaction().execute((trx) => recordAudit(trx, SYSTEM_ACTOR, { action: 'security.labelsSealed', entityType: 'securityLabel', entityId: null, contractId: null, after: { sealed: out } }, now));
  }
  return out;
}

/**
 * After a data-key rotation: re-MAC, under the ring's active key, every label
 * whose MAC was made with an older key and still verifies. A MAC that does not
 * verify is left as it is, for the verifier to report.
 */
export async function remacLabels(db: Db, ring: KeyRing, batchSize = 500): Promise<LabelSealResult[]> {
  const out: LabelSealResult[] = [];
  for (const table of LABELLED_TABLES) {
    let resealed = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const n = await db.transaction().execute(async (trx) => {
        const rows = await sql<LabelledRow>`
          SELECT id::text AS id, contract_id::text AS contract_id, security_label, label_mac, label_alarm_at FROM ${sql.table(table)}
          WHERE id > ${after}::uuid AND label_mac IS NOT NULL ORDER BY id LIMIT ${batchSize} FOR UPDATE`.execute(trx);
        const stale = rows.rows.filter((r) => r.label_mac !== null && labelMacKeyId(r.label_mac) !== ring.activeKeyId && labelMacMatches(table, r, ring));
        await writeMacs(trx, table, stale, ring);
        resealed += stale.length;
        after = rows.rows.at(-1)?.id ?? after;
        return rows.rows.length;
      });
      if (n < batchSize) break;
    }
    out.push({ table: `${table}.security_label`, resealed });
  }
  return out;
}

async function writeMacs(trx: Trx, table: LabelledTable, rows: readonly { id: string; contract_id: string; security_label: string }[], ring: KeyRing): Promise<void> {
  if (rows.length === 0) return;
  const macs = rows.map((r) => ({ id: r.id, mac: labelMac(table, r.id, r.contract_id, asSecurityLabel(r.security_label), ring) }));
  await sql`UPDATE ${sql.table(table)} AS t SET label_mac = u.mac
    FROM jsonb_to_recordset(${JSON.stringify(macs)}::jsonb) AS u(id uuid, mac text) WHERE t.id = u.id`.execute(trx);
}
