/**
 * Sign-in, sessions, re-authentication and sign-out. Sessions are random
 * tokens held in an httpOnly cookie; only their SM3 digest is stored.
 *
 * Sign-in is one or two steps: the password opens either a complete session,
 * or (when the user has TOTP, or must enrol it) a short partial session that
 * only the second factor or the enrolment can complete. Failures of either
 * step count towards the lockout.
 */
import type { Db, Trx } from '../db/database.ts';
import { first, precompiled, type Placeholders } from '../db/precompiled.ts';
import { AppError } from '../errors.ts';
import { sm3Hex } from '../shared/crypto.ts';
import { randomToken } from '../shared/crypto.ts';
import { recordAudit, type AuditActor } from '../audit/audit.service.ts';
import type { TwoFactorPolicy } from '../config.ts';
import { assertPasswordPolicy, hashPassword, needsRehash, verifyPassword } from './password.ts';
import { assertNotCommonPassword, passwordChangeMessage, PASSWORD_HISTORY_DEPTH, type PasswordChangeReason } from './password-profile.ts';
import { completeSignIn, finishSignIn, registerFailure, revokeUserSessions, sessionUserOf, startSession, type SessionStage, type SignInOutcome } from './session.ts';
import { endedVendorAccess } from '../contracts/vendor-access.service.ts';
import { checkSecondFactor, hasTwoFactor, isTwoFactorRequired, notifyReplayedCode, secondFactorMessage } from './two-factor.service.ts';

export type { SessionStage } from './session.ts';

/** Session and sign-in policy, from config. */
export interface SessionPolicy {
  idleMinutes: number;
  maxHours: number;
  /** Failed attempts before the account locks. */
  maxFailedAttempts: number;
  /** Lock duration in minutes. */
  lockMinutes: number;
  /** Who must sign in with a second factor. */
  twoFactor: TwoFactorPolicy;
  /** Days a password stays valid before it must be changed at sign-in. */
  passwordMaxAgeDays: number;
}

/** Checks a password against a stored hash (injectable so tests can count the verifications of a path). */
export type PasswordVerifier = (passwordHash: string, password: string) => Promise<boolean>;

/** The signed-in user as the HTTP layer sees it. */
export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  organisationId: string | null;
  organisationName: string | null;
  isPlatformAdmin: boolean;
  sessionId: string;
  lastSignInAt: Date | null;
  lastSignInIp: string | null;
}

/** A session resolved from its token: the user, the stage and the last re-authentication. */
export interface AuthenticatedSession {
  user: SessionUser;
  stage: SessionStage;
  reauthenticatedAt: Date | null;
}

/** Where the caller is, for audit rows and new sessions. */
export interface ClientInfo {
  clientIp: string | null;
  userAgent: string | null;
}

/** Result of the password step. */
export interface SignInResult {
  token: string;
  stage: SessionStage;
  /** For a complete sign-in, `lastSignInAt`/`lastSignInIp` are the previous sign-in. */
  user: SessionUser;
  /** Stage `passwordChange`: why the password must be changed first. */
  passwordChangeReason?: PasswordChangeReason;
}

/** The PASSWORD_CHANGE_REQUIRED error (a session that must change its password first). */
export function passwordChangeRequired(): AppError {
  return new AppError('PASSWORD_CHANGE_REQUIRED', '请先修改密码，再进行其他操作');
}

/** A real PBKDF2-HMAC-SM3 hash of a random secret, so unknown usernames cost the same time as wrong passwords. */
let dummyHash: Promise<string> | null = null;
function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomToken(16));
  return dummyHash;
}

/**
 * The one answer of a refused password step, whatever the reason (unknown
 * user, wrong password, locked or disabled account).
 */
export function invalidCredentials(): AppError {
  return new AppError('INVALID_CREDENTIALS', '用户名或密码不正确');
}

function lockedError(lockedUntil: Date, now: Date): AppError {
  const mins = Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 60000));
  return new AppError('ACCOUNT_LOCKED', `登录失败次数过多，账号已锁定，请 ${mins} 分钟后再试`);
}

