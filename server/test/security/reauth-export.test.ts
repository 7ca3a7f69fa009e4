/**
 * Re-authentication before sensitive actions (ASVS 3.7.1, 4.3.3) and the
 * auditor's export (等保 安全管理中心 审计管理).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, nextSecondFactorCode, reauthAs, signInAs } from '../helpers/factories.ts';
import { requireRecentAuth } from '../../src/auth/reauth.ts';
import { AppError } from '../../src/errors.ts';
import { useTestApp } from '../helpers/app.ts';
import { buildSecurityApp } from './security-app.ts';

const app = useTestApp(buildSecurityApp);

test('the incident export answers REAUTH_REQUIRED until the user confirms the password; a wrong password is refused and audited', async () => {
  const c = await buildContract(testDb());
  const lead = await buildUser(testDb(), { contractId: c.id, roles: ['agencyProjectLead'] });
  const cookie = await signInAs(app, lead);
  const exportXlsx = () => app.inject({ url: `/api/contracts/${c.id}/incidents/export.xlsx`, headers: { cookie } });
  const first = await exportXlsx();
  assert.equal(first.statusCode, 403);
  assert.equal(first.json().error.code, 'REAUTH_REQUIRED');
  assert.match(first.json().error.message, /需要再次验证身份/);

  const wrong = await app.inject({ method: 'POST', url: '/api/auth/reauth', headers: { cookie }, payload: { password: 'Not-my-password-1' } });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json().error.message, '密码不正确');
  assert.equal((await exportXlsx()).statusCode, 403);

  const ok = await app.inject({ method: 'POST', url: '/api/auth/reauth', headers: { cookie }, payload: { password: lead.password } });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().validMinutes, 5);
  const second = await exportXlsx();
  assert.equal(second.statusCode, 200);
  assert.match(String(second.headers['content-type']), /spreadsheetml/);
  const rows = await testDb().selectFrom('audit_log').select('action').where('entity_id', '=', lead.id).where('action', 'like', 'auth.reauth%').orderBy('seq').execute();
  assert.deepEqual(rows.map((r) => r.action), ['auth.reauthFailed', 'auth.reauthenticated']);
});

test('a re-authentication is per session and lasts five minutes', async () => {
  const now = new Date();
  const session = (reauthenticatedAt: Date | null) => ({
    authSession: {
      user: { id: 'u', username: 'u', displayName: 'u', organisationId: null, organisationName: null, isPlatformAdmin: false, sessionId: 's', lastSignInAt: null, lastSignInIp: null },
      stage: 'complete' as const,
      reauthenticatedAt,
    },
  });
  const refused = (e: unknown) => e instanceof AppError && e.code === 'REAUTH_REQUIRED';
  assert.throws(() => requireRecentAuth(session(null), 5, now), refused);
  assert.doesNotThrow(() => requireRecentAuth(session(new Date(now.getTime() - 4 * 60_000)), 5, now));
  assert.throws(() => requireRecentAuth(session(new Date(now.getTime() - 6 * 60_000)), 5, now), refused);
  assert.doesNotThrow(() => requireRecentAuth(session(new Date(now.getTime() - 9 * 60_000)), 10, now));
  assert.throws(() => requireRecentAuth({ authSession: null }, 5, now), (e: unknown) => e instanceof AppError && e.code === 'UNAUTHENTICATED');

  const c = await buildContract(testDb());
  const lead = await buildUser(testDb(), { contractId: c.id, roles: ['agencyProjectLead'] });
  const one = await signInAs(app, lead);
  const two = await signInAs(app, lead);
  await reauthAs(app, one, lead);
  assert.equal((await app.inject({ url: `/api/contracts/${c.id}/incidents/export.xlsx`, headers: { cookie: one } })).statusCode, 200);
  assert.equal((await app.inject({ url: `/api/contracts/${c.id}/incidents/export.xlsx`, headers: { cookie: two } })).statusCode, 403, 'the other session still has to confirm');
});

test('an auditor exports the filtered audit trail to Excel after confirming password and TOTP; the export is itself audited', async () => {
  const c = await buildContract(testDb());
  const auditor = await buildUser(testDb(), { contractId: c.id, roles: ['auditor'] });
  await buildUser(testDb(), { contractId: c.id, roles: ['agencyProjectLead'] });
  const cookie = await signInAs(app, auditor);
  const url = `/api/audit/export.xlsx?contractId=${c.id}&entityType=membership`;
  assert.equal((await app.inject({ url, headers: { cookie } })).json().error.code, 'REAUTH_REQUIRED');

  const passwordOnly = await app.inject({ method: 'POST', url: '/api/auth/reauth', headers: { cookie }, payload: { password: auditor.password } });
  assert.equal(passwordOnly.statusCode, 401);
  assert.equal(passwordOnly.json().error.code, 'SECOND_FACTOR_INVALID');
  assert.match(passwordOnly.json().error.message, /6 位动态验证码/);
  const withCode = await app.inject({ method: 'POST', url: '/api/auth/reauth', headers: { cookie }, payload: { password: auditor.password, code: await nextSecondFactorCode(app, auditor) } });
  assert.equal(withCode.statusCode, 200);

  const res = await app.inject({ url, headers: { cookie } });
  assert.equal(res.statusCode, 200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.read(Readable.from([res.rawPayload]));
  const ws = wb.getWorksheet('审计日志');
  assert.ok(ws);
  assert.equal(ws.getRow(1).getCell(1).value, '序号');
  assert.equal(ws.getRow(1).getCell(5).value, '动作');
  const actions: string[] = [];
  ws.eachRow((row, n) => {
    if (n > 1) actions.push(String(row.getCell(6).value));
  });
  assert.deepEqual(actions, ['membership.granted', 'membership.granted'], 'the two grants of this contract, nothing else');
  assert.equal(ws.getRow(2).getCell(5).value, '授予角色');

  const audit = await testDb().selectFrom('audit_log').select(['after', 'actor_user_id']).where('action', '=', 'audit.exported').where('contract_id', '=', c.id).executeTakeFirstOrThrow();
  assert.equal(audit.actor_user_id, auditor.id);
  assert.deepEqual(audit.after, { rows: 2, truncated: false, filter: { contractId: c.id, action: null, entityType: 'membership', actor: null, from: null, to: null } });
});

test('the audit export is for auditors and agency administrators of the contract only', async () => {
  const c = await buildContract(testDb());
  const lead = await buildUser(testDb(), { contractId: c.id, roles: ['agencyProjectLead'] });
  const cookie = await signInAs(app, lead);
  await reauthAs(app, cookie, lead);
  const r = await app.inject({ url: `/api/audit/export.xlsx?contractId=${c.id}`, headers: { cookie } });
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'FORBIDDEN');
  const other = await buildContract(testDb());
  assert.equal((await app.inject({ url: `/api/audit/export.xlsx?contractId=${other.id}`, headers: { cookie } })).statusCode, 404);
  assert.equal((await app.inject({ url: '/api/audit/export.xlsx', headers: { cookie } })).statusCode, 403, 'all contracts: platform auditors only');
});
