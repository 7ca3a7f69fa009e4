/**
 * The daily limit of bulk exports per user, with an alert to the auditors
 * (security.md check 40, YUNWEI_EXPORT_DAILY_LIMIT).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { closeTestDb, testDb } from '../helpers/db.ts';
import { buildContract, buildUser, reauthAs, signInAs } from '../helpers/factories.ts';
import { testLogger } from '../helpers/test-log.ts';
import { buildApp } from '../../src/http/app.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';

const LIMIT = 3;
let app: FastifyInstance;
before(async () => {
  app = await buildApp({ db: testDb(), config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent', signInPerMinute: 1000, exportDailyLimit: LIMIT }, logger: testLogger() });
});
after(async () => {
  await app.close();
  await closeTestDb();
});

async function notificationsOf(userId: string) {
  return testDb().selectFrom('notifications').select(['kind', 'title', 'body', 'contract_id']).where('user_id', '=', userId).where('kind', '=', 'security.exportLimitExceeded').execute();
}

test('over the daily limit an incident export answers 429 in Chinese, is audited, and alerts the contract’s auditors once a day', async () => {
  const db = testDb();
  const c = await buildContract(db);
  const other = await buildContract(db);
  const lead = await buildUser(db, { contractId: c.id, roles: ['agencyProjectLead'] });
  const colleague = await buildUser(db, { contractId: c.id, roles: ['agencyProjectLead'] });
  const auditors = [await buildUser(db, { contractId: c.id, roles: ['auditor'] }), await buildUser(db, { contractId: c.id, roles: ['auditor'] })];
  const elsewhere = await buildUser(db, { contractId: other.id, roles: ['auditor'] });
  const cookie = await signInAs(app, lead);
  await reauthAs(app, cookie, lead);
  const exportXlsx = (k: string) => app.inject({ url: `/api/contracts/${c.id}/incidents/export.xlsx`, headers: { cookie: k } });

  for (let i = 0; i < LIMIT; i++) assert.equal((await exportXlsx(cookie)).statusCode, 200, `export ${i + 1} of ${LIMIT}`);
  const over = await exportXlsx(cookie);
  assert.equal(over.statusCode, 429);
  assert.equal(over.json().error.code, 'EXPORT_LIMIT_EXCEEDED');
  assert.match(over.json().error.message, /今日导出次数已达上限（每人每天 3 次），本次导出已拒绝，并已通知审计员/);
  assert.equal((await exportXlsx(cookie)).statusCode, 429, 'and again');

  const rows = await db.selectFrom('audit_log').select(['action', 'contract_id', 'after']).where('actor_user_id', '=', lead.id).where('action', 'in', ['incident.exported', 'security.exportLimitExceeded']).orderBy('seq').execute();
  assert.deepEqual(rows.map((r) => r.action), ['incident.exported', 'incident.exported', 'incident.exported', 'security.exportLimitExceeded', 'security.exportLimitExceeded']);
  assert.deepEqual(rows[3]?.after, { export: '故障清单', exportsToday: 3, dailyLimit: 3 });
  assert.equal(rows[3]?.contract_id, c.id);

  for (const a of auditors) {
    const n = await notificationsOf(a.id);
    assert.equal(n.length, 1, 'one notice per auditor per day, however many refusals');
    assert.equal(n[0]?.contract_id, c.id);
    assert.match(n[0]?.body ?? '', new RegExp(`用户「${(await db.selectFrom('users').select('display_name').where('id', '=', lead.id).executeTakeFirstOrThrow()).display_name}」.*请求导出故障清单，今日已导出 3 次，达到每日 3 次的上限`));
  }
  assert.deepEqual(await notificationsOf(elsewhere.id), [], 'auditors of other contracts are not told');
  assert.deepEqual(await notificationsOf(lead.id), []);

  const theirs = await signInAs(app, colleague);
  await reauthAs(app, theirs, colleague);
  assert.equal((await exportXlsx(theirs)).statusCode, 200, 'the limit is per user');
});

test('exports started at the same instant cannot slip past the limit together', async () => {
  const db = testDb();
  const c = await buildContract(db);
  const lead = await buildUser(db, { contractId: c.id, roles: ['agencyProjectLead'] });
  const cookie = await signInAs(app, lead);
  await reauthAs(app, cookie, lead);
  const answers = await Promise.all(Array.from({ length: 6 }, () => app.inject({ url: `/api/contracts/${c.id}/incidents/export.xlsx`, headers: { cookie } })));
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 200, 200, 429, 429, 429]);
  const exported = await db.selectFrom('audit_log').select('id').where('actor_user_id', '=', lead.id).where('action', '=', 'incident.exported').execute();
  assert.equal(exported.length, LIMIT);
});

test('audit-trail exports count against the same limit', async () => {
  const db = testDb();
  const c = await buildContract(db);
  const auditor = await buildUser(db, { contractId: c.id, roles: ['auditor'] });
  const cookie = await signInAs(app, auditor);
  await reauthAs(app, cookie, auditor);
  const exportAudit = () => app.inject({ url: `/api/audit/export.xlsx?contractId=${c.id}`, headers: { cookie } });
  for (let i = 0; i < LIMIT; i++) assert.equal((await exportAudit()).statusCode, 200);
  const over = await exportAudit();
  assert.equal(over.statusCode, 429);
  assert.equal(over.json().error.code, 'EXPORT_LIMIT_EXCEEDED');
  const n = await notificationsOf(auditor.id);
  assert.equal(n.length, 1, 'the contract’s auditor (here the exporter) is told');
  assert.match(n[0]?.body ?? '', /请求导出审计日志/);
});

test('YUNWEI_EXPORT_DAILY_LIMIT is validated at start (at least 1; default 50)', () => {
  assert.equal(loadConfig({}, '/tmp').exportDailyLimit, 50);
  assert.equal(loadConfig({ YUNWEI_EXPORT_DAILY_LIMIT: '200' }, '/tmp').exportDailyLimit, 200);
  assert.throws(() => loadConfig({ YUNWEI_EXPORT_DAILY_LIMIT: '0' }, '/tmp'), (e: unknown) => e instanceof ConfigError && /YUNWEI_EXPORT_DAILY_LIMIT: 不得少于 1 次/.test(e.message));
});