/**
 * The password step. Returns a session token and its stage: `complete`, or
 * `secondFactor` (TOTP enrolled) or `enrolment` (the policy requires a
 * second factor the user has not set up yet).
 */
export async function signIn(
  db: Db,
  input: { username: string; password: string } & ClientInfo,
  policy: SessionPolicy,
  now: Date,
  verify: PasswordVerifier = verifyPassword,
): Promise<SignInResult> {
  const user = await db
    .selectFrom('users')
    .leftJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select([
      'users.id',
      'users.username',
      'users.display_name',
      'users.password_hash',
      'users.status',
      'users.locked_until',
      'users.is_platform_admin',
      'users.organisation_id',
      'users.last_sign_in_at',
      'users.last_sign_in_ip',
      'organisations.name as organisation_name',
    ])
    .where((eb) => eb(eb.fn('lower', ['users.username']), '=', input.username.toLowerCase()))
    .executeTakeFirst();
  const actor: AuditActor = { userId: user?.id ?? null, name: user?.display_name ?? input.username, role: null, clientIp: input.clientIp };

  // No enumeration (security.md check 10): an unknown user, a wrong password, a
  // locked and a disabled account all get the same answer and cost one password
  // hash verification each. The audit trail tells them apart; the owner of a locked
  // account learns of the lock from an in-app notice (see registerFailure).
  if (!user) {
    await verify(await getDummyHash(), input.password);
    await db.transaction().execute((trx) =>
      recordAudit(trx, actor, { action: 'auth.signInFailed', entityType: 'user', entityId: null, contractId: null, after: { username: input.username, reason: 'unknownUser' } }, now),
    );
    throw invalidCredentials();
  }
  const passwordOk = await verify(user.password_hash, input.password);
  if (user.locked_until && new Date(user.locked_until) > now) {
    await db.transaction().execute((trx) =>
      recordAudit(trx, actor, { action: 'auth.signInRefused', entityType: 'user', entityId: user.id, contractId: null, after: { reason: 'locked', lockedUntil: new Date(user.locked_until ?? now).toISOString() } }, now),
    );
    throw invalidCredentials();
  }
  if (!passwordOk) {
    // counted: the failure that reaches the threshold locks the account (audited as auth.accountLocked)
    await registerFailure(db, user.id, actor, 'auth.signInFailed', { reason: 'wrongPassword' }, policy, now);
    throw invalidCredentials();
  }
  if (user.status !== 'active') {
    await db.transaction().execute((trx) =>
      recordAudit(trx, actor, { action: 'auth.signInRefused', entityType: 'user', entityId: user.id, contractId: null, after: { reason: 'disabled' } }, now),
    );
    throw invalidCredentials();
  }
  // A vendor person whose every grant is on a contract whose vendor access has
  // ended (security.md check 6): answered like a disabled account.
  const endedContracts = await endedVendorAccess(db, { id: user.id, isPlatformAdmin: user.is_platform_admin }, now);
  if (endedContracts) {
    await db.transaction().execute((trx) =>
      recordAudit(trx, actor, { action: 'auth.signInRefused', entityType: 'user', entityId: user.id, contractId: null, after: { reason: 'vendorAccessEnded', contracts: endedContracts } }, now),
    );
    throw invalidCredentials();
  }
  // A hash of the old scheme (argon2id) or with fewer iterations is replaced
  // now that the password is known (security.md check 14). Not audited: the
  // secret is the same, only its stored form changes. The compare-and-set
  // leaves a hash changed meanwhile (a password change) alone.
  if (needsRehash(user.password_hash)) {
    const rehashed = await hashPassword(input.password);
    await db.updateTable('users').set({ password_hash: rehashed }).where('id', '=', user.id).where('password_hash', '=', user.password_hash).execute();
  }
  const client: ClientInfo = { clientIp: input.clientIp, userAgent: input.userAgent };
  const sessionUser = (sessionId: string): SessionUser => sessionUserOf(user, sessionId);

  const enrolled = await hasTwoFactor(db, user.id);
  const stage: SessionStage = enrolled
    ? 'secondFactor'
    : (await isTwoFactorRequired(db, { id: user.id, isPlatformAdmin: user.is_platform_admin }, policy.twoFactor))
      ? 'enrolment'
      : 'complete';
  if (stage === 'complete') {
    const done = await db.transaction().execute((trx) => finishSignIn(trx, user.id, null, 'password', client, policy, now));
    return done.stage === 'complete' ? { token: done.token, stage: 'complete', user: done.user } : { token: done.token, stage: 'passwordChange', user: done.user, passwordChangeReason: done.reason };
  }
  // The failure counter is left as it is: it is reset only when the second step succeeds.
  const partial = await db.transaction().execute((trx) => startSession(trx, user.id, stage, client, policy, now));
  return { token: partial.token, stage, user: sessionUser(partial.sessionId) };
}

