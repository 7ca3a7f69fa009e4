/**
 * The 等保 password profile (check 13): no common password (top 10,000 of a
 * bundled ranked list), no reuse of the last five, a forced change after the
 * maximum age and at the first sign-in with an administrator's initial
 * password (the session reaches nothing but the change), demo accounts
 * exempt. And check 10's structural reason for uniform timing: every refused
 * password step performs exactly one password hash verification.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { dictionary } from '@zxcvbn-ts/language-common';
import { testDb } from '../helpers/db.ts';
import { buildUser, signInAs, TEST_PASSWORD, uniq } from '../helpers/factories.ts';
import { signIn, type SessionPolicy } from '../../src/auth/auth.service.ts';
import { verifyPassword } from '../../src/auth/password.ts';
import { COMMON_PASSWORD_COUNT, isCommonPassword, passwordChangeReason } from '../../src/auth/password-profile.ts';
import { createUser } from '../../src/orgs/user.service.ts';
import { totpCode } from '../../src/auth/totp.ts';
import { AppError } from '../../src/errors.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { useTestApp } from '../helpers/app.ts';
import { buildSecurityApp, cookieOf } from './security-app.ts';

const app = useTestApp(buildSecurityApp);

const policy: SessionPolicy = { idleMinutes: 30, maxHours: 12, maxFailedAttempts: 5, lockMinutes: 15, twoFactor: 'privileged', passwordMaxAgeDays: 90 };
const login = (username: string, password: string) => app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
const DAY = 86_400_000;

test('common passwords: the 10,000 most common of the bundled list, and their trivial variants, are refused', () => {
  assert.ok(dictionary['passwords-common'].length >= COMMON_PASSWORD_COUNT, 'the package ships at least 10,000 ranked passwords');
  for (const p of ['password', 'Password123!', 'P@ssw0rd2026!', 'Qwertyuiop12', '1qaz2wsx3edc', '!!Dragon1234', 'LETMEIN-2026', 'Iloveyou520!']) assert.ok(isCommonPassword(p), p);
  for (const p of [TEST_PASSWORD, 'Strong-Enough-2026', 'Hq7-vaporise-Lantern', '政务运维-2026-Xk']) assert.ok(!isCommonPassword(p), p);
});

test('the password age setting is validated at start: default 90 days, 1–365', () => {
  assert.equal(loadConfig({}, '/tmp').auth.passwordMaxAgeDays, 90);
  assert.throws(() => loadConfig({ YUNWEI_PASSWORD_MAX_AGE_DAYS: '0' }, '/tmp'), (e: unknown) => e instanceof ConfigError && /YUNWEI_PASSWORD_MAX_AGE_DAYS: 不得少于 1 天/.test(e.message));
  const now = new Date();
  const u = { mustChangePassword: false, passwordChangedAt: new Date(now.getTime() - 90 * DAY), demoAccount: false };
  assert.equal(passwordChangeReason(u, 90, now), 'expired');
  assert.equal(passwordChangeReason({ ...u, passwordChangedAt: new Date(now.getTime() - 89 * DAY) }, 90, now), null);
  assert.equal(passwordChangeReason({ ...u, demoAccount: true }, 90, now), null, 'demo accounts never expire');
  assert.equal(passwordChangeReason({ ...u, passwordChangedAt: now, mustChangePassword: true }, 90, now), 'initial');
});

test('an administrator’s initial password must be changed at the first sign-in; until then the session reaches nothing else', async () => {
  const admin = await buildUser(testDb(), { platformAdmin: true });
  const adminCookie = await signInAs(app, admin);
  const common = await app.inject({ method: 'POST', url: '/api/users', headers: { cookie: adminCookie }, payload: { username: `c-${uniq()}`, displayName: '常见口令', password: 'Password123!' } });
  assert.equal(common.statusCode, 400);
  assert.match(common.json().error.message, /最常见的一万个密码/);

  const username = `n-${uniq()}`;
  const initial = 'Initial-Pass-7391';
  const created = await app.inject({ method: 'POST', url: '/api/users', headers: { cookie: adminCookie }, payload: { username, displayName: '新同事', password: initial } });
  assert.equal(created.statusCode, 201, created.body);

  const first = await login(username, initial);
  assert.equal(first.statusCode, 200);
  assert.equal(first.json().stage, 'passwordChange');
  assert.equal(first.json().reason, 'initial');
  assert.equal(first.json().message, '您正在使用管理员设置的初始密码，请先修改密码后再使用系统');
  const partial = cookieOf(first);
  for (const url of ['/api/auth/me', '/api/contracts', '/api/auth/sessions']) {
    const r = await app.inject({ url, headers: { cookie: partial } });
    assert.equal(r.statusCode, 403, url);
    assert.equal(r.json().error.code, 'PASSWORD_CHANGE_REQUIRED');
  }
  assert.equal((await app.inject({ method: 'POST', url: '/api/auth/two-factor/enrol', headers: { cookie: partial } })).json().error.code, 'PASSWORD_CHANGE_REQUIRED');

  const change = (currentPassword: string, newPassword: string) => app.inject({ method: 'POST', url: '/api/auth/login/password-change', headers: { cookie: partial }, payload: { currentPassword, newPassword } });
  assert.equal((await change('Not-The-Initial-1', 'Brand-New-Pass-4829')).json().error.message, '当前密码不正确');
  assert.equal((await change(initial, initial)).json().error.message, '新密码不能与当前密码相同');
  assert.match((await change(initial, 'Welcome2026!!')).json().error.message, /最常见的一万个密码/);
  const done = await change(initial, 'Brand-New-Pass-4829');
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(done.json().stage, 'complete');
  assert.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(done) } })).statusCode, 200);
  assert.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: partial } })).statusCode, 401, 'the partial session has ended');

  const user = await testDb().selectFrom('users').select(['id', 'must_change_password']).where('username', '=', username).executeTakeFirstOrThrow();
  assert.equal(user.must_change_password, false);
  const rows = await testDb().selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', user.id).where('action', 'in', ['auth.passwordChanged', 'auth.signIn']).orderBy('seq').execute();
  assert.deepEqual(rows.map((r) => r.action), ['auth.passwordChanged', 'auth.signIn']);
  assert.equal((rows[0]?.after as { forced: string }).forced, 'initial');
  assert.equal((rows[1]?.after as { method: string }).method, 'password+passwordChange');
  assert.equal((await login(username, 'Brand-New-Pass-4829')).json().stage, 'complete', 'the next sign-in goes straight in');
});

test('a password older than the maximum age must be changed at sign-in; demo accounts never must', async () => {
  const db = testDb();
  const user = await buildUser(db);
  const in91Days = new Date(Date.now() + 91 * DAY);
  const at = (u: { username: string; password: string }, now: Date) => signIn(db, { username: u.username, password: u.password, clientIp: null, userAgent: null }, policy, now);
  assert.equal((await at(user, new Date(Date.now() + 89 * DAY))).stage, 'complete');
  const old = await at(user, in91Days);
  assert.equal(old.stage, 'passwordChange');
  assert.equal(old.passwordChangeReason, 'expired');

  const demoName = `demo-${uniq()}`;
  await createUser(db, null, { username: demoName, displayName: '演示账号', password: TEST_PASSWORD, demoAccount: true }, new Date());
  assert.equal((await at({ username: demoName, password: TEST_PASSWORD }, new Date(Date.now() + 400 * DAY))).stage, 'complete');
});

test('the forced change comes after the second factor (a password alone cannot change it)', async () => {
  const db = testDb();
  const username = `pa-${uniq()}`;
  const initial = 'Initial-Admin-5517';
  await createUser(db, null, { username, displayName: '新平台管理员', password: initial, isPlatformAdmin: true }, new Date());
  const first = await login(username, initial);
  assert.equal(first.json().stage, 'enrolment', 'a platform administrator first binds an authenticator');
  const partial = cookieOf(first);
  assert.equal((await app.inject({ method: 'POST', url: '/api/auth/login/password-change', headers: { cookie: partial }, payload: { currentPassword: initial, newPassword: 'Brand-New-Admin-7720' } })).statusCode, 409);
  const enrol = await app.inject({ method: 'POST', url: '/api/auth/two-factor/enrol', headers: { cookie: partial } });
  const confirm = await app.inject({ method: 'POST', url: '/api/auth/two-factor/confirm', headers: { cookie: partial }, payload: { code: totpCode(enrol.json().secret, new Date()) } });
  assert.equal(confirm.statusCode, 200, confirm.body);
  assert.equal(confirm.json().signIn.stage, 'passwordChange');
  const next = cookieOf(confirm);
  const done = await app.inject({ method: 'POST', url: '/api/auth/login/password-change', headers: { cookie: next }, payload: { currentPassword: initial, newPassword: 'Brand-New-Admin-7720' } });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(done.json().stage, 'complete');
});

test('none of the last five passwords may be used again; only four replaced hashes are kept', async () => {
  const user = await buildUser(testDb());
  const cookie = await signInAs(app, user);
  const change = (currentPassword: string, newPassword: string) => app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword, newPassword } });
  const history = [TEST_PASSWORD, 'Second-Pass-8812', 'Third-Pass-7265', 'Fourth-Pass-6390', 'Fifth-Pass-5148'];
  for (let i = 1; i < history.length; i++) {
    const r = await change(history[i - 1] ?? '', history[i] ?? '');
    assert.equal(r.statusCode, 200, r.body);
  }
  const current = history[4] ?? '';
  for (const old of history.slice(0, 4)) {
    const r = await change(current, old);
    assert.equal(r.statusCode, 400, old);
    assert.equal(r.json().error.message, '新密码不能与最近使用过的 5 个密码相同');
  }
  assert.equal((await change(current, 'Sixth-Pass-4031')).statusCode, 200);
  assert.equal((await change('Sixth-Pass-4031', TEST_PASSWORD)).statusCode, 200, 'the sixth password back is allowed again');
  const kept = await testDb().selectFrom('user_password_history').select('password_hash').where('user_id', '=', user.id).execute();
  assert.equal(kept.length, 4);
});

test('check 10: unknown user, wrong password, locked and disabled account each cost exactly one password hash verification and get one answer', async () => {
  const db = testDb();
  const wrong = await buildUser(db);
  const locked = await buildUser(db);
  const disabled = await buildUser(db);
  const t0 = new Date();
  for (let i = 0; i < policy.maxFailedAttempts; i++) await assert.rejects(signIn(db, { username: locked.username, password: 'bad', clientIp: null, userAgent: null }, policy, t0));
  await db.updateTable('users').set({ status: 'disabled' }).where('id', '=', disabled.id).execute();

  const cases = {
    unknownUser: { username: `nobody-${uniq()}`, password: TEST_PASSWORD },
    wrongPassword: { username: wrong.username, password: 'Wrong-Passw0rd-2026' },
    locked: { username: locked.username, password: TEST_PASSWORD },
    disabled: { username: disabled.username, password: TEST_PASSWORD },
  };
  const answers = new Set<string>();
  for (const [name, c] of Object.entries(cases)) {
    let calls = 0;
    const counting = async (hash: string, password: string): Promise<boolean> => {
      calls++;
      return verifyPassword(hash, password);
    };
    await assert.rejects(signIn(db, { ...c, clientIp: null, userAgent: null }, policy, t0, counting), (e: unknown) => {
      if (!(e instanceof AppError)) return false;
      answers.add(`${e.code}|${e.message}`);
      return true;
    });
    assert.equal(calls, 1, `${name}: one password hash verification`);
  }
  assert.deepEqual([...answers], ['INVALID_CREDENTIALS|用户名或密码不正确']);
});
