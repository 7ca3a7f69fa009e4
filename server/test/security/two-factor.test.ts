/**
 * Two-factor sign-in with TOTP (等保 身份鉴别 d; ASVS 2.8; security check 11).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, nextSecondFactorCode, reauthAs, rememberSecondFactor, secondFactorOf, signInAs } from '../helpers/factories.ts';
import { totpCode, totpCodeAt, totpStep } from '../../src/auth/totp.ts';
import { useTestApp } from '../helpers/app.ts';
import { buildSecurityApp, cookieOf } from './security-app.ts';

const app = useTestApp(buildSecurityApp);

const login = (user: { username: string; password: string }, target: FastifyInstance = app) =>
  target.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: user.password } });
const secondFactor = (cookie: string, code: string) => app.inject({ method: 'POST', url: '/api/auth/login/second-factor', headers: { cookie }, payload: { code } });
const me = (cookie: string) => app.inject({ url: '/api/auth/me', headers: { cookie } });

async function actions(userId: string, like = 'auth.%'): Promise<string[]> {
  const rows = await testDb().selectFrom('audit_log').select('action').where('entity_id', '=', userId).where('action', 'like', like).orderBy('seq').execute();
  return rows.map((r) => r.action);
}

/** A six-digit code that is not the right one now nor in the window around it. */
function wrongCode(secret: string): string {
  const taken = new Set([-1, 0, 1].map((d) => totpCodeAt(secret, totpStep(new Date()) + d)));
  for (let n = 0; ; n++) {
    const c = String(n).padStart(6, '0');
    if (!taken.has(c)) return c;
  }
}

test('a platform administrator gets nothing with the password alone: the partial session only opens the enrolment, which signs in', async () => {
  const admin = await buildUser(testDb(), { platformAdmin: true });
  const res = await login(admin);
  assert.equal(res.statusCode, 200);
  assert.deepEqual(Object.keys(res.json()).sort(), ['displayName', 'stage', 'username']);
  assert.equal(res.json().stage, 'enrolment');
  const partial = cookieOf(res);
  for (const url of ['/api/auth/me', '/api/contracts', '/api/users']) {
    const r = await app.inject({ url, headers: { cookie: partial } });
    assert.equal(r.statusCode, 401, url);
    assert.equal(r.json().error.code, 'SECOND_FACTOR_REQUIRED', url);
  }
  const enrol = await app.inject({ method: 'POST', url: '/api/auth/two-factor/enrol', headers: { cookie: partial } });
  assert.equal(enrol.statusCode, 200);
  const { secret, otpauthUri } = enrol.json() as { secret: string; otpauthUri: string };
  assert.match(otpauthUri, new RegExp(`^otpauth://totp/.*${admin.username}\\?.*secret=${secret}`));
  const stored = await testDb().selectFrom('user_totp').select(['secret', 'pending_secret']).where('user_id', '=', admin.id).executeTakeFirstOrThrow();
  assert.equal(stored.secret, null, 'not active before a code is confirmed');
  assert.match(stored.pending_secret ?? '', /^sm4c1\./, 'the secret is stored as an SM4 envelope');
  assert.ok(!(stored.pending_secret ?? '').includes(secret), 'never in plain text');

  const bad = await app.inject({ method: 'POST', url: '/api/auth/two-factor/confirm', headers: { cookie: partial }, payload: { code: wrongCode(secret) } });
  assert.equal(bad.statusCode, 401);
  assert.equal(bad.json().error.code, 'SECOND_FACTOR_INVALID');
  const ok = await app.inject({ method: 'POST', url: '/api/auth/two-factor/confirm', headers: { cookie: partial }, payload: { code: totpCode(secret, new Date()) } });
  assert.equal(ok.statusCode, 200);
  const body = ok.json() as { recoveryCodes: string[]; signIn: { stage: string; twoFactorEnabled: boolean; twoFactorRequired: boolean } };
  assert.equal(body.recoveryCodes.length, 10);
  assert.ok(body.recoveryCodes.every((c) => /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/.test(c)));
  assert.equal(body.signIn.stage, 'complete');
  assert.equal(body.signIn.twoFactorEnabled, true);
  assert.equal(body.signIn.twoFactorRequired, true);
  const full = cookieOf(ok);
  assert.notEqual(full, partial, 'a new session token once signed in');
  assert.equal((await me(full)).statusCode, 200);
  assert.equal((await me(partial)).json().error.code, 'UNAUTHENTICATED', 'the partial session is gone');
  const codes = await testDb().selectFrom('user_recovery_codes').select('code_hash').where('user_id', '=', admin.id).execute();
  assert.equal(codes.length, 10);
  assert.ok(codes.every((c) => !body.recoveryCodes.some((rc) => c.code_hash.includes(rc.replaceAll('-', '')))), 'only digests are stored');
  assert.deepEqual(await actions(admin.id), ['auth.twoFactorEnrolled', 'auth.signIn']);
  const signInRow = await testDb().selectFrom('audit_log').select('after').where('entity_id', '=', admin.id).where('action', '=', 'auth.signIn').executeTakeFirstOrThrow();
  assert.equal((signInRow.after as { method: string }).method, 'password+totpEnrolment');
});