/**
 * The second step: a TOTP code or a recovery code for a session waiting in
 * the `secondFactor` stage. Returns a new token for a complete session.
 */
export async function completeSecondFactor(db: Db, session: AuthenticatedSession, code: string, client: ClientInfo, policy: SessionPolicy, now: Date): Promise<SignInOutcome> {
  if (session.stage !== 'secondFactor') throw new AppError('TWO_FACTOR_STATE', '当前登录不需要输入动态验证码');
  const userId = session.user.id;
  const actor: AuditActor = { userId, name: session.user.displayName, role: null, clientIp: client.clientIp };
  const lock = await db.selectFrom('users').select('locked_until').where('id', '=', userId).executeTakeFirstOrThrow();
  if (lock.locked_until && new Date(lock.locked_until) > now) throw lockedError(new Date(lock.locked_until), now);

  const outcome = await db.transaction().execute(async (trx) => {
    const check = await checkSecondFactor(trx, userId, code, now);
    if (!check.ok) return { check, done: null };
    const method = check.method === 'totp' ? 'password+totp' : 'password+recoveryCode';
    const done = await finishSignIn(trx, userId, session.user.sessionId, method, client, policy, now, check.recoveryCodesLeft === null ? {} : { recoveryCodesLeft: check.recoveryCodesLeft });
    return { check, done };
  });
  if (outcome.done) return outcome.done;
  const reason = outcome.check.ok ? 'wrong' : outcome.check.reason;
  if (reason === 'replayed') await notifyReplayedCode(db, userId, now);
  const locked = await registerFailure(db, userId, actor, reason === 'replayed' ? 'auth.secondFactorReplayed' : 'auth.secondFactorFailed', { reason }, policy, now);
  if (locked) throw new AppError('ACCOUNT_LOCKED', `验证失败次数过多（连续 ${policy.maxFailedAttempts} 次），账号已锁定 ${policy.lockMinutes} 分钟`);
  throw new AppError('SECOND_FACTOR_INVALID', secondFactorMessage(reason));
}

/** The session of a token, with its user (every request: precompiled). */
const SESSION_BY_TOKEN = precompiled((db, p: Placeholders<{ tokenHash: string }>) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select([
      'sessions.id as session_id',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'sessions.revoked_at',
      'sessions.stage',
      'sessions.reauthenticated_at',
      'users.id',
      'users.username',
      'users.display_name',
      'users.status',
      'users.is_platform_admin',
      'users.organisation_id',
      'users.last_sign_in_at',
      'users.last_sign_in_ip',
      'organisations.name as organisation_name',
    ])
    .where('sessions.token_hash', '=', p.tokenHash),
);

/** Resolve a session token to its session, enforcing idle and absolute timeouts. */
export async function authenticate(db: Db, token: string, policy: SessionPolicy, now: Date): Promise<AuthenticatedSession | null> {
  const row = await first(db, SESSION_BY_TOKEN, { tokenHash: sm3Hex(token) });
  if (!row || row.revoked_at || row.status !== 'active') return null;
  const lastSeen = new Date(row.last_seen_at).getTime();
  if (new Date(row.expires_at).getTime() <= now.getTime()) return null;
  if (now.getTime() - lastSeen > policy.idleMinutes * 60000) return null;
  if (now.getTime() - lastSeen > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', row.session_id).execute();
  }
  return {
    user: sessionUserOf(row, row.session_id),
    stage: row.stage,
    reauthenticatedAt: row.reauthenticated_at ? new Date(row.reauthenticated_at) : null,
  };
}

