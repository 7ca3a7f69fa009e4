/**
 * Two-factor sign-in with TOTP: who must use it (policy), enrolment (a
 * pending secret becomes active once the user confirms a code from it),
 * single-use recovery codes, checking a second factor, switching it off,
 * and an administrator's reset. Every change is audited.
 */
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { recordAudit, type AuditActor } from '../audit/audit.service.ts';
import type { TwoFactorPolicy } from '../config.ts';
import { TWO_FACTOR_ROLES } from './roles.ts';
import { finishSignIn, type SignInOutcome } from './session.ts';
import type { AuthenticatedSession, ClientInfo, SessionPolicy, SessionUser } from './auth.service.ts';
import {
  isReplayedTotp,
  isTotpCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  openTotpSecret,
  recoveryCodeHash,
  sealTotpSecret,
  totpStep,
  totpUri,
} from './totp.ts';

/** Whether the policy requires a second factor of this user (platform administrator and auditor flags and current roles). */
export async function isTwoFactorRequired(db: Db | Trx, user: { id: string; isPlatformAdmin: boolean }, policy: TwoFactorPolicy): Promise<boolean> {
  switch (policy) {
    case 'all':
      return true;
    case 'optional':
      return false;
    case 'privileged': {
      if (user.isPlatformAdmin) return true;
      const auditor = await db.selectFrom('users').select('is_platform_auditor').where('id', '=', user.id).executeTakeFirst();
      if (auditor?.is_platform_auditor === true) return true;
      const m = await db
        .selectFrom('memberships')
        .select('id')
        .where('user_id', '=', user.id)
        .where('revoked_at', 'is', null)
        .where('role', 'in', [...TWO_FACTOR_ROLES])
        .limit(1)
        .executeTakeFirst();
      return m !== undefined;
    }
    default: {
      const never: never = policy;
      return never;
    }
  }
}

/** Whether the user has an active (confirmed) TOTP secret. */
export async function hasTwoFactor(db: Db | Trx, userId: string): Promise<boolean> {
  const row = await db.selectFrom('user_totp').select('user_id').where('user_id', '=', userId).where('secret', 'is not', null).executeTakeFirst();
  return row !== undefined;
}

/** The user's two-factor state, for the account page. */
export async function twoFactorStatus(db: Db, user: { id: string; isPlatformAdmin: boolean }, policy: TwoFactorPolicy) {
  const [row, left, required] = await Promise.all([
    db.selectFrom('user_totp').select(['confirmed_at', 'pending_since']).where('user_id', '=', user.id).executeTakeFirst(),
    db.selectFrom('user_recovery_codes').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', user.id).where('used_at', 'is', null).executeTakeFirstOrThrow(),
    isTwoFactorRequired(db, user, policy),
  ]);
  return {
    enabled: row?.confirmed_at != null,
    required,
    enabledAt: row?.confirmed_at ? new Date(row.confirmed_at).toISOString() : null,
    recoveryCodesLeft: Number(left.n),
  };
}

/** Outcome of checking a second factor. */
export type SecondFactorCheck =
  | { ok: true; method: 'totp' | 'recoveryCode'; recoveryCodesLeft: number | null }
  | { ok: false; reason: 'wrong' | 'replayed' | 'notEnrolled' };

/**
 * Check a TOTP code (six digits) or a recovery code against the user's
 * active secret and consume it inside `trx`: the TOTP step becomes the last
 * used one, a recovery code is marked used. Never writes on failure.
 */
export async function checkSecondFactor(trx: Trx, userId: string, code: string, now: Date): Promise<SecondFactorCheck> {
  const row = await trx.selectFrom('user_totp').select(['secret', 'last_used_step']).where('user_id', '=', userId).forUpdate().executeTakeFirst();
  if (!row?.secret) return { ok: false, reason: 'notEnrolled' };
  if (isTotpCode(code)) {
    const secret = openTotpSecret(userId, row.secret);
    const lastUsed = row.last_used_step === null ? null : Number(row.last_used_step);
    const step = matchTotp(secret, code, now, lastUsed);
    if (step === null) return { ok: false, reason: isReplayedTotp(secret, code, now, lastUsed) ? 'replayed' : 'wrong' };
    await trx.updateTable('user_totp').set({ last_used_step: step }).where('user_id', '=', userId).execute();
    return { ok: true, method: 'totp', recoveryCodesLeft: null };
  }
  const used = await trx
    .updateTable('user_recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', recoveryCodeHash(userId, code))
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!used) return { ok: false, reason: 'wrong' };
  const left = await trx.selectFrom('user_recovery_codes').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return { ok: true, method: 'recoveryCode', recoveryCodesLeft: Number(left.n) };
}

