/**
 * Password storage (security.md check 14): PBKDF2-HMAC-SM3 stored as
 * `pbkdf2-sm3$<iterations>$<salt hex>$<hash hex>`, checked against an
 * independent PBKDF2 built from sm-crypto-v2's HMAC-SM3; a fresh salt per
 * hash; `timingSafeEqual` for the comparison; legacy argon2id hashes keep
 * working and are replaced at the next successful sign-in; the password
 * history accepts both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sm3 } from 'sm-crypto-v2';
import { hash as argon2Hash } from '@node-rs/argon2';
import { testDb } from '../helpers/db.ts';
import { buildUser, signInAs, TEST_PASSWORD, uniq } from '../helpers/factories.ts';
import { hashPassword, needsRehash, PBKDF2_ITERATIONS, verifyPassword } from '../../src/auth/password.ts';
import { createUser } from '../../src/orgs/user.service.ts';
import { useTestApp } from '../helpers/app.ts';
import { buildSecurityApp } from './security-app.ts';

const app = useTestApp(buildSecurityApp);

const STORED = /^pbkdf2-sm3\$(\d+)\$([0-9a-f]{32})\$([0-9a-f]{64})$/;

/** PBKDF2 (RFC 8018) with one 32-byte block, over an HMAC given as a function. */
function referencePbkdf2(hmac: (key: Buffer, data: Buffer) => Buffer, password: string, salt: Buffer, iterations: number): Buffer {
  const key = Buffer.from(password, 'utf8');
  let u = hmac(key, Buffer.concat([salt, Buffer.from([0, 0, 0, 1])]));
  const out = Buffer.from(u);
  for (let i = 1; i < iterations; i++) {
    u = hmac(key, u);
    for (let j = 0; j < out.length; j++) out[j] = (out[j] ?? 0) ^ (u[j] ?? 0);
  }
  return out;
}
/** HMAC-SM3 from sm-crypto-v2 (a pure-JS SM3, independent of OpenSSL). */
const smCryptoHmac = (key: Buffer, data: Buffer): Buffer => Buffer.from(sm3(new Uint8Array(data), { key: new Uint8Array(key), mode: 'hmac' }), 'hex');
/** HMAC-SM3 from Node's createHmac (OpenSSL's SM3, but not its PBKDF2). */
const nodeHmac = (key: Buffer, data: Buffer): Buffer => createHmac('sm3', key).update(data).digest();

test('Node’s PBKDF2 with the sm3 digest equals PBKDF2 over sm-crypto-v2’s HMAC-SM3 and the published vector', () => {
  assert.equal(smCryptoHmac(Buffer.from('key'), Buffer.from('abc')).toString('hex'), '28e63256e7c5a087b1f073265dc53092163f7b82729735d06f28f10af9d52393', 'HMAC-SM3 vector of the security notes (pgcrypto agrees)');
  assert.equal(pbkdf2Sync('pw', 'salt', 1000, 32, 'sm3').toString('hex'), '85db78622d102e400a920aeecd0244322603f350f5be55cf6e4c3704bd8f7b9c');
  for (const [password, iterations] of [['pw', 1000], [TEST_PASSWORD, 2000], ['政务运维-口令-Xk9', 1500]] as const) {
    const salt = Buffer.from(`${uniq()}${uniq()}`, 'hex');
    assert.deepEqual(pbkdf2Sync(password, salt, iterations, 32, 'sm3'), referencePbkdf2(smCryptoHmac, password, salt, iterations), `${password} × ${iterations}`);
  }
});

test('a stored hash is pbkdf2-sm3$<iterations ≥ 100000>$<16-byte salt>$<32-byte hash> and recomputes independently', async () => {
  const stored = await hashPassword(TEST_PASSWORD);
  const m = STORED.exec(stored);
  assert.ok(m, stored);
  const iterations = Number(m[1]);
  assert.equal(iterations, PBKDF2_ITERATIONS);
  assert.ok(iterations >= 100_000);
  const salt = Buffer.from(m[2] ?? '', 'hex');
  assert.equal(salt.length, 16);
  assert.equal(Buffer.from(m[3] ?? '', 'hex').length, 32);
  assert.equal(referencePbkdf2(nodeHmac, TEST_PASSWORD, salt, iterations).toString('hex'), m[3], 'the hash is PBKDF2-HMAC-SM3 of the password with that salt and count');
  assert.equal(await verifyPassword(stored, TEST_PASSWORD), true);
  assert.equal(await verifyPassword(stored, `${TEST_PASSWORD}x`), false);
  assert.equal(needsRehash(stored), false);
});

