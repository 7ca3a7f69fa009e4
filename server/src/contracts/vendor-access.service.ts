/**
 * Use cases around the end of a contract's vendor access (security.md check 6;
 * the rule and its formula are in vendor-access.ts):
 *
 * - the agency administrator (or a platform administrator, or the demo seed
 *   and the CLI) extends it explicitly, with a reason, audited;
 * - the sign-in refuses a user whose every grant is a vendor grant on a
 *   contract whose vendor access has ended;
 * - a sweep (every 30 s) keeps the stored end in step with the grace setting
 *   and ends the open sessions of such users, audited.
 */
import { sql, type Expression, type RawBuilder } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { AppError, contractNotFound } from '../errors.ts';
import { recordAudit, type AuditActor } from '../audit/audit.service.ts';
import { MEMBERSHIP_MANAGERS } from '../auth/roles.ts';
import type { Ctx } from '../shared/context.ts';
import { actorOf } from '../orgs/user.service.ts';
import { requireWholeContract } from './contract-access.ts';
import { addDays, vendorAccessEndsAtSql, vendorAccessLastDay } from './vendor-access.ts';
import { localDateOf } from '../staff/staff-rules.ts';
import { requireFreshReauth, type StepUp } from '../auth/reauth.ts';

/** The actor of the sweep's audit rows. */
const SWEEP_ACTOR: AuditActor = { userId: null, name: '系统（乙方访问期限）', role: 'system', clientIp: null };

/** How far ahead of today an extension may reach, in days (five years). */
export const MAX_VENDOR_ACCESS_EXTENSION_DAYS = 5 * 365;

/** Input of an extension. */
export interface VendorAccessExtension {
  contractId: string;
  /** Last day of vendor access, `YYYY-MM-DD` (contract time zone), inclusive. */
  until: string;
  reason: string;
}

/**
 * Extend the vendor side's access to a contract through `until` (inclusive).
 * Agency administrators of the whole contract and platform administrators
 * (ctx null: the demo seed, the CLI); over HTTP after a fresh re-authentication. `until` must lie after the end the grace
 * period gives anyway, and at most five years after today. One
 * transaction with its audit row `contract.vendorAccessExtended` (before/after, reason).
 */
export async function extendVendorAccess(
  db: Db,
  ctx: Ctx | null,
  input: VendorAccessExtension,
  graceDays: number,
  now: Date,
  stepUp: StepUp = 'inProcess',
): Promise<{ extendedUntil: string; endsAt: string }> {
  const roles = ctx ? await requireWholeContract(db, ctx, input.contractId, MEMBERSHIP_MANAGERS) : [];
  // who may extend is asked first, then a fresh re-authentication (a sensitive grant of access)
  if (stepUp !== 'inProcess') requireFreshReauth(stepUp.reauthenticatedAt, now);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.until) || addDays(input.until, 0) !== input.until) throw new AppError('VALIDATION_FAILED', '截止日期格式应为 YYYY-MM-DD');
  const reason = input.reason.trim();
  if (reason.length < 2) throw new AppError('VALIDATION_FAILED', '请填写延长乙方访问期限的理由');
  return db.transaction().execute(async (trx) => {
    const c = await trx
      .selectFrom('contracts')
      .select(['id', 'code', 'period_end', 'timezone', 'vendor_access_extended_until', 'vendor_access_ends_at'])
      .where('id', '=', input.contractId)
      .forUpdate()
      .executeTakeFirst();
    if (!c) throw contractNotFound();
    const byGrace = vendorAccessLastDay({ periodEnd: c.period_end, graceDays, extendedUntil: null });
    if (input.until <= byGrace) throw new AppError('VALIDATION_FAILED', `延长后的截止日须晚于按宽限期计算的截止日 ${byGrace}（服务期结束 ${c.period_end} 后 ${graceDays} 天）`);
    const latest = addDays(localDateOf(now, c.timezone), MAX_VENDOR_ACCESS_EXTENSION_DAYS);
    if (input.until > latest) throw new AppError('VALIDATION_FAILED', `延长后的截止日不得晚于 ${latest}（自今日起五年）`);
    const row = await trx
      .updateTable('contracts')
      .set({ vendor_access_extended_until: input.until })
      .where('id', '=', c.id)
      .returning('id')
      .executeTakeFirstOrThrow();
    const after = await trx
      .updateTable('contracts')
      .set({ vendor_access_ends_at: vendorAccessEndsAtSql(graceDays) })
      .where('id', '=', row.id)
      .returning('vendor_access_ends_at')
      .executeTakeFirstOrThrow();
    const endsAt = new Date(after.vendor_access_ends_at).toISOString();
    await recordAudit(
      trx,
      actorOf(ctx, roles[0] ?? null),
      {
        action: 'contract.vendorAccessExtended',
        entityType: 'contract',
        entityId: c.id,
        contractId: c.id,
        before: { extendedUntil: c.vendor_access_extended_until, endsAt: new Date(c.vendor_access_ends_at).toISOString() },
        after: { extendedUntil: input.until, endsAt, reason },
      },
      now,
    );
    return { extendedUntil: input.until, endsAt };
  });
}

/**
 * SQL: the user `user` (a column reference or a value) holds at least one
 * active grant and none that counts at `now` (every one is vendor-side on a
 * contract whose vendor access has ended).
 */
