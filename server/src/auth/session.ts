/**
 * Session rows and failure accounting shared by sign-in, the second factor,
 * TOTP enrolment and re-authentication. A session token is random; only its
 * SM3 digest is stored. A password alone opens a short-lived session in a
 * partial stage; completing the sign-in replaces it with a fresh token.
 */
import type { Db, Trx } from '../db/database.ts';
import { randomToken, sm3Hex } from '../shared/crypto.ts';
import { recordAudit, type AuditActor } from '../audit/audit.service.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';
import type { SessionPolicy, SessionUser } from './auth.service.ts';
import { passwordChangeReason, type PasswordChangeReason } from './password-profile.ts';

/**
 * Where a session stands: signed in, or waiting for the second factor / TOTP
 * enrolment, or for the forced password change (initial or expired password).
 */
export type SessionStage = 'complete' | 'secondFactor' | 'enrolment' | 'passwordChange';

/** Minutes a password-only session has to pass the second factor or enrol. */
export const PARTIAL_SESSION_MINUTES = 10;

/**
 * How the sign-in was completed (recorded in the audit row). `…+passwordChange`:
 * completed by the forced password change (after the second factor, when the user has one).
 */
export type SignInMethod = 'password' | 'password+totp' | 'password+recoveryCode' | 'password+totpEnrolment' | 'password+passwordChange';

/** The outcome of a sign-in step that passed: a complete session, or one that must first change the password. */
export type SignInOutcome =
  | { stage: 'complete'; token: string; user: SessionUser }
  | { stage: 'passwordChange'; token: string; user: SessionUser; reason: PasswordChangeReason };

/** The columns of a user (and their organisation) that a session's user is made of. */
export interface SessionUserRow {
  id: string;
  username: string;
  display_name: string;
  is_platform_admin: boolean;
  organisation_id: string | null;
  organisation_name: string | null;
  last_sign_in_at: Date | string | null;
  last_sign_in_ip: string | null;
}

/** Read a user's {@link SessionUserRow}. */
async function loadSessionUserRow(trx: Trx, userId: string): Promise<SessionUserRow> {
  return trx
    .selectFrom('users')
    .leftJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(['users.id', 'users.username', 'users.display_name', 'users.is_platform_admin', 'users.organisation_id', 'users.last_sign_in_at', 'users.last_sign_in_ip', 'organisations.name as organisation_name'])
    .where('users.id', '=', userId)
    .executeTakeFirstOrThrow();
}

/** The session's user, as the routes see it, from its row and the session id. */
export function sessionUserOf(user: SessionUserRow, sessionId: string): SessionUser {
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    organisationId: user.organisation_id,
    organisationName: user.organisation_name,
    isPlatformAdmin: user.is_platform_admin,
    sessionId,
    lastSignInAt: user.last_sign_in_at ? new Date(user.last_sign_in_at) : null,
    lastSignInIp: user.last_sign_in_ip,
  };
}

/**
 * Finish a sign-in whose factors all passed: a complete session
 * ({@link completeSignIn}), or, when the password must be changed first
 * (initial password, or older than the policy allows), a partial session in
 * the `passwordChange` stage that only the change can complete.
 */
export async function finishSignIn(
  trx: Trx,
  userId: string,
  partialSessionId: string | null,
  method: SignInMethod,
  client: { clientIp: string | null; userAgent: string | null },
  policy: SessionPolicy,
  now: Date,
  extra: Record<string, unknown> = {},
): Promise<SignInOutcome> {
  const u = await trx.selectFrom('users').select(['must_change_password', 'password_changed_at', 'demo_account']).where('id', '=', userId).executeTakeFirstOrThrow();
  const reason = passwordChangeReason({ mustChangePassword: u.must_change_password, passwordChangedAt: new Date(u.password_changed_at), demoAccount: u.demo_account }, policy.passwordMaxAgeDays, now);
  if (reason === null) return { stage: 'complete', ...(await completeSignIn(trx, userId, partialSessionId, method, client, policy, now, extra)) };
  if (partialSessionId) await trx.updateTable('sessions').set({ revoked_at: now }).where('id', '=', partialSessionId).execute();
  const partial = await startSession(trx, userId, 'passwordChange', client, policy, now);
  const user = await loadSessionUserRow(trx, userId);
  return {
    stage: 'passwordChange',
    token: partial.token,
    reason,
    user: sessionUserOf(user, partial.sessionId),
  };
}