/** Revoke the current session (any stage). */
export async function signOut(db: Db, user: SessionUser, clientIp: string | null, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('sessions').set({ revoked_at: now }).where('id', '=', user.sessionId).execute();
    await recordAudit(trx, { userId: user.id, name: user.displayName, role: null, clientIp }, { action: 'auth.signOut', entityType: 'user', entityId: user.id, contractId: null, after: { sessionId: user.sessionId } }, now);
  });
}

/** Sign out everywhere: every session of the caller ends, this one included. Audited with the count. */
export async function signOutEverywhere(db: Db, user: SessionUser, clientIp: string | null, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const n = await revokeUserSessions(trx, user.id, now);
    await recordAudit(trx, { userId: user.id, name: user.displayName, role: null, clientIp }, { action: 'auth.signOutEverywhere', entityType: 'user', entityId: user.id, contractId: null, after: { sessionsEnded: n } }, now);
    return n;
  });
}

/**
 * Step-up: confirm identity again (password, plus a TOTP or recovery code
 * when the user has a second factor). Marks the session as recently
 * authenticated; failures count towards the lockout.
 */
export async function reauthenticate(db: Db, user: SessionUser, input: { password: string; code?: string | undefined }, clientIp: string | null, policy: SessionPolicy, now: Date): Promise<Date> {
  const actor: AuditActor = { userId: user.id, name: user.displayName, role: null, clientIp };
  const row = await db.selectFrom('users').select(['password_hash', 'locked_until']).where('id', '=', user.id).executeTakeFirstOrThrow();
  if (row.locked_until && new Date(row.locked_until) > now) throw lockedError(new Date(row.locked_until), now);
  if (!(await verifyPassword(row.password_hash, input.password))) {
    const locked = await registerFailure(db, user.id, actor, 'auth.reauthFailed', { reason: 'wrongPassword' }, policy, now);
    if (locked) throw new AppError('ACCOUNT_LOCKED', `验证失败次数过多（连续 ${policy.maxFailedAttempts} 次），账号已锁定 ${policy.lockMinutes} 分钟`);
    throw new AppError('INVALID_CREDENTIALS', '密码不正确');
  }
  const enrolled = await hasTwoFactor(db, user.id);
  if (enrolled && !input.code?.trim()) throw new AppError('SECOND_FACTOR_INVALID', '您已启用双因素验证：请同时输入验证器中的 6 位动态验证码（或一个恢复码）');
  const outcome = await db.transaction().execute(async (trx) => {
    let method: 'password' | 'password+totp' | 'password+recoveryCode' = 'password';
    if (enrolled) {
      const check = await checkSecondFactor(trx, user.id, input.code ?? '', now);
      if (!check.ok) return check;
      method = check.method === 'totp' ? 'password+totp' : 'password+recoveryCode';
    }
    await trx.updateTable('sessions').set({ reauthenticated_at: now }).where('id', '=', user.sessionId).execute();
    await trx.updateTable('users').set({ failed_attempts: 0 }).where('id', '=', user.id).execute();
    await recordAudit(trx, actor, { action: 'auth.reauthenticated', entityType: 'user', entityId: user.id, contractId: null, after: { sessionId: user.sessionId, method } }, now);
    return null;
  });
  if (outcome === null) return now;
  const reason = outcome.ok ? 'wrong' : outcome.reason;
  if (reason === 'replayed') await notifyReplayedCode(db, user.id, now);
  const locked = await registerFailure(db, user.id, actor, 'auth.reauthFailed', { reason: reason === 'replayed' ? 'replayedCode' : 'wrongCode' }, policy, now);
  if (locked) throw new AppError('ACCOUNT_LOCKED', `验证失败次数过多（连续 ${policy.maxFailedAttempts} 次），账号已锁定 ${policy.lockMinutes} 分钟`);
  throw new AppError('SECOND_FACTOR_INVALID', secondFactorMessage(reason));
}