test('with TOTP enrolled the code is required: a wrong one is refused and counted, the right one works once, a replay is refused, audited and notified', async () => {
  const admin = await buildUser(testDb(), { platformAdmin: true });
  await signInAs(app, admin); // enrols
  const f = secondFactorOf(admin.username);
  assert.ok(f);
  const res = await login(admin);
  assert.equal(res.json().stage, 'secondFactor');
  const partial = cookieOf(res);
  assert.equal((await app.inject({ url: '/api/contracts', headers: { cookie: partial } })).json().error.code, 'SECOND_FACTOR_REQUIRED');
  const wrong = await secondFactor(partial, wrongCode(f.secret));
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json().error.code, 'SECOND_FACTOR_INVALID');
  assert.equal((await testDb().selectFrom('users').select('failed_attempts').where('id', '=', admin.id).executeTakeFirstOrThrow()).failed_attempts, 1, 'counts towards the lockout');

  const code = await nextSecondFactorCode(app, admin);
  const right = await secondFactor(partial, code);
  assert.equal(right.statusCode, 200);
  assert.equal(right.json().stage, 'complete');
  assert.equal((await me(cookieOf(right))).statusCode, 200);

  const again = cookieOf(await login(admin));
  const replay = await secondFactor(again, code);
  assert.equal(replay.statusCode, 401);
  assert.equal(replay.json().error.message, '该动态验证码已经使用过，请等待验证器显示新的验证码后再输入');
  assert.deepEqual((await actions(admin.id)).slice(-3), ['auth.secondFactorFailed', 'auth.signIn', 'auth.secondFactorReplayed']);
  const note = await testDb().selectFrom('notifications').select(['kind', 'title']).where('user_id', '=', admin.id).executeTakeFirstOrThrow();
  assert.equal(note.kind, 'security.totpReplayed');
  assert.match(note.title, /动态验证码被重复使用/);
});

test('five wrong second factors lock the account like five wrong passwords', async () => {
  const admin = await buildUser(testDb(), { platformAdmin: true });
  await signInAs(app, admin);
  const f = secondFactorOf(admin.username);
  assert.ok(f);
  const partial = cookieOf(await login(admin));
  for (let i = 0; i < 4; i++) assert.equal((await secondFactor(partial, wrongCode(f.secret))).json().error.code, 'SECOND_FACTOR_INVALID');
  const fifth = await secondFactor(partial, wrongCode(f.secret));
  assert.equal(fifth.json().error.code, 'ACCOUNT_LOCKED');
  // who already gave the right password may be told of the lock; the password step answers like a wrong password (no enumeration)
  assert.equal((await login(admin)).json().error.code, 'INVALID_CREDENTIALS', 'the password step is refused too');
});

test('each recovery code works exactly once', async () => {
  const admin = await buildUser(testDb(), { platformAdmin: true });
  await signInAs(app, admin);
  const f = secondFactorOf(admin.username);
  assert.ok(f);
  const [first, second] = f.recoveryCodes;
  assert.ok(first && second);
  const used = await secondFactor(cookieOf(await login(admin)), first.toUpperCase().replaceAll('-', ' '));
  assert.equal(used.statusCode, 200, 'case, spaces and dashes do not matter');
  const row = await testDb().selectFrom('audit_log').select('after').where('entity_id', '=', admin.id).where('action', '=', 'auth.signIn').orderBy('seq', 'desc').executeTakeFirstOrThrow();
  const after = row.after;
  assert.ok(after && typeof after === 'object' && 'method' in after && 'recoveryCodesLeft' in after);
  assert.equal(after.method, 'password+recoveryCode');
  assert.equal(after.recoveryCodesLeft, 9);
  const reused = await secondFactor(cookieOf(await login(admin)), first);
  assert.equal(reused.statusCode, 401);
  assert.equal(reused.json().error.code, 'SECOND_FACTOR_INVALID');
  assert.equal((await secondFactor(cookieOf(await login(admin)), second)).statusCode, 200);
});