/** Tell the user in the app that someone replayed one of their codes (ASVS 2.8.4). */
export async function notifyReplayedCode(db: Db, userId: string, now: Date): Promise<void> {
  await db
    .insertInto('notifications')
    .values({
      contract_id: null,
      user_id: userId,
      kind: 'security.totpReplayed',
      title: '【安全提醒】动态验证码被重复使用',
      body: '有人使用了一个已经用过的动态验证码尝试验证您的身份，已被拒绝。如非本人操作，请立即修改密码并联系管理员。',
      subject_type: 'user',
      subject_id: userId,
      dedupe_key: null,
      created_at: now,
    })
    .execute();
}

/** Chinese message for a failed second factor. */
export function secondFactorMessage(reason: 'wrong' | 'replayed' | 'notEnrolled'): string {
  switch (reason) {
    case 'wrong':
      return '动态验证码或恢复码不正确（动态验证码每 30 秒更新，请输入验证器中当前显示的 6 位数字）';
    case 'replayed':
      return '该动态验证码已经使用过，请等待验证器显示新的验证码后再输入';
    case 'notEnrolled':
      return '尚未启用双因素验证';
    default: {
      const never: never = reason;
      return never;
    }
  }
}

/**
 * Start (or restart) enrolment: a fresh secret is kept pending, sealed, until
 * a code from it is confirmed; an active secret keeps working meanwhile.
 * Returns the secret and its otpauth:// URI (shown once, as a QR code).
 */
export async function startTotpEnrolment(db: Db, user: { id: string; username: string }, now: Date): Promise<{ secret: string; otpauthUri: string }> {
  const secret = newTotpSecret();
  const sealed = sealTotpSecret(user.id, secret);
  await db
    .insertInto('user_totp')
    .values({ user_id: user.id, secret: null, confirmed_at: null, last_used_step: null, pending_secret: sealed, pending_since: now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ pending_secret: sealed, pending_since: now }))
    .execute();
  return { secret, otpauthUri: totpUri(secret, user.username) };
}

/** Minutes a pending secret stays confirmable. */
export const ENROLMENT_MINUTES = 30;

/**
 * Confirm enrolment with a code from the pending secret (inside `trx`): the
 * secret becomes active, earlier recovery codes are replaced by fresh ones
 * (returned once; only digests are stored). Audited as `auth.twoFactorEnrolled`.
 */
export async function confirmTotpEnrolment(trx: Trx, actor: AuditActor, userId: string, code: string, now: Date): Promise<{ recoveryCodes: string[]; replaced: boolean }> {
  const row = await trx.selectFrom('user_totp').select(['secret', 'pending_secret', 'pending_since']).where('user_id', '=', userId).forUpdate().executeTakeFirst();
  if (!row?.pending_secret || !row.pending_since) throw new AppError('TWO_FACTOR_STATE', '没有待确认的双因素验证设置，请重新开始绑定');
  if (now.getTime() - new Date(row.pending_since).getTime() > ENROLMENT_MINUTES * 60_000) {
    throw new AppError('TWO_FACTOR_STATE', `绑定已超过 ${ENROLMENT_MINUTES} 分钟未确认，请重新开始绑定`);
  }
  const secret = openTotpSecret(userId, row.pending_secret);
  const step = matchTotp(secret, code, now, null);
  if (step === null) throw new AppError('SECOND_FACTOR_INVALID', '验证码不正确：请输入验证器中为本平台新显示的 6 位数字（注意手机时间须准确）');
  await trx
    .updateTable('user_totp')
    .set({ secret: sealTotpSecret(userId, secret), confirmed_at: now, last_used_step: step, pending_secret: null, pending_since: null })
    .where('user_id', '=', userId)
    .execute();
  const recoveryCodes = await replaceRecoveryCodes(trx, userId, now);
  await recordAudit(trx, actor, { action: 'auth.twoFactorEnrolled', entityType: 'user', entityId: userId, contractId: null, after: { method: 'totp', replaced: row.secret !== null, recoveryCodes: recoveryCodes.length } }, now);
  return { recoveryCodes, replaced: row.secret !== null };
}

/**
 * Confirm enrolment for the caller's session. A session that signed in with
 * its password and had to enrol (stage `enrolment`) is signed in completely:
 * the result carries the new session token.
 */
