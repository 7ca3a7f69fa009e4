/**
 * Password policy and lockout (等保 身份鉴别 a/b; security checks 9 and 13).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { testDb } from '../helpers/db.ts';
import { buildUser, signInAs, TEST_PASSWORD, uniq } from '../helpers/factories.ts';
import { signIn } from '../../src/auth/auth.service.ts';
import { AppError } from '../../src/errors.ts';
import { useTestApp } from '../helpers/app.ts';
import { buildSecurityApp } from './security-app.ts';

const app = useTestApp(buildSecurityApp);

const login = (username: string, password: string, target: FastifyInstance = app) => target.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

async function authEvents(userId: string): Promise<string[]> {
  const rows = await testDb().selectFrom('audit_log').select('action').where('entity_type', '=', 'user').where('entity_id', '=', userId).where('action', 'like', 'auth.%').orderBy('seq').execute();
  return rows.map((r) => r.action);
}

test('a password that breaks the policy is refused with a clear Chinese message (new user, password change)', async () => {
  const admin = await buildUser(testDb(), { platformAdmin: true });
  const cookie = await signInAs(app, admin);
  for (const weak of ['abc12345', 'Short-1a', 'alllowercaseletters', 'ALLUPPER-LETTERS']) {
    const r = await app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: { username: `w-${uniq()}`, displayName: '弱口令', password: weak } });
    assert.equal(r.statusCode, 400, weak);
    assert.equal(r.json().error.code, 'PASSWORD_POLICY');
    assert.equal(r.json().error.message, '密码至少 12 位，且须包含大写字母、小写字母、数字、符号中的至少三类');
  }
  const ok = await app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: { username: `s-${uniq()}`, displayName: '合规口令', password: 'Strong-Enough-2026' } });
  assert.equal(ok.statusCode, 201);

  const user = await buildUser(testDb());
  const mine = await signInAs(app, user);
  const change = (currentPassword: string, newPassword: string) => app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie: mine }, payload: { currentPassword, newPassword } });
  assert.equal((await change(TEST_PASSWORD, 'abc12345')).json().error.code, 'PASSWORD_POLICY');
  assert.equal((await change(TEST_PASSWORD, TEST_PASSWORD)).json().error.message, '新密码不能与当前密码相同');
  assert.equal((await change(TEST_PASSWORD, `${user.username}-X9!`)).json().error.message, '新密码不能包含用户名');
  const wrongCurrent = await change('Not-The-Password-1', 'Another-Good-Pass-7');
  assert.equal(wrongCurrent.statusCode, 401);
  assert.equal(wrongCurrent.json().error.message, '当前密码不正确');
});

test('five failed sign-ins in a row lock the account; the sixth attempt, even with the right password, is refused; every step is audited', async () => {
  const user = await buildUser(testDb());
  for (let i = 1; i <= 4; i++) {
    const r = await login(user.username, `wrong-${i}`);
    assert.equal(r.statusCode, 401, `attempt ${i}`);
    assert.equal(r.json().error.code, 'INVALID_CREDENTIALS');
  }
  // the lock is not announced to whoever is typing (no enumeration): the fifth and sixth answers are a wrong password's
  const fifth = await login(user.username, 'wrong-5');
  assert.equal(fifth.statusCode, 401);
  assert.deepEqual(fifth.json(), { error: { code: 'INVALID_CREDENTIALS', message: '用户名或密码不正确' } });
  const sixth = await login(user.username, user.password);
  assert.equal(sixth.statusCode, 401, 'the right password does not open a locked account');
  assert.deepEqual(sixth.json(), { error: { code: 'INVALID_CREDENTIALS', message: '用户名或密码不正确' } });
  assert.equal(sixth.headers['set-cookie'], undefined, 'no session cookie');

  assert.deepEqual(await authEvents(user.id), ['auth.signInFailed', 'auth.signInFailed', 'auth.signInFailed', 'auth.signInFailed', 'auth.accountLocked', 'auth.signInRefused']);
  const locked = await testDb().selectFrom('audit_log').select(['after', 'client_ip', 'actor_user_id']).where('entity_id', '=', user.id).where('action', '=', 'auth.accountLocked').executeTakeFirstOrThrow();
  assert.deepEqual(locked.after, { reason: 'wrongPassword', attempts: 5, failedAction: 'auth.signInFailed', lockMinutes: 15 });
  assert.equal(locked.client_ip, '127.0.0.1');
  assert.equal(locked.actor_user_id, user.id);
  const sessions = await testDb().selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
  assert.equal(sessions.length, 0);
});

test('the lock lifts after the lock time; a successful sign-in resets the count', async () => {
  const db = testDb();
  const user = await buildUser(db);
  const policy = { idleMinutes: 30, maxHours: 12, maxFailedAttempts: 5, lockMinutes: 15, twoFactor: 'privileged' as const, passwordMaxAgeDays: 90 };
  const t0 = new Date();
  const attempt = (password: string, at: Date) => signIn(db, { username: user.username, password, clientIp: null, userAgent: null }, policy, at);
  const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));
  for (let i = 0; i < 4; i++) await assert.rejects(attempt('bad', t0), (e: unknown) => code(e) === 'INVALID_CREDENTIALS');
  assert.equal((await attempt(user.password, t0)).stage, 'complete', 'four failures do not lock');
  for (let i = 0; i < 4; i++) await assert.rejects(attempt('bad', t0), (e: unknown) => code(e) === 'INVALID_CREDENTIALS', 'the count started again after the success');
  await assert.rejects(attempt('bad', t0), (e: unknown) => code(e) === 'INVALID_CREDENTIALS');
  await assert.rejects(attempt(user.password, new Date(t0.getTime() + 14 * 60_000)), (e: unknown) => code(e) === 'INVALID_CREDENTIALS', 'still locked');
  const locks = await db.selectFrom('audit_log').select('action').where('entity_id', '=', user.id).where('action', 'in', ['auth.accountLocked', 'auth.signInRefused']).orderBy('seq').execute();
  assert.deepEqual(locks.map((l) => l.action), ['auth.accountLocked', 'auth.signInRefused'], 'the audit trail tells the lock apart');
  assert.equal((await attempt(user.password, new Date(t0.getTime() + 15 * 60_000 + 1000))).stage, 'complete', 'unlocked after 15 minutes');
});

test('the lockout threshold and duration come from the configuration', async () => {
  const strict = await buildSecurityApp(testDb(), { auth: { lockoutThreshold: 3, lockoutMinutes: 60 } });
  try {
    const user = await buildUser(testDb());
    assert.equal((await login(user.username, 'bad-1', strict)).statusCode, 401);
    assert.equal((await login(user.username, 'bad-2', strict)).statusCode, 401);
    const third = await login(user.username, 'bad-3', strict);
    assert.equal(third.json().error.code, 'INVALID_CREDENTIALS');
    const locked = await testDb().selectFrom('audit_log').select('after').where('entity_id', '=', user.id).where('action', '=', 'auth.accountLocked').executeTakeFirstOrThrow();
    assert.deepEqual(locked.after, { reason: 'wrongPassword', attempts: 3, failedAction: 'auth.signInFailed', lockMinutes: 60 });
    const notice = await testDb().selectFrom('notifications').select('body').where('user_id', '=', user.id).where('kind', '=', 'security.accountLocked').executeTakeFirstOrThrow();
    assert.match(notice.body, /连续 3 次验证失败.*锁定 60 分钟/);
  } finally {
    await strict.close();
  }
});

test('a platform administrator lifts a lock before it runs out; the unlock is audited', async () => {
  const admin = await buildUser(testDb(), { platformAdmin: true });
  const adminCookie = await signInAs(app, admin);
  const user = await buildUser(testDb());
  for (let i = 0; i < 5; i++) await login(user.username, 'bad');
  assert.equal((await login(user.username, user.password)).json().error.code, 'INVALID_CREDENTIALS', 'locked');
  const plain = await signInAs(app, await buildUser(testDb()));
  assert.equal((await app.inject({ method: 'POST', url: `/api/users/${user.id}/unlock`, headers: { cookie: plain } })).statusCode, 403, 'only platform administrators');
  const r = await app.inject({ method: 'POST', url: `/api/users/${user.id}/unlock`, headers: { cookie: adminCookie } });
  assert.deepEqual(r.json(), { wasLocked: true });
  assert.equal((await login(user.username, user.password)).statusCode, 200);
  const row = await testDb().selectFrom('audit_log').select(['actor_user_id', 'before']).where('entity_id', '=', user.id).where('action', '=', 'auth.accountUnlocked').executeTakeFirstOrThrow();
  assert.equal(row.actor_user_id, admin.id);
});

test('no enumeration: an unknown user, a wrong password, a locked and a disabled account get the same answer; the audit trail tells them apart; the owner of a locked account is told in the app', async () => {
  const wrong = await buildUser(testDb());
  const locked = await buildUser(testDb());
  const disabled = await buildUser(testDb());
  for (let i = 0; i < 5; i++) await login(locked.username, 'bad');
  await testDb().updateTable('users').set({ status: 'disabled' }).where('id', '=', disabled.id).execute();
  const answers = [
    await login(`nobody-${uniq()}`, TEST_PASSWORD),
    await login(wrong.username, 'Not-The-Password-1'),
    await login(locked.username, locked.password),
    await login(disabled.username, disabled.password),
  ];
  for (const r of answers) {
    assert.equal(r.statusCode, 401);
    assert.deepEqual(r.json(), { error: { code: 'INVALID_CREDENTIALS', message: '用户名或密码不正确' } });
    assert.equal(r.headers['set-cookie'], undefined);
  }
  const reasons = async (id: string) =>
    (await testDb().selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', id).where('action', 'in', ['auth.signInFailed', 'auth.signInRefused']).orderBy('seq').execute()).map(
      (r) => `${r.action}:${String((r.after as { reason?: string } | null)?.reason)}`,
    );
  assert.deepEqual((await reasons(wrong.id)).slice(-1), ['auth.signInFailed:wrongPassword']);
  assert.deepEqual((await reasons(locked.id)).slice(-1), ['auth.signInRefused:locked']);
  assert.deepEqual(await reasons(disabled.id), ['auth.signInRefused:disabled']);
  // a disabled account's wrong passwords still count towards the lock
  for (let i = 0; i < 5; i++) assert.equal((await login(disabled.username, 'bad')).statusCode, 401);
  assert.ok((await testDb().selectFrom('users').select('locked_until').where('id', '=', disabled.id).executeTakeFirstOrThrow()).locked_until);

  // once the lock is lifted, the owner signs in and finds the notice of the lock
  await testDb().updateTable('users').set({ locked_until: null }).where('id', '=', locked.id).execute();
  const cookie = await signInAs(app, locked);
  const notes = await app.inject({ url: '/api/notifications', headers: { cookie } });
  assert.equal(notes.statusCode, 200, notes.body);
  assert.match(notes.body, /您的账号曾被临时锁定/);
  assert.match(notes.body, /连续 5 次验证失败/);
  const strangers = await signInAs(app, wrong);
  assert.doesNotMatch((await app.inject({ url: '/api/notifications', headers: { cookie: strangers } })).body, /账号曾被临时锁定/);
});
