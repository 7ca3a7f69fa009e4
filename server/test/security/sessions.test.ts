/**
 * Sessions and accounts: sign out everywhere, forced sign-out, the account's
 * own history, and a production install without any default account
 * (等保 身份鉴别 b, 访问控制 b; ASVS 3.3.3/3.3.4, 2.5.4).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { isolatedDb, testDb } from '../helpers/db.ts';
import { buildUser, signInAs } from '../helpers/factories.ts';
import { useTestApp } from '../helpers/app.ts';
import { buildSecurityApp } from './security-app.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'yunwei.mjs');

const app = useTestApp(buildSecurityApp);

const me = (cookie: string, target: FastifyInstance = app) => target.inject({ url: '/api/auth/me', headers: { cookie } });

test('sign out everywhere ends every session of the user (this one too) and nobody else’s; audited', async () => {
  const user = await buildUser(testDb());
  const laptop = await signInAs(app, user);
  const phone = await signInAs(app, user);
  const someoneElse = await signInAs(app, await buildUser(testDb()));
  const list = await app.inject({ url: '/api/auth/sessions', headers: { cookie: laptop } });
  assert.equal(list.json().length, 2);
  assert.equal(list.json().filter((s: { current: boolean }) => s.current).length, 1);

  const out = await app.inject({ method: 'POST', url: '/api/auth/sign-out-everywhere', headers: { cookie: laptop } });
  assert.deepEqual(out.json(), { sessionsEnded: 2 });
  assert.match(String(out.headers['set-cookie']), /yunwei_session=;/, 'the cookie is cleared');
  assert.equal((await me(laptop)).statusCode, 401);
  assert.equal((await me(phone)).statusCode, 401);
  assert.equal((await me(someoneElse)).statusCode, 200);
  const row = await testDb().selectFrom('audit_log').select('after').where('entity_id', '=', user.id).where('action', '=', 'auth.signOutEverywhere').executeTakeFirstOrThrow();
  assert.deepEqual(row.after, { sessionsEnded: 2 });
});

test('a platform administrator forces a user out; the user’s sessions end at once; audited with the reason', async () => {
  const admin = await buildUser(testDb(), { platformAdmin: true });
  const adminCookie = await signInAs(app, admin);
  const user = await buildUser(testDb());
  const userCookie = await signInAs(app, user);
  const r = await app.inject({ method: 'POST', url: `/api/users/${user.id}/sign-out`, headers: { cookie: adminCookie }, payload: { reason: '离职' } });
  assert.deepEqual(r.json(), { sessionsEnded: 1 });
  assert.equal((await me(userCookie)).statusCode, 401);
  assert.equal((await me(adminCookie)).statusCode, 200);
  const row = await testDb().selectFrom('audit_log').select(['actor_user_id', 'after']).where('entity_id', '=', user.id).where('action', '=', 'auth.forcedSignOut').executeTakeFirstOrThrow();
  assert.equal(row.actor_user_id, admin.id);
  assert.deepEqual(row.after, { username: user.username, sessionsEnded: 1, reason: '离职' });
  const denied = await app.inject({ method: 'POST', url: `/api/users/${admin.id}/sign-out`, headers: { cookie: await signInAs(app, await buildUser(testDb())) }, payload: {} });
  assert.equal(denied.statusCode, 403);
});

test('changing the password ends the other sessions; the account page lists recent sign-ins with failures', async () => {
  const user = await buildUser(testDb());
  await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: 'a-wrong-one' } });
  const here = await signInAs(app, user);
  const there = await signInAs(app, user);
  const r = await app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie: here }, payload: { currentPassword: user.password, newPassword: 'Brand-New-Pass-2026' } });
  assert.deepEqual(r.json(), { otherSessionsEnded: 1 });
  assert.equal((await me(here)).statusCode, 200);
  assert.equal((await me(there)).statusCode, 401);
  const history = await app.inject({ url: '/api/auth/sign-ins', headers: { cookie: here } });
  assert.deepEqual(
    history.json().map((e: { action: string; method: string | null }) => [e.action, e.method]),
    [
      ['auth.passwordChanged', null],
      ['auth.signIn', 'password'],
      ['auth.signIn', 'password'],
      ['auth.signInFailed', null],
    ],
  );
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: 'Brand-New-Pass-2026' } });
  assert.equal(login.statusCode, 200);
  assert.ok(login.json().lastSignInAt, 'the previous sign-in is shown at sign-in');
  assert.equal(login.json().lastSignInIp, '127.0.0.1');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

test('a production start (no --demo) creates no account at all; the CLI creates the first platform administrator, who must enrol a second factor', { timeout: 120_000 }, async () => {
  const iso = await isolatedDb();
  const dataDir = mkdtempSync(join(tmpdir(), 'yunwei-prod-'));
  const env = { ...process.env, DATABASE_URL: iso.url, YUNWEI_DATA_DIR: dataDir };
  try {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'start'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const started = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('已启动')) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', () => resolve(false));
    });
    const health = started ? await fetch(`http://127.0.0.1:${port}/api/health`) : null;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    assert.ok(started, out);
    assert.equal(health?.status, 200);
    assert.doesNotMatch(out, /演示账号/);
    assert.match(out, /已生成审计锚点签名密钥（SM2）/);
    const users = await iso.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(users.n), 0, 'no default account');

    const weak = spawnSync(process.execPath, [CLI, 'user', 'create', '--username', 'root-admin', '--name', '王建华', '--platform-admin'], { env, input: 'admin123\n', encoding: 'utf8' });
    assert.equal(weak.status, 1);
    assert.match(weak.stderr, /PASSWORD_POLICY.*至少 12 位/);
    const created = spawnSync(process.execPath, [CLI, 'user', 'create', '--username', 'root-admin', '--name', '王建华', '--platform-admin'], { env, input: 'First-Admin-Pass-2026\n', encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /已创建用户 root-admin/);
    assert.match(created.stdout, /首次登录时须用验证器 App 绑定双因素验证/);
    const audit = await iso.db.selectFrom('audit_log').select(['actor_name', 'after']).where('action', '=', 'user.created').executeTakeFirstOrThrow();
    assert.equal(audit.actor_name, '系统（命令行）');

    const prodApp = await buildSecurityApp(iso.db);
    try {
      const login = await prodApp.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'root-admin', password: 'First-Admin-Pass-2026' } });
      assert.equal(login.json().stage, 'enrolment');
    } finally {
      await prodApp.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await iso.drop();
  }
});