export async function confirmEnrolment(
  db: Db,
  session: AuthenticatedSession,
  code: string,
  client: ClientInfo,
  policy: SessionPolicy,
  now: Date,
): Promise<{ recoveryCodes: string[]; signIn: SignInOutcome | null }> {
  if (session.stage === 'secondFactor') throw new AppError('SECOND_FACTOR_REQUIRED', '请先输入动态验证码完成登录');
  if (session.stage === 'passwordChange') throw new AppError('PASSWORD_CHANGE_REQUIRED', '请先修改密码');
  const actor: AuditActor = { userId: session.user.id, name: session.user.displayName, role: null, clientIp: client.clientIp };
  return db.transaction().execute(async (trx) => {
    const { recoveryCodes } = await confirmTotpEnrolment(trx, actor, session.user.id, code, now);
    const signIn = session.stage === 'enrolment' ? await finishSignIn(trx, session.user.id, session.user.sessionId, 'password+totpEnrolment', client, policy, now) : null;
    return { recoveryCodes, signIn };
  });
}

async function replaceRecoveryCodes(trx: Trx, userId: string, now: Date): Promise<string[]> {
  await trx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
  const codes = newRecoveryCodes();
  await trx
    .insertInto('user_recovery_codes')
    .values(codes.map((c) => ({ user_id: userId, code_hash: recoveryCodeHash(userId, c), created_at: now })))
    .execute();
  return codes;
}

/** New recovery codes (the old ones stop working). Audited. */
export async function regenerateRecoveryCodes(db: Db, actor: AuditActor, userId: string, now: Date): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    if (!(await hasTwoFactor(trx, userId))) throw new AppError('TWO_FACTOR_STATE', '尚未启用双因素验证，无法生成恢复码');
    const codes = await replaceRecoveryCodes(trx, userId, now);
    await recordAudit(trx, actor, { action: 'auth.recoveryCodesRegenerated', entityType: 'user', entityId: userId, contractId: null, after: { recoveryCodes: codes.length } }, now);
    return codes;
  });
}

async function removeTwoFactor(trx: Trx, userId: string): Promise<boolean> {
  const had = await trx.deleteFrom('user_totp').where('user_id', '=', userId).returning('secret').executeTakeFirst();
  await trx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
  return had?.secret != null;
}

/** Switch off one's own second factor, where the policy allows it. Audited. */
export async function disableTwoFactor(db: Db, actor: AuditActor, user: { id: string; isPlatformAdmin: boolean }, policy: TwoFactorPolicy, now: Date): Promise<void> {
  if (await isTwoFactorRequired(db, user, policy)) throw new AppError('TWO_FACTOR_MANDATORY', '按本平台安全策略，您的账号必须启用双因素验证，不能关闭');
  await db.transaction().execute(async (trx) => {
    if (!(await removeTwoFactor(trx, user.id))) throw new AppError('TWO_FACTOR_STATE', '尚未启用双因素验证');
    await recordAudit(trx, actor, { action: 'auth.twoFactorDisabled', entityType: 'user', entityId: user.id, contractId: null }, now);
  });
}

/**
 * An administrator's reset (lost phone and recovery codes): the user's
 * secret and codes are removed and their sessions end; where the policy
 * requires a second factor, their next sign-in enrols a new one. Audited.
 */
export async function resetTwoFactor(db: Db, actor: AuditActor, targetUserId: string, now: Date, reason: string | null): Promise<{ sessionsEnded: number }> {
  return db.transaction().execute(async (trx) => {
    const target = await trx.selectFrom('users').select(['id', 'username']).where('id', '=', targetUserId).executeTakeFirst();
    if (!target) throw new AppError('NOT_FOUND', '用户不存在');
    const had = await removeTwoFactor(trx, targetUserId);
    const ended = await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', targetUserId).where('revoked_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    const sessionsEnded = Number(ended.numUpdatedRows);
    await recordAudit(trx, actor, { action: 'auth.twoFactorReset', entityType: 'user', entityId: targetUserId, contractId: null, after: { username: target.username, hadTwoFactor: had, sessionsEnded, reason } }, now);
    return { sessionsEnded };
  });
}

/**
 * Enrol a TOTP secret directly, without a confirmation code (demo data
 * only: the secret is written to the demo credentials file). Returns the secret.
 */
export async function enrolTotpDirectly(db: Db, actor: AuditActor, userId: string, now: Date): Promise<string> {
  const secret = newTotpSecret();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('user_totp')
      .values({ user_id: userId, secret: sealTotpSecret(userId, secret), confirmed_at: now, last_used_step: totpStep(now) - 2, pending_secret: null, pending_since: null })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret: sealTotpSecret(userId, secret), confirmed_at: now, pending_secret: null, pending_since: null }))
      .execute();
    await recordAudit(trx, actor, { action: 'auth.twoFactorEnrolled', entityType: 'user', entityId: userId, contractId: null, after: { method: 'totp', demo: true } }, now);
  });
  return secret;
}
