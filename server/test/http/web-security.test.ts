import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildUser, signInAs } from '../helpers/factories.ts';
import { buildApp } from '../../src/http/app.ts';
import { testLogger } from '../helpers/test-log.ts';

const app = useTestApp();

test('responses carry security headers and a strict content security policy', async () => {
  const res = await app.inject({ url: '/api/health' });
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.ok(res.headers['strict-transport-security']);
});

test('a state-changing request from another origin is refused (CSRF); the same origin passes', async () => {
  const user = await buildUser(testDb());
  const cookie = await signInAs(app, user);
  const evil = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, origin: 'https://evil.example', host: 'yunwei.gov.example' } });
  assert.equal(evil.statusCode, 403);
  assert.match(evil.json().error.message, /跨站请求已被拒绝/);
  const me = await app.inject({ url: '/api/auth/me', headers: { cookie } });
  assert.equal(me.statusCode, 200, 'the session survived the forged request');
  const same = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, origin: 'http://yunwei.gov.example', host: 'yunwei.gov.example' } });
  assert.equal(same.statusCode, 200);
});

test('sign-in attempts are rate limited per address and username', async () => {
  const strict = await buildApp({ db: testDb(), config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent' }, logger: testLogger() });
  try {
    const user = await buildUser(testDb());
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await strict.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: 'wrong-password' } });
      codes.push(r.statusCode);
      if (r.statusCode === 429) {
        assert.equal(r.json().error.code, 'RATE_LIMITED');
        assert.match(r.json().error.message, /请求过于频繁/);
      }
    }
    assert.equal(codes[10], 429);
    assert.ok(codes.slice(0, 10).every((c) => c !== 429));
    // another user from the same address is not blocked
    const other = await buildUser(testDb());
    const ok = await strict.inject({ method: 'POST', url: '/api/auth/login', payload: { username: other.username, password: other.password } });
    assert.equal(ok.statusCode, 200);
  } finally {
    await strict.close();
  }
});