test('verification refuses malformed hashes and counts below 100,000 (an edited row cannot weaken it)', async () => {
  const salt = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const weak = `pbkdf2-sm3$1000$${salt.toString('hex')}$${pbkdf2Sync(TEST_PASSWORD, salt, 1000, 32, 'sm3').toString('hex')}`;
  assert.equal(await verifyPassword(weak, TEST_PASSWORD), false);
  const good = await hashPassword(TEST_PASSWORD);
  for (const bad of ['', 'plain', good.toUpperCase(), good.slice(0, -2), `${good}00`, good.replace('pbkdf2-sm3', 'pbkdf2-sha256'), good.replace(/\$[0-9a-f]{32}\$/, '$$$$')]) {
    assert.equal(await verifyPassword(bad, TEST_PASSWORD), false, bad);
  }
});

test('the comparison uses crypto.timingSafeEqual (source guard)', () => {
  const src = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'auth', 'password.ts'), 'utf8');
  assert.match(src, /import \{[^}]*\btimingSafeEqual\b[^}]*\} from 'node:crypto'/);
  assert.match(src, /return timingSafeEqual\(derived, expected\);/);
  assert.doesNotMatch(src, /derived\.(equals|compare)\(|===\s*expected|expected\s*===|toString\('hex'\)\s*===/, 'no early-exit comparison of hashes');
});

test('two users with the same password get different salts and hashes', async () => {
  const db = testDb();
  const ids = [];
  for (let i = 0; i < 2; i++) {
    ids.push((await createUser(db, null, { username: `same-${uniq()}`, displayName: '同密码用户', password: TEST_PASSWORD, mustChangePassword: false }, new Date())).id);
  }
  const rows = await db.selectFrom('users').select('password_hash').where('id', 'in', ids).execute();
  const [a, b] = rows.map((r) => STORED.exec(r.password_hash));
  assert.ok(a && b);
  assert.notEqual(a[2], b[2], 'salts differ');
  assert.notEqual(a[3], b[3], 'hashes differ');
});

test('a legacy argon2id hash still signs in and is replaced by pbkdf2-sm3 at that sign-in; a wrong password leaves it', async () => {
  const db = testDb();
  const user = await buildUser(db);
  const legacy = await argon2Hash(TEST_PASSWORD);
  assert.match(legacy, /^\$argon2id\$/);
  assert.equal(needsRehash(legacy), true);
  await db.updateTable('users').set({ password_hash: legacy }).where('id', '=', user.id).execute();
  const stored = async () => (await db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()).password_hash;

  const wrong = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: 'Wrong-Passw0rd-2026' } });
  assert.equal(wrong.statusCode, 401);
  assert.equal(await stored(), legacy, 'a failed sign-in changes nothing');

  await signInAs(app, user);
  const upgraded = await stored();
  assert.match(upgraded, STORED);
  assert.equal(await verifyPassword(upgraded, TEST_PASSWORD), true);
  await signInAs(app, user);
  assert.equal(await stored(), upgraded, 'a current hash is not replaced again');
});

test('password history: a previous password kept as an argon2id hash is still refused', async () => {
  const db = testDb();
  const user = await buildUser(db);
  const cookie = await signInAs(app, user);
  const old = 'Legacy-Pass-6619';
  await db.insertInto('user_password_history').values({ user_id: user.id, password_hash: await argon2Hash(old), replaced_at: new Date(Date.now() - 86_400_000) }).execute();
  const change = (currentPassword: string, newPassword: string) => app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword, newPassword } });
  const refused = await change(TEST_PASSWORD, old);
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json().error.message, '新密码不能与最近使用过的 5 个密码相同');
  const ok = await change(TEST_PASSWORD, 'Brand-New-Pass-3307');
  assert.equal(ok.statusCode, 200, ok.body);
  const rows = await db.selectFrom('user_password_history').select('password_hash').where('user_id', '=', user.id).orderBy('replaced_at', 'desc').execute();
  assert.match(rows[0]?.password_hash ?? '', STORED, 'the replaced current hash (pbkdf2-sm3) went into the history');
});