function onlyEndedVendorGrants(user: Expression<string>, now: Date): RawBuilder<boolean> {
  return sql<boolean>`(
    EXISTS (SELECT 1 FROM memberships vm WHERE vm.user_id = ${user} AND vm.revoked_at IS NULL)
    AND NOT EXISTS (
      SELECT 1 FROM memberships vm JOIN contracts vc ON vc.id = vm.contract_id
      WHERE vm.user_id = ${user} AND vm.revoked_at IS NULL AND (NOT vm.vendor_side OR vc.vendor_access_ends_at > ${now})))`;
}

/**
 * Whether a user may not sign in because their access has ended: not a
 * platform administrator, and every active grant is a vendor grant on a
 * contract whose vendor access has ended. Returns the codes of those
 * contracts (for the audit row), or null when the user may sign in.
 */
export async function endedVendorAccess(db: Db | Trx, user: { id: string; isPlatformAdmin: boolean }, now: Date): Promise<string[] | null> {
  if (user.isPlatformAdmin) return null;
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('contracts as c', 'c.id', 'm.contract_id')
    .select('c.code')
    .where('m.user_id', '=', user.id)
    .where('m.revoked_at', 'is', null)
    .where(onlyEndedVendorGrants(sql.val(user.id), now))
    .execute();
  if (rows.length === 0) return null;
  return [...new Set(rows.map((r) => r.code))].sort();
}

/** What one sweep did. */
export interface VendorAccessSweep {
  /** Contracts whose stored end moved to follow the grace setting. */
  endsRecomputed: number;
  /** Users whose sessions were ended. */
  usersSignedOut: number;
  sessionsEnded: number;
}

/**
 * The sweep (job `auth.vendorAccessSweep`, every 30 s): first bring every
 * contract's stored end in step with the grace setting, then end the open
 * sessions of users who hold only ended vendor grants. Idempotent.
 */
export async function sweepVendorAccess(db: Db, graceDays: number, now: Date): Promise<VendorAccessSweep> {
  const endsRecomputed = await reconcileVendorAccessEnds(db, graceDays, now);
  const { usersSignedOut, sessionsEnded } = await endSessionsOfEndedVendorAccess(db, now);
  return { endsRecomputed, usersSignedOut, sessionsEnded };
}

/**
 * Recompute the stored vendor access end of every contract (or of
 * `onlyContractIds`) with the grace setting; a contract whose end moves (the
 * setting changed, or the contract is older than the column) gets one audit
 * row `contract.vendorAccessEndRecomputed`. Returns how many moved.
 */
export async function reconcileVendorAccessEnds(db: Db, graceDays: number, now: Date, onlyContractIds?: readonly string[]): Promise<number> {
  if (onlyContractIds?.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    let q = trx.selectFrom('contracts').select(['id', 'vendor_access_ends_at']).where(sql<boolean>`vendor_access_ends_at IS DISTINCT FROM ${vendorAccessEndsAtSql(graceDays)}`);
    if (onlyContractIds) q = q.where('id', 'in', onlyContractIds);
    const stale = await q.forUpdate().execute();
    for (const c of stale) {
      const moved = await trx.updateTable('contracts').set({ vendor_access_ends_at: vendorAccessEndsAtSql(graceDays) }).where('id', '=', c.id).returning('vendor_access_ends_at').executeTakeFirstOrThrow();
      await recordAudit(
        trx,
        SWEEP_ACTOR,
        {
          action: 'contract.vendorAccessEndRecomputed',
          entityType: 'contract',
          entityId: c.id,
          contractId: c.id,
          before: { endsAt: new Date(c.vendor_access_ends_at).toISOString() },
          after: { endsAt: new Date(moved.vendor_access_ends_at).toISOString(), graceDays },
        },
        now,
      );
    }
    return stale.length;
  });
}

/**
 * End every open session of users (not platform administrators) whose every
 * active grant is a vendor grant on a contract whose vendor access has ended
 * at `now`: one transaction, one `auth.forcedSignOut` audit row per user
 * (reason `vendorAccessEnded`, the contracts' codes).
 */
export async function endSessionsOfEndedVendorAccess(db: Db, now: Date): Promise<{ usersSignedOut: number; sessionsEnded: number }> {
  return db.transaction().execute(async (trx) => {
    const ended = await trx
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where((eb) =>
        eb('user_id', 'in', eb.selectFrom('users as u').select('u.id').where('u.is_platform_admin', '=', false).where(onlyEndedVendorGrants(sql.ref<string>('u.id'), now))),
      )
      .returning(['user_id'])
      .execute();
    const perUser = new Map<string, number>();
    for (const r of ended) perUser.set(r.user_id, (perUser.get(r.user_id) ?? 0) + 1);
    for (const [userId, sessionsEnded] of perUser) {
      const u = await trx.selectFrom('users').select(['username']).where('id', '=', userId).executeTakeFirstOrThrow();
      const contracts = (await endedVendorAccess(trx, { id: userId, isPlatformAdmin: false }, now)) ?? [];
      await recordAudit(
        trx,
        SWEEP_ACTOR,
        { action: 'auth.forcedSignOut', entityType: 'user', entityId: userId, contractId: null, after: { username: u.username, sessionsEnded, reason: 'vendorAccessEnded', contracts } },
        now,
      );
    }
    return { usersSignedOut: perUser.size, sessionsEnded: ended.length };
  });
}
