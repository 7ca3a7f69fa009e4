import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { closeTestDb, testDb } from '../helpers/db.ts';
import { buildTestApp, buildUser, signInAs } from '../helpers/factories.ts';
import { authenticate, signIn } from '../../src/auth/auth.service.ts';
import { AppError } from '../../src/errors.ts';
import { assertPasswordPolicy } from '../../src/auth/password.ts';

let app: FastifyInstance;
before(async () => {
  app = await buildTestApp(testDb());
});
after(async () => {
  await app.close();
  await closeTestDb();
});

const policy = { idleMinutes: 30, maxHours: 12, maxFailedAttempts: 5, lockMinutes: 15, twoFactor: 'privileged' as const, passwordMaxAgeDays: 90 };

test('sign-in sets an httpOnly SameSite cookie; me works; sign-out ends the session', async () => {
  const user = await buildUser(testDb());
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: user.password } });
  assert.equal(res.statusCode, 200);
  const setCookie = String(res.headers['set-cookie']);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const cookie = await signInAs(app, user);
  const me = await app.inject({ url: '/api/auth/me', headers: { cookie } });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().username, user.username);
  assert.ok(me.json().lastSignInAt, 'the previous sign-in is shown');
  const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
  assert.equal(out.statusCode, 200);
  const after = await app.inject({ url: '/api/auth/me', headers: { cookie } });
  assert.equal(after.statusCode, 401);
});

test('a wrong password and an unknown user get the same Chinese error', async () => {
  const user = await buildUser(testDb());
  const wrong = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: 'nope' } });
  const unknown = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'no-such-user-x', password: 'nope' } });
  assert.equal(wrong.statusCode, 401);
  assert.deepEqual(wrong.json(), unknown.json());
  assert.equal(wrong.json().error.message, '用户名或密码不正确');
});

test('sign-in events and failures are in the audit trail', async () => {
  const db = testDb();
  const user = await buildUser(db);
  await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: 'wrong' } });
  await signInAs(app, user);
  const rows = await db.selectFrom('audit_log').select(['action', 'client_ip']).where('actor_user_id', '=', user.id).where('action', 'like', 'auth.%').orderBy('seq').execute();
  assert.deepEqual(rows.map((r) => r.action), ['auth.signInFailed', 'auth.signIn']);
  assert.equal(rows[1]?.client_ip, '127.0.0.1');
});

test('the fifth failure locks the account; the right password is then refused', async () => {
  const db = testDb();
  const user = await buildUser(db);
  const now = new Date();
  for (let i = 0; i < 5; i++) {
    await assert.rejects(signIn(db, { username: user.username, password: 'bad', clientIp: null, userAgent: null }, policy, now), AppError);
  }
  await assert.rejects(signIn(db, { username: user.username, password: user.password, clientIp: null, userAgent: null }, policy, now), (e: unknown) => e instanceof AppError && e.code === 'INVALID_CREDENTIALS', 'a locked account answers like a wrong password');
  const later = new Date(now.getTime() + 16 * 60_000);
  const ok = await signIn(db, { username: user.username, password: user.password, clientIp: null, userAgent: null }, policy, later);
  assert.ok(ok.token);
});

test('sessions expire after the idle timeout and the absolute lifetime', async () => {
  const db = testDb();
  const user = await buildUser(db);
  const t0 = new Date();
  const { token } = await signIn(db, { username: user.username, password: user.password, clientIp: null, userAgent: null }, policy, t0);
  assert.ok(await authenticate(db, token, policy, new Date(t0.getTime() + 29 * 60_000)));
  // the previous call refreshed last_seen to t0+29m: 29 more minutes is fine, 31 is not
  assert.ok(await authenticate(db, token, policy, new Date(t0.getTime() + 58 * 60_000)));
  assert.equal(await authenticate(db, token, policy, new Date(t0.getTime() + 90 * 60_000)), null);
  const { token: t2 } = await signIn(db, { username: user.username, password: user.password, clientIp: null, userAgent: null }, policy, t0);
  let t = t0.getTime();
  for (let i = 0; i < 25; i++) {
    t += 29 * 60_000;
    const ok = await authenticate(db, t2, policy, new Date(t));
    if (t - t0.getTime() < 12 * 3600_000) assert.ok(ok, `still valid at ${(t - t0.getTime()) / 60000} min`);
    else assert.equal(ok, null);
  }
});

test('password policy', () => {
  assert.throws(() => assertPasswordPolicy('short1A!'), (e: unknown) => e instanceof AppError && e.code === 'PASSWORD_POLICY');
  assert.throws(() => assertPasswordPolicy('alllowercaseletters'), AppError);
  assert.doesNotThrow(() => assertPasswordPolicy('Good-enough-2026'));
});
