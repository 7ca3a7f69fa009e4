/**
 * Check 15, the session cookie: over HTTPS (YUNWEI_COOKIE_SECURE=true) it is
 * `__Host-yunwei_session` (Secure, Path=/, no Domain, so no subdomain or
 * plain-HTTP page can plant or overwrite it); over plain HTTP (development,
 * tests) it keeps the name `yunwei_session` without Secure. Both are
 * httpOnly and SameSite=Strict.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeTestDb, testDb } from '../helpers/db.ts';
import { buildUser } from '../helpers/factories.ts';
import { buildApp } from '../../src/http/app.ts';

after(async () => {
  await closeTestDb();
});

const setCookieOf = (res: { headers: Record<string, unknown> }): string => {
  const raw = res.headers['set-cookie'];
  return String(Array.isArray(raw) ? raw[0] : raw);
};

test('behind TLS the session cookie carries the __Host- prefix; only that name signs in; sign-out clears it', async () => {
  const app = await buildApp({ db: testDb(), config: { cookieSecure: true, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent', signInPerMinute: 1000 } });
  try {
    const user = await buildUser(testDb());
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: user.password } });
    assert.equal(res.statusCode, 200, res.body);
    const header = setCookieOf(res);
    assert.match(header, /^__Host-yunwei_session=[^;]+;/);
    const attrs = header.split(';').map((a) => a.trim().toLowerCase());
    assert.ok(attrs.includes('secure') && attrs.includes('path=/') && attrs.includes('httponly') && attrs.includes('samesite=strict'), header);
    assert.ok(!attrs.some((a) => a.startsWith('domain=')), 'a __Host- cookie has no Domain');
    const token = /^__Host-yunwei_session=([^;]+);/.exec(header)?.[1] ?? '';
    assert.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: `__Host-yunwei_session=${token}` } })).statusCode, 200);
    assert.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: `yunwei_session=${token}` } })).statusCode, 401, 'the unprefixed name is not read behind TLS');
    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: `__Host-yunwei_session=${token}` } });
    assert.match(setCookieOf(out), /^__Host-yunwei_session=;.*Secure/i);
  } finally {
    await app.close();
  }
});

test('over plain HTTP the cookie keeps its name and is not Secure', async () => {
  const app = await buildApp({ db: testDb(), config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent', signInPerMinute: 1000 } });
  try {
    const user = await buildUser(testDb());
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: user.password } });
    const header = setCookieOf(res);
    assert.match(header, /^yunwei_session=[^;]+;/);
    assert.ok(!/;\s*secure/i.test(header), header);
  } finally {
    await app.close();
  }
});