test('agency administrators and auditors must enrol, other roles may; a required second factor cannot be switched off, an optional one can (after re-authentication)', async () => {
  const c = await buildContract(testDb());
  const agencyAdmin = await buildUser(testDb(), { contractId: c.id, roles: ['agencyAdmin'] });
  const auditor = await buildUser(testDb(), { contractId: c.id, roles: ['auditor'] });
  const lead = await buildUser(testDb(), { contractId: c.id, roles: ['agencyProjectLead'] });
  assert.equal((await login(agencyAdmin)).json().stage, 'enrolment');
  assert.equal((await login(auditor)).json().stage, 'enrolment');
  const leadLogin = await login(lead);
  assert.equal(leadLogin.json().stage, 'complete');
  assert.equal(leadLogin.json().twoFactorRequired, false);

  // the lead enrols voluntarily from the account page
  const cookie = cookieOf(leadLogin);
  const { secret } = (await app.inject({ method: 'POST', url: '/api/auth/two-factor/enrol', headers: { cookie } })).json() as { secret: string };
  const confirm = await app.inject({ method: 'POST', url: '/api/auth/two-factor/confirm', headers: { cookie }, payload: { code: totpCode(secret, new Date()) } });
  assert.equal(confirm.statusCode, 200);
  assert.equal(confirm.json().signIn, null, 'already signed in');
  rememberSecondFactor(lead.username, secret, confirm.json().recoveryCodes);
  const status = await app.inject({ url: '/api/auth/two-factor', headers: { cookie } });
  const st = status.json() as { enabled: boolean; required: boolean; enabledAt: string | null; recoveryCodesLeft: number };
  assert.deepEqual({ ...st, enabledAt: st.enabledAt !== null }, { enabled: true, required: false, enabledAt: true, recoveryCodesLeft: 10 });

  const disable = () => app.inject({ method: 'POST', url: '/api/auth/two-factor/disable', headers: { cookie } });
  assert.equal((await disable()).json().error.code, 'REAUTH_REQUIRED');
  await reauthAs(app, cookie, lead);
  assert.equal((await disable()).statusCode, 200);
  assert.equal((await login(lead)).json().stage, 'complete');
  assert.deepEqual((await actions(lead.id, 'auth.twoFactor%')), ['auth.twoFactorEnrolled', 'auth.twoFactorDisabled']);

  const adminCookie = await signInAs(app, agencyAdmin);
  await reauthAs(app, adminCookie, agencyAdmin);
  const refused = await app.inject({ method: 'POST', url: '/api/auth/two-factor/disable', headers: { cookie: adminCookie } });
  assert.equal(refused.statusCode, 409);
  assert.equal(refused.json().error.code, 'TWO_FACTOR_MANDATORY');
});

test('the policy is a setting: "all" makes everyone enrol, "optional" nobody', async () => {
  const everyone = await buildSecurityApp(testDb(), { auth: { twoFactor: 'all' } });
  const nobody = await buildSecurityApp(testDb(), { auth: { twoFactor: 'optional' } });
  try {
    const plain = await buildUser(testDb());
    const admin = await buildUser(testDb(), { platformAdmin: true });
    assert.equal((await login(plain, everyone)).json().stage, 'enrolment');
    assert.equal((await login(admin, nobody)).json().stage, 'complete');
  } finally {
    await everyone.close();
    await nobody.close();
  }
});

test('an administrator resets a lost second factor (after re-authenticating); the user’s sessions end and the next sign-in enrols again; audited', async () => {
  const c = await buildContract(testDb());
  const admin = await buildUser(testDb(), { platformAdmin: true });
  const auditor = await buildUser(testDb(), { contractId: c.id, roles: ['auditor'] });
  const adminCookie = await signInAs(app, admin);
  const auditorCookie = await signInAs(app, auditor);
  const reset = () => app.inject({ method: 'POST', url: `/api/users/${auditor.id}/two-factor/reset`, headers: { cookie: adminCookie }, payload: { reason: '手机丢失，已核实身份' } });
  assert.equal((await reset()).json().error.code, 'REAUTH_REQUIRED');
  await reauthAs(app, adminCookie, admin);
  const r = await reset();
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().sessionsEnded, 1);
  assert.equal((await me(auditorCookie)).statusCode, 401);
  assert.equal((await login(auditor)).json().stage, 'enrolment');
  const row = await testDb().selectFrom('audit_log').select(['actor_user_id', 'after']).where('entity_id', '=', auditor.id).where('action', '=', 'auth.twoFactorReset').executeTakeFirstOrThrow();
  assert.equal(row.actor_user_id, admin.id);
  assert.deepEqual(row.after, { username: auditor.username, hadTwoFactor: true, sessionsEnded: 1, reason: '手机丢失，已核实身份' });
  const self = await app.inject({ method: 'POST', url: `/api/users/${admin.id}/two-factor/reset`, headers: { cookie: adminCookie }, payload: {} });
  assert.equal(self.statusCode, 403, 'not one’s own');
});