/** Open a session in `stage`; returns the token for the cookie. */
export async function startSession(
  trx: Trx,
  userId: string,
  stage: SessionStage,
  client: { clientIp: string | null; userAgent: string | null },
  policy: SessionPolicy,
  now: Date,
): Promise<{ token: string; sessionId: string }> {
  const token = randomToken();
  const lifetimeMs = stage === 'complete' ? policy.maxHours * 3600_000 : PARTIAL_SESSION_MINUTES * 60_000;
  const s = await trx
    .insertInto('sessions')
    .values({
      token_hash: sm3Hex(token),
      user_id: userId,
      stage,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + lifetimeMs),
      client_ip: client.clientIp,
      user_agent: client.userAgent?.slice(0, 300) ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, sessionId: s.id };
}

/**
 * Finish a sign-in: end the partial session (if any), open a complete one
 * with a new token, reset the failure counter, record the sign-in time and
 * address, and write the `auth.signIn` audit row. Returns the previous
 * sign-in, which the user is shown.
 */
export async function completeSignIn(
  trx: Trx,
  userId: string,
  partialSessionId: string | null,
  method: SignInMethod,
  client: { clientIp: string | null; userAgent: string | null },
  policy: SessionPolicy,
  now: Date,
  extra: Record<string, unknown> = {},
): Promise<{ token: string; user: SessionUser }> {
  if (partialSessionId) await trx.updateTable('sessions').set({ revoked_at: now }).where('id', '=', partialSessionId).execute();
  const user = await loadSessionUserRow(trx, userId);
  const { token, sessionId } = await startSession(trx, userId, 'complete', client, policy, now);
  await trx.updateTable('users').set({ failed_attempts: 0, locked_until: null, last_sign_in_at: now, last_sign_in_ip: client.clientIp }).where('id', '=', userId).execute();
  await recordAudit(
    trx,
    { userId, name: user.display_name, role: null, clientIp: client.clientIp },
    { action: 'auth.signIn', entityType: 'user', entityId: userId, contractId: null, after: { sessionId, method, ...extra } },
    now,
  );
  return {
    token,
    user: sessionUserOf(user, sessionId),
  };
}

/**
 * Count one failed attempt (wrong password, wrong second factor, failed
 * re-authentication). At the policy's threshold the account locks for the
 * policy's duration and its unfinished sign-ins end. Writes one audit row:
 * `action`, or `auth.accountLocked` when this failure locked the account,
 * which also leaves the owner an in-app notice of the lock.
 * Returns whether the account is now locked.
 */
export async function registerFailure(
  db: Db,
  userId: string,
  actor: AuditActor,
  action: string,
  detail: Record<string, unknown>,
  policy: SessionPolicy,
  now: Date,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('users')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
      .where('id', '=', userId)
      .returning('failed_attempts')
      .executeTakeFirstOrThrow();
    const attempts = row.failed_attempts;
    const locked = attempts >= policy.maxFailedAttempts;
    if (locked) {
      const until = new Date(now.getTime() + policy.lockMinutes * 60_000);
      await trx.updateTable('users').set({ failed_attempts: 0, locked_until: until }).where('id', '=', userId).execute();
      await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('stage', '!=', 'complete').where('revoked_at', 'is', null).execute();
      // The sign-in page answers a locked account like a wrong password (no
      // enumeration), so the owner learns of the lock here, in the app, once signed in.
      await trx
        .insertInto('notifications')
        .values({
          contract_id: null,
          user_id: userId,
          kind: 'security.accountLocked',
          title: '【安全提醒】您的账号曾被临时锁定',
          body: `您的账号于 ${formatLocalDateTime(now)}（北京时间）因连续 ${policy.maxFailedAttempts} 次验证失败（密码或动态验证码错误）被锁定 ${policy.lockMinutes} 分钟，锁定期间的登录一律被拒绝（登录页只提示“用户名或密码不正确”）。如非本人操作，请立即修改密码并联系管理员。`,
          subject_type: 'user',
          subject_id: userId,
          dedupe_key: null,
          created_at: now,
        })
        .execute();
    }
    await recordAudit(
      trx,
      actor,
      {
        action: locked ? 'auth.accountLocked' : action,
        entityType: 'user',
        entityId: userId,
        contractId: null,
        after: { ...detail, attempts, ...(locked ? { failedAction: action, lockMinutes: policy.lockMinutes } : {}) },
      },
      now,
    );
    return locked;
  });
}

/** End every open session of a user (optionally sparing one); returns how many ended. */
export async function revokeUserSessions(trx: Trx | Db, userId: string, now: Date, exceptSessionId: string | null = null): Promise<number> {
  let q = trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', now);
  if (exceptSessionId) q = q.where('id', '!=', exceptSessionId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
