/**
 * Revealing personal data (查看明文): a permission, a stated reason, a recent
 * re-authentication, at most REVEALS_PER_HOUR per user per hour, and one audit
 * row naming the record, the field and the reason, never the value.
 *
 * Each kind of record with sealed fields registers how to find it and check
 * the caller may see it (its own 404 rules apply first).
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Role } from '../auth/roles.ts';
import type { Ctx } from '../shared/context.ts';
import { revealField, sealContext } from './pii-vault.ts';

/** Roles that may reveal personal data (need-to-know: the people who call citizens back or sign data work). */
export const PII_REVEALERS: readonly Role[] = ['agencyProjectLead', 'vendorProjectManager', 'deskAgent'];

/** At most this many reveals per user in any hour. */
export const REVEALS_PER_HOUR = 20;

/** A record kind whose sealed fields can be revealed. */
export interface RevealableKind {
  /** Entity type as written in the audit trail, e.g. "incident". */
  entityType: string;
  /** Table holding `pii_sealed`. */
  table: string;
  /** Field name (API name) → column holding its masked form. */
  fields: Readonly<Record<string, string>>;
  /** Chinese field labels for messages. */
  labels: Readonly<Record<string, string>>;
  /** Check the caller may see the record (404 otherwise); returns its contract and the caller's roles there. */
  access(db: Db, ctx: Ctx, id: string): Promise<{ contractId: string; roles: Role[] }>;
}

const kinds = new Map<string, RevealableKind>();

/** Register a record kind (done by its domain module). */
export function registerRevealable(kind: RevealableKind): void {
  kinds.set(kind.entityType, kind);
}

/** A reveal request. */
export interface RevealRequest {
  entityType: string;
  entityId: string;
  field: string;
  reason: string;
}

/** Reveal one field's full value. */
export async function revealPii(db: Db, ctx: Ctx, req: RevealRequest): Promise<{ value: string | null }> {
  const kind = kinds.get(req.entityType);
  if (!kind) throw new AppError('VALIDATION_FAILED', `不支持查看该类记录的个人信息：${req.entityType}`);
  const column = kind.fields[req.field];
  if (!column) throw new AppError('VALIDATION_FAILED', `字段「${req.field}」不含可查看的个人信息`);
  const { contractId, roles } = await kind.access(db, ctx, req.entityId);
  if (!roles.some((r) => PII_REVEALERS.includes(r))) {
    throw new AppError('FORBIDDEN', '您的角色无权查看个人信息明文（需甲方项目负责人、乙方项目经理或服务台坐席）');
  }
  const reason = req.reason.trim();
  if (reason.length < 4) throw new AppError('PII_REVEAL_REASON_REQUIRED', '查看个人信息明文须填写理由（至少 4 个字）');

  return db.transaction().execute(async (trx) => {
    // Serialise this user's reveals so the hourly count cannot be raced.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`pii.reveal:${ctx.user.id}`}))`.execute(trx);
    const since = new Date(ctx.now.getTime() - 3_600_000);
    const used = await trx
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('action', '=', 'pii.revealed')
      .where('actor_user_id', '=', ctx.user.id)
      .where('occurred_at', '>', since)
      .executeTakeFirstOrThrow();
    if (Number(used.n) >= REVEALS_PER_HOUR) {
      throw new AppError('PII_REVEAL_RATE_LIMITED', `一小时内查看个人信息明文已达 ${REVEALS_PER_HOUR} 次上限，请稍后再试`);
    }
    // ::text: a JSON column (a work order's details) is revealed as its JSON text
    const row = await sql<{ stored: string | null; pii_sealed: string | null }>`
      SELECT ${sql.ref(column)}::text AS stored, pii_sealed FROM ${sql.table(kind.table)} WHERE id = ${req.entityId}::uuid`.execute(trx);
    const rec = row.rows[0];
    if (!rec) throw new AppError('NOT_FOUND', '记录不存在');
    const value = revealField(sealContext(kind.table, req.entityId), rec.pii_sealed, req.field, rec.stored);
    await recordAudit(
      trx,
      { userId: ctx.user.id, name: ctx.user.displayName, role: roles.find((r) => PII_REVEALERS.includes(r)) ?? null, clientIp: ctx.clientIp },
      { action: 'pii.revealed', entityType: kind.entityType, entityId: req.entityId, contractId, after: { field: req.field, fieldLabel: kind.labels[req.field] ?? req.field, reason } },
      ctx.now,
    );
    return { value };
  });
}