/**
 * Check a new password against the whole profile (security.md check 13):
 * length and classes, not a common password, not containing the username,
 * and not one of the last {@link PASSWORD_HISTORY_DEPTH} passwords (the
 * current one and the replaced ones kept in `user_password_history`).
 * Throws PASSWORD_POLICY with the reason in Chinese.
 */
async function assertNewPasswordAllowed(db: Db, user: { id: string; username: string }, currentHash: string, newPassword: string, currentPassword: string): Promise<void> {
  assertPasswordPolicy(newPassword);
  if (newPassword.toLowerCase().includes(user.username.toLowerCase())) throw new AppError('PASSWORD_POLICY', '新密码不能包含用户名');
  assertNotCommonPassword(newPassword);
  if (newPassword === currentPassword || (await verifyPassword(currentHash, newPassword))) throw new AppError('PASSWORD_POLICY', '新密码不能与当前密码相同');
  const previous = await db
    .selectFrom('user_password_history')
    .select('password_hash')
    .where('user_id', '=', user.id)
    .orderBy('replaced_at', 'desc')
    .limit(PASSWORD_HISTORY_DEPTH - 1)
    .execute();
  for (const p of previous) {
    if (await verifyPassword(p.password_hash, newPassword)) throw new AppError('PASSWORD_POLICY', `新密码不能与最近使用过的 ${PASSWORD_HISTORY_DEPTH} 个密码相同`);
  }
}

/**
 * Store a new password hash in `trx`: the replaced hash goes into the history
 * (only the last {@link PASSWORD_HISTORY_DEPTH} − 1 are kept), the change time
 * is recorded and an initial-password flag is cleared.
 */
async function storeNewPassword(trx: Trx, userId: string, oldHash: string, newHash: string, now: Date): Promise<void> {
  await trx.insertInto('user_password_history').values({ user_id: userId, password_hash: oldHash, replaced_at: now }).execute();
  const keep = trx.selectFrom('user_password_history').select('id').where('user_id', '=', userId).orderBy('replaced_at', 'desc').limit(PASSWORD_HISTORY_DEPTH - 1);
  await trx.deleteFrom('user_password_history').where('user_id', '=', userId).where('id', 'not in', keep).execute();
  await trx.updateTable('users').set({ password_hash: newHash, failed_attempts: 0, password_changed_at: now, must_change_password: false }).where('id', '=', userId).execute();
}

/** Verify the current password for a change; a wrong one counts towards the lockout. */
async function verifyCurrentPassword(db: Db, user: SessionUser, currentPassword: string, clientIp: string | null, policy: SessionPolicy, now: Date): Promise<{ password_hash: string }> {
  const actor: AuditActor = { userId: user.id, name: user.displayName, role: null, clientIp };
  const row = await db.selectFrom('users').select(['password_hash', 'locked_until']).where('id', '=', user.id).executeTakeFirstOrThrow();
  if (row.locked_until && new Date(row.locked_until) > now) throw lockedError(new Date(row.locked_until), now);
  if (!(await verifyPassword(row.password_hash, currentPassword))) {
    const locked = await registerFailure(db, user.id, actor, 'auth.passwordChangeFailed', { reason: 'wrongPassword' }, policy, now);
    if (locked) throw new AppError('ACCOUNT_LOCKED', `验证失败次数过多（连续 ${policy.maxFailedAttempts} 次），账号已锁定 ${policy.lockMinutes} 分钟`);
    throw new AppError('INVALID_CREDENTIALS', '当前密码不正确');
  }
  return row;
}

/**
 * Change one's own password (the current one is required). The new one must
 * meet the whole password profile ({@link assertNewPasswordAllowed}).
 * Every other session of the user ends. Audited.
 */
export async function changePassword(db: Db, user: SessionUser, input: { currentPassword: string; newPassword: string }, clientIp: string | null, policy: SessionPolicy, now: Date): Promise<{ otherSessionsEnded: number }> {
  const actor: AuditActor = { userId: user.id, name: user.displayName, role: null, clientIp };
  const row = await verifyCurrentPassword(db, user, input.currentPassword, clientIp, policy, now);
  await assertNewPasswordAllowed(db, user, row.password_hash, input.newPassword, input.currentPassword);
  const hash = await hashPassword(input.newPassword);
  return db.transaction().execute(async (trx) => {
    await storeNewPassword(trx, user.id, row.password_hash, hash, now);
    const otherSessionsEnded = await revokeUserSessions(trx, user.id, now, user.sessionId);
    await recordAudit(trx, actor, { action: 'auth.passwordChanged', entityType: 'user', entityId: user.id, contractId: null, after: { otherSessionsEnded } }, now);
    return { otherSessionsEnded };
  });
}

