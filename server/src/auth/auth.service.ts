/**
 * Sign-in, sessions and sign-out. Sessions are random tokens held in an
 * httpOnly cookie; only their SM3 digest is stored.
 */
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { randomToken, sm3Hex } from '../shared/crypto.ts';
import { recordAudit, type AuditActor } from '../audit/audit.service.ts';
import { hashPassword, verifyPassword } from './password.ts';

/** Session policy, from config. */
export interface SessionPolicy {
  idleMinutes: number;
  maxHours: number;
  /** Failed attempts before the account locks. */
  maxFailedAttempts: number;
  /** Lock duration in minutes. */
  lockMinutes: number;
}

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

/** A real argon2 hash of a random secret, so unknown usernames cost the same time as wrong passwords. */
let dummyHash: Promise<string> | null = null;
function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomToken(16));
  return dummyHash;
}

/** Sign in with username and password; returns a new session token. */
export async function signIn(
  db: Db,
  input: { username: string; password: string; clientIp: string | null; userAgent: string | null },
  policy: SessionPolicy,
  now: Date,
): Promise<{ token: string; user: SessionUser }> {
  const user = await db
    .selectFrom('users')
    .leftJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select([
      'users.id',
      'users.username',
      'users.display_name',
      'users.password_hash',
      'users.status',
      'users.failed_attempts',
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

  if (!user) {
    await verifyPassword(await getDummyHash(), input.password);
    await db.transaction().execute((trx) =>
      recordAudit(trx, actor, { action: 'auth.signInFailed', entityType: 'user', entityId: null, contractId: null, after: { username: input.username, reason: 'unknownUser' } }, now),
    );
    throw new AppError('INVALID_CREDENTIALS', '用户名或密码不正确');
  }
  if (user.locked_until && new Date(user.locked_until) > now) {
    await db.transaction().execute((trx) =>
      recordAudit(trx, actor, { action: 'auth.signInRefused', entityType: 'user', entityId: user.id, contractId: null, after: { reason: 'locked' } }, now),
    );
    const mins = Math.ceil((new Date(user.locked_until).getTime() - now.getTime()) / 60000);
    throw new AppError('ACCOUNT_DISABLED', `登录失败次数过多，账号已锁定，请 ${mins} 分钟后再试`);
  }
  const passwordOk = await verifyPassword(user.password_hash, input.password);
  if (!passwordOk) {
    const attempts = user.failed_attempts + 1;
    const lock = attempts >= policy.maxFailedAttempts;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ failed_attempts: lock ? 0 : attempts, locked_until: lock ? new Date(now.getTime() + policy.lockMinutes * 60000) : null })
        .where('id', '=', user.id)
        .execute();
      await recordAudit(trx, actor, { action: lock ? 'auth.accountLocked' : 'auth.signInFailed', entityType: 'user', entityId: user.id, contractId: null, after: { attempts } }, now);
    });
    if (lock) throw new AppError('ACCOUNT_DISABLED', `登录失败次数过多，账号已锁定 ${policy.lockMinutes} 分钟`);
    throw new AppError('INVALID_CREDENTIALS', '用户名或密码不正确');
  }
  if (user.status !== 'active') {
    throw new AppError('ACCOUNT_DISABLED', '该账号已停用，请联系管理员');
  }
  const token = randomToken();
  const session = await db.transaction().execute(async (trx) => {
    const s = await trx
      .insertInto('sessions')
      .values({
        token_hash: sm3Hex(token),
        user_id: user.id,
        last_seen_at: now,
        expires_at: new Date(now.getTime() + policy.maxHours * 3600_000),
        client_ip: input.clientIp,
        user_agent: input.userAgent?.slice(0, 300) ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('users')
      .set({ failed_attempts: 0, locked_until: null, last_sign_in_at: now, last_sign_in_ip: input.clientIp })
      .where('id', '=', user.id)
      .execute();
    await recordAudit(trx, actor, { action: 'auth.signIn', entityType: 'session', entityId: s.id, contractId: null }, now);
    return s;
  });
  return {
    token,
    user: {
      id: user.id,
      username: user.username,
      displayName: user.display_name,
      organisationId: user.organisation_id,
      organisationName: user.organisation_name,
      isPlatformAdmin: user.is_platform_admin,
      sessionId: session.id,
      // the previous sign-in, shown to the user at sign-in
      lastSignInAt: user.last_sign_in_at ? new Date(user.last_sign_in_at) : null,
      lastSignInIp: user.last_sign_in_ip,
    },
  };
}

/** Resolve a session token to its user, enforcing idle and absolute timeouts. */
export async function authenticate(db: Db, token: string, policy: SessionPolicy, now: Date): Promise<SessionUser | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select([
      'sessions.id as session_id',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'sessions.revoked_at',
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
    .where('sessions.token_hash', '=', sm3Hex(token))
    .executeTakeFirst();
  if (!row || row.revoked_at || row.status !== 'active') return null;
  const lastSeen = new Date(row.last_seen_at).getTime();
  if (new Date(row.expires_at).getTime() <= now.getTime()) return null;
  if (now.getTime() - lastSeen > policy.idleMinutes * 60000) return null;
  if (now.getTime() - lastSeen > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', row.session_id).execute();
  }
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    organisationId: row.organisation_id,
    organisationName: row.organisation_name,
    isPlatformAdmin: row.is_platform_admin,
    sessionId: row.session_id,
    lastSignInAt: row.last_sign_in_at ? new Date(row.last_sign_in_at) : null,
    lastSignInIp: row.last_sign_in_ip,
  };
}

/** Revoke the current session. */
export async function signOut(db: Db, user: SessionUser, clientIp: string | null, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('sessions').set({ revoked_at: now }).where('id', '=', user.sessionId).execute();
    await recordAudit(trx, { userId: user.id, name: user.displayName, role: null, clientIp }, { action: 'auth.signOut', entityType: 'session', entityId: user.sessionId, contractId: null }, now);
  });
}
