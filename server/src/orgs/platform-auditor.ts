/**
 * The platform's security auditor (安全审计员, security.md check 7): a user
 * flag like the platform administrator's, never held together with it. The
 * platform auditor alone reads, exports and verifies the platform-wide audit
 * trail (sign-ins, user administration, every contract's rows); the platform
 * administrator reads none of it. The first auditor is created with the CLI
 * (`yunwei user create --platform-auditor`); afterwards a platform
 * administrator may give or take the flag of another user (audited), never
 * their own.
 */
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Ctx } from '../shared/context.ts';
import { actorOf } from './user.service.ts';

/** Whether the user is a platform auditor (read from the database, so a change applies to running sessions at once). */
export async function isPlatformAuditor(db: Db | Trx, userId: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('is_platform_auditor').where('id', '=', userId).executeTakeFirst();
  return row?.is_platform_auditor === true;
}

/** The ROLE_CONFLICT of holding both platform flags (三权分立). */
export function platformDutiesConflict(): AppError {
  return new AppError('ROLE_CONFLICT', '按三权分立，同一人不能同时担任平台管理员和安全审计员');
}

/**
 * Give (`value` true) or take the platform-auditor flag of `userId`: platform
 * administrators through the API (`ctx`), never for themselves (FORBIDDEN),
 * or the CLI (`ctx` null). A platform administrator cannot be made auditor
 * (ROLE_CONFLICT; nothing is written). One audit row `user.platformAuditorChanged`
 * with before and after; no row when nothing changes.
 */
export async function setPlatformAuditor(db: Db, ctx: Ctx | null, userId: string, value: boolean, now: Date): Promise<{ id: string; isPlatformAuditor: boolean }> {
  if (ctx && ctx.user.id === userId) throw new AppError('FORBIDDEN', '不能为自己授予或撤销安全审计员身份');
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'username', 'is_platform_admin', 'is_platform_auditor']).where('id', '=', userId).forUpdate().executeTakeFirst();
    if (!user) throw new AppError('NOT_FOUND', '用户不存在');
    if (value && user.is_platform_admin) throw platformDutiesConflict();
    if (user.is_platform_auditor === value) return { id: user.id, isPlatformAuditor: value };
    await trx.updateTable('users').set({ is_platform_auditor: value }).where('id', '=', userId).execute();
    await recordAudit(
      trx,
      actorOf(ctx),
      { action: 'user.platformAuditorChanged', entityType: 'user', entityId: userId, contractId: null, before: { isPlatformAuditor: user.is_platform_auditor }, after: { username: user.username, isPlatformAuditor: value } },
      now,
    );
    return { id: user.id, isPlatformAuditor: value };
  });
}
