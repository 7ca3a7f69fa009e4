/**
 * The daily limit of bulk exports per user (security.md check 40,
 * YUNWEI_EXPORT_DAILY_LIMIT). Exports are counted from the audit trail:
 * the user's `incident.exported` and `audit.exported` rows since midnight,
 * Beijing time. The count, the export's own audit row, or — over the limit —
 * the alert (one audit row and an in-app notice to the contract's auditors)
 * are written under a per-user transaction lock, so two exports started at
 * the same instant cannot both slip under the limit.
 */
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { recordAudit, type AuditEntry } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { formatLocalDateTime, localParts } from '../shared/local-time.ts';

/** The audit actions that count as bulk exports. */
export const BULK_EXPORT_ACTIONS: readonly string[] = ['incident.exported', 'audit.exported'];

/** The time zone whose calendar day the limit counts in. */
const LIMIT_TIMEZONE = 'Asia/Shanghai';

/** What is being exported, for the alert. */
export interface ExportRequest {
  /** The contract the export reads, or null for an export across contracts. */
  contractId: string | null;
  /** Chinese name of the export, e.g. 故障清单. */
  what: string;
}

async function lockUserExports(trx: Trx, userId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`export-limit:${userId}`}))`.execute(trx);
}

/** The user's bulk exports since local midnight of `now`. */
async function countExportsToday(trx: Trx, userId: string, now: Date): Promise<number> {
  const r = await trx
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('actor_user_id', '=', userId)
    .where('action', 'in', [...BULK_EXPORT_ACTIONS])
    // no upper bound: an export committed by a concurrent request with a later `now` counts too
    .where('occurred_at', '>=', sql<Date>`date_trunc('day', ${now}::timestamptz AT TIME ZONE ${LIMIT_TIMEZONE}) AT TIME ZONE ${LIMIT_TIMEZONE}`)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The alert: one audit row, and an in-app notice to the contract's auditors (platform auditors for an export across contracts), once a day per exporter. */
async function raiseAlert(trx: Trx, ctx: Ctx, req: ExportRequest, used: number, limit: number): Promise<void> {
  await recordAudit(
    trx,
    actorOf(ctx),
    { action: 'security.exportLimitExceeded', entityType: 'user', entityId: ctx.user.id, contractId: req.contractId, after: { export: req.what, exportsToday: used, dailyLimit: limit } },
    ctx.now,
  );
  const recipients = req.contractId
    ? await trx
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select('u.id')
        .where('m.contract_id', '=', req.contractId)
        .where('m.role', '=', 'auditor')
        .where('m.revoked_at', 'is', null)
        .where('u.status', '=', 'active')
        .distinct()
        .execute()
    : await trx.selectFrom('users').select('id').where('is_platform_auditor', '=', true).where('status', '=', 'active').execute();
  const day = localParts(ctx.now, LIMIT_TIMEZONE);
  for (const r of recipients) {
    await trx
      .insertInto('notifications')
      .values({
        contract_id: req.contractId,
        user_id: r.id,
        kind: 'security.exportLimitExceeded',
        title: '【安全提醒】有用户超出每日导出上限',
        body: `用户「${ctx.user.displayName}」于 ${formatLocalDateTime(ctx.now, LIMIT_TIMEZONE)}（北京时间）请求导出${req.what}，今日已导出 ${used} 次，达到每日 ${limit} 次的上限，本次导出已被拒绝。请核实是否存在批量导出数据的异常行为；详情见审计日志（超出每日导出上限）。`,
        subject_type: 'user',
        subject_id: ctx.user.id,
        dedupe_key: `export-limit:${ctx.user.id}:${day.year}-${day.month}-${day.day}`,
        created_at: ctx.now,
      })
      .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
      .execute();
  }
}

function limitReached(limit: number): AppError {
  return new AppError('EXPORT_LIMIT_EXCEEDED', `今日导出次数已达上限（每人每天 ${limit} 次），本次导出已拒绝，并已通知审计员。如确需继续导出，请明日再试或联系管理员。`);
}

/**
 * Record a bulk export within the daily limit: under the user's lock, either
 * write the export's audit row (`entry`), or — when the user's exports today
 * already reach `limit` — commit the alert and throw EXPORT_LIMIT_EXCEEDED.
 * With `entry` null it only checks (before building a large file).
 */
export async function recordExportWithinLimit(db: Db, ctx: Ctx, req: ExportRequest, entry: AuditEntry | null, limit: number): Promise<void> {
  const allowed = await db.transaction().execute(async (trx) => {
    await lockUserExports(trx, ctx.user.id);
    const used = await countExportsToday(trx, ctx.user.id, ctx.now);
    if (used >= limit) {
      await raiseAlert(trx, ctx, req, used, limit);
      return false;
    }
    if (entry) await recordAudit(trx, actorOf(ctx), entry, ctx.now);
    return true;
  });
  if (!allowed) throw limitReached(limit);
}
