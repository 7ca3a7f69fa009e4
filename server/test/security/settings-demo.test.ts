/**
 * Security settings are validated once at start (retention ≥ 180 days,
 * lockout bounds, key formats), and the demo's administrators and auditors
 * sign in with a second factor like production ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { AnchorKeyError, loadOrCreateAnchorKey } from '../../src/audit/audit-anchor.ts';
import { seedDemo } from '../../src/demo/demo.seed.ts';
import { totpCode } from '../../src/auth/totp.ts';
import { isolatedDb } from '../helpers/db.ts';
import { buildSecurityApp, cookieOf } from './security-app.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'yunwei.mjs');

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/yunwei');
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

test('security settings: defaults, and values outside the allowed range stop start-up with a Chinese reason', () => {
  const c = loadConfig({}, '/srv/yunwei');
  assert.deepEqual(c.auth, { lockoutThreshold: 5, lockoutMinutes: 15, twoFactor: 'privileged', passwordMaxAgeDays: 90, vendorAccessGraceDays: 90 });
  assert.equal(c.audit.retentionDays, 200);
  assert.equal(c.audit.anchorMinutes, 10);
  assert.equal(c.audit.anchorKeyFile, '/srv/yunwei/data/keys/audit-anchor-sm2.json');
  assert.equal(c.audit.anchorDir, '/srv/yunwei/data/audit-anchors');
  assert.equal(c.trustProxy, 'loopback');
  assert.equal(loadConfig({ YUNWEI_TRUST_PROXY: 'false' }, '/').trustProxy, false);
  assert.equal(loadConfig({ YUNWEI_TRUST_PROXY: '10.0.0.5,10.0.0.6' }, '/').trustProxy, '10.0.0.5,10.0.0.6');
  assert.equal(loadConfig({ YUNWEI_AUDIT_RETENTION_DAYS: '180' }, '/').audit.retentionDays, 180);

  assert.match(problems({ YUNWEI_AUDIT_RETENTION_DAYS: '179' }).join(), /审计日志保留期不得少于 180 天/);
  assert.match(problems({ YUNWEI_LOCKOUT_THRESHOLD: '2' }).join(), /YUNWEI_LOCKOUT_THRESHOLD: 不得少于 3 次/);
  assert.equal(problems({ YUNWEI_TWO_FACTOR: 'never' }).length, 1);
  assert.match(problems({ YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY: 'abc' }).join(), /64 位十六进制的 SM2 私钥/);
});

test('the anchor key: created 0600 on first use, taken from the environment when given, refused when readable by others or inconsistent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yunwei-key-'));
  try {
    const keyFile = join(dir, 'keys', 'k.json');
    const first = loadOrCreateAnchorKey({ privateKey: undefined, keyFile }, new Date());
    assert.equal(first.created, true);
    const again = loadOrCreateAnchorKey({ privateKey: undefined, keyFile }, new Date());
    assert.deepEqual([again.created, again.publicKey], [false, first.publicKey]);
    const fromEnv = loadOrCreateAnchorKey({ privateKey: first.privateKey, keyFile: join(dir, 'unused.json') }, new Date());
    assert.deepEqual([fromEnv.source, fromEnv.publicKey], ['environment', first.publicKey]);

    chmodSync(keyFile, 0o644);
    assert.throws(() => loadOrCreateAnchorKey({ privateKey: undefined, keyFile }, new Date()), (e: unknown) => e instanceof AnchorKeyError && /权限过宽（644）/.test(e.message));
    const bad = join(dir, 'bad.json');
    mkdirSync(dir, { recursive: true });
    writeFileSync(bad, JSON.stringify({ format: 1, algorithm: 'SM2', privateKey: first.privateKey, publicKey: `04${'1'.repeat(128)}`, createdAt: 'x' }), { mode: 0o600 });
    assert.throws(() => loadOrCreateAnchorKey({ privateKey: undefined, keyFile: bad }, new Date()), /公钥与私钥不匹配/);
    assert.throws(() => loadOrCreateAnchorKey({ privateKey: '0'.repeat(64), keyFile }, new Date()), /超出有效范围/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demo data: administrators and auditors (the platform security auditor too) come with a TOTP secret in demo-credentials.json and sign in with its code', { timeout: 120_000 }, async () => {
  const iso = await isolatedDb();
  const dataDir = mkdtempSync(join(tmpdir(), 'yunwei-demo-'));
  try {
    const creds = await seedDemo(iso.db, dataDir, new Date());
    const withTotp = creds.filter((c) => c.totpSecret).map((c) => c.username);
    assert.ok(withTotp.includes('admin') && withTotp.includes('security-auditor'));
    assert.ok(withTotp.includes('sbk-agency-admin') && withTotp.includes('mz-auditor'));
    assert.ok(!withTotp.includes('sbk-agency-lead') && !withTotp.includes('mz-desk'), 'other roles sign in with their password');
    const again = await seedDemo(iso.db, dataDir, new Date());
    assert.equal(again.find((c) => c.username === 'admin')?.totpSecret, creds.find((c) => c.username === 'admin')?.totpSecret, 'a second start keeps the secret');

    const cli = spawnSync(process.execPath, [CLI, 'demo', 'totp', 'admin'], { env: { ...process.env, YUNWEI_DATA_DIR: dataDir }, encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    const code = /^(\d{6})（/.exec(cli.stdout)?.[1];
    assert.ok(code, cli.stdout);
    const app = await buildSecurityApp(iso.db);
    try {
      const admin = creds.find((c) => c.username === 'admin');
      assert.ok(admin);
      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: admin.password } });
      assert.equal(login.json().stage, 'secondFactor');
      const second = await app.inject({ method: 'POST', url: '/api/auth/login/second-factor', headers: { cookie: cookieOf(login) }, payload: { code } });
      assert.equal(second.statusCode, 200, second.body);
      assert.equal((await app.inject({ url: '/api/audit?limit=5', headers: { cookie: cookieOf(second) } })).statusCode, 403, 'the platform administrator reads no audit row');

      // the platform security auditor (三权分立): reads the whole trail, and the seed's user administration in it
      const auditor = creds.find((c) => c.username === 'security-auditor');
      assert.ok(auditor?.totpSecret);
      const auditorLogin = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'security-auditor', password: auditor.password } });
      assert.equal(auditorLogin.json().stage, 'secondFactor');
      const auditorIn = await app.inject({ method: 'POST', url: '/api/auth/login/second-factor', headers: { cookie: cookieOf(auditorLogin) }, payload: { code: totpCode(auditor.totpSecret, new Date()) } });
      assert.equal(auditorIn.statusCode, 200, auditorIn.body);
      assert.equal(auditorIn.json().isPlatformAuditor, true);
      const trail = await app.inject({ url: '/api/audit?entityType=user&limit=500', headers: { cookie: cookieOf(auditorIn) } });
      assert.equal(trail.statusCode, 200, trail.body);
      assert.ok((trail.json() as { action: string }[]).some((r) => r.action === 'user.created'));
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await iso.drop();
  }
});