/**
 * The forced change at sign-in: a session in the `passwordChange` stage (an
 * initial password, or one older than the policy allows) changes the password
 * (the current one again, and a new one meeting the profile), which completes
 * the sign-in with a fresh session; every other session of the user ends. Audited
 * (`auth.passwordChanged` with `forced`, then `auth.signIn`).
 */
export async function completePasswordChange(
  db: Db,
  session: AuthenticatedSession,
  input: { currentPassword: string; newPassword: string },
  client: ClientInfo,
  policy: SessionPolicy,
  now: Date,
): Promise<{ token: string; user: SessionUser }> {
  if (session.stage !== 'passwordChange') throw new AppError('TWO_FACTOR_STATE', '当前登录不需要修改密码');
  const user = session.user;
  const actor: AuditActor = { userId: user.id, name: user.displayName, role: null, clientIp: client.clientIp };
  const row = await verifyCurrentPassword(db, user, input.currentPassword, client.clientIp, policy, now);
  await assertNewPasswordAllowed(db, user, row.password_hash, input.newPassword, input.currentPassword);
  const hash = await hashPassword(input.newPassword);
  return db.transaction().execute(async (trx) => {
    const flags = await trx.selectFrom('users').select(['must_change_password']).where('id', '=', user.id).executeTakeFirstOrThrow();
    await storeNewPassword(trx, user.id, row.password_hash, hash, now);
    const otherSessionsEnded = await revokeUserSessions(trx, user.id, now, user.sessionId);
    await recordAudit(
      trx,
      actor,
      { action: 'auth.passwordChanged', entityType: 'user', entityId: user.id, contractId: null, after: { otherSessionsEnded, forced: flags.must_change_password ? 'initial' : 'expired' } },
      now,
    );
    return completeSignIn(trx, user.id, user.sessionId, 'password+passwordChange', client, policy, now);
  });
}

/** The Chinese explanation of a forced change, for the sign-in answer. */
export function forcedChangeMessage(reason: PasswordChangeReason, policy: SessionPolicy): string {
  return passwordChangeMessage(reason, policy.passwordMaxAgeDays);
}

/** The caller's open sessions (complete ones), newest first. */
export async function listMySessions(db: Db, user: SessionUser, now: Date) {
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'client_ip', 'user_agent'])
    .where('user_id', '=', user.id)
    .where('revoked_at', 'is', null)
    .where('stage', '=', 'complete')
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .limit(50)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: new Date(r.created_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
    expiresAt: new Date(r.expires_at).toISOString(),
    clientIp: r.client_ip,
    userAgent: r.user_agent,
    current: r.id === user.sessionId,
  }));
}

/** Sign-in events shown on the account page. */
export const SIGN_IN_EVENTS = ['auth.signIn', 'auth.signInFailed', 'auth.signInRefused', 'auth.accountLocked', 'auth.secondFactorFailed', 'auth.secondFactorReplayed', 'auth.signOutEverywhere', 'auth.passwordChanged'] as const;

/** The caller's recent sign-in events (from the audit trail), newest first. */
export async function listMySignInEvents(db: Db, userId: string, limit: number) {
  const rows = await db
    .selectFrom('audit_log')
    .select(['seq', 'occurred_at', 'action', 'client_ip', 'after'])
    .where('entity_type', '=', 'user')
    .where('entity_id', '=', userId)
    .where('action', 'in', [...SIGN_IN_EVENTS])
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => {
    const after = r.after as { method?: unknown } | null;
    return {
      seq: String(r.seq),
      occurredAt: new Date(r.occurred_at).toISOString(),
      action: r.action,
      clientIp: r.client_ip,
      method: typeof after?.method === 'string' ? after.method : null,
    };
  });
}
