/**
 * What an administrator (or the command line) does to another user's
 * sign-in: end all their sessions, lift a lockout, reset their second factor.
 * Each writes one audit row naming the target.
 */
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { recordAudit, type AuditActor } from '../audit/audit.service.ts';
import { revokeUserSessions } from './session.ts';

async function targetOf(db: Db, userId: string): Promise<{ id: string; username: string }> {
  const t = await db.selectFrom('users').select(['id', 'username']).where('id', '=', userId).executeTakeFirst();
  if (!t) throw new AppError('NOT_FOUND', '用户不存在');
  return t;
}

/** Find a user id by username (case-insensitive); NOT_FOUND otherwise. */
export async function userIdByUsername(db: Db, username: string): Promise<string> {
  const u = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst();
  if (!u) throw new AppError('NOT_FOUND', `用户「${username}」不存在`);
  return u.id;
}

/** Force a user out: every session of theirs ends now. */
export async function forceSignOut(db: Db, actor: AuditActor, targetUserId: string, now: Date, reason: string | null): Promise<{ sessionsEnded: number }> {
  const target = await targetOf(db, targetUserId);
  return db.transaction().execute(async (trx) => {
    const sessionsEnded = await revokeUserSessions(trx, target.id, now);
    await recordAudit(trx, actor, { action: 'auth.forcedSignOut', entityType: 'user', entityId: target.id, contractId: null, after: { username: target.username, sessionsEnded, reason } }, now);
    return { sessionsEnded };
  });
}

/** Lift a lockout before it runs out. */
export async function unlockUser(db: Db, actor: AuditActor, targetUserId: string, now: Date): Promise<{ wasLocked: boolean }> {
  const target = await targetOf(db, targetUserId);
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('users').select(['locked_until', 'failed_attempts']).where('id', '=', target.id).forUpdate().executeTakeFirstOrThrow();
    const wasLocked = before.locked_until !== null && new Date(before.locked_until) > now;
    await trx.updateTable('users').set({ locked_until: null, failed_attempts: 0 }).where('id', '=', target.id).execute();
    await recordAudit(trx, actor, { action: 'auth.accountUnlocked', entityType: 'user', entityId: target.id, contractId: null, before: { lockedUntil: before.locked_until ? new Date(before.locked_until).toISOString() : null, failedAttempts: before.failed_attempts }, after: { username: target.username } }, now);
    return { wasLocked };
  });
}
