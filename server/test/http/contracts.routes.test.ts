import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, contractYaml, signInAs, type Plain } from '../helpers/factories.ts';

const app = useTestApp();

test('health answers without signing in', async () => {
  const res = await app.inject({ url: '/api/health' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().database, 'ok');
});

test('the OpenAPI document lists the contract routes', async () => {
  const res = await app.inject({ url: '/api/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as { paths: Record<string, unknown> };
  for (const p of ['/api/contracts', '/api/contracts/{contractId}', '/api/contracts/import', '/api/auth/login', '/api/audit']) {
    assert.ok(doc.paths[p], `missing ${p}`);
  }
});

test('contract routes require a session', async () => {
  const res = await app.inject({ url: '/api/contracts' });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().error.code, 'UNAUTHENTICATED');
});

test('a user of one contract gets 404 for another contract, and sees only their own in the list', async () => {
  const db = testDb();
  const mine = await buildContract(db);
  const theirs = await buildContract(db);
  const user = await buildUser(db, { contractId: mine.id, roles: ['vendorProjectManager'] });
  const cookie = await signInAs(app, user);

  const ok = await app.inject({ url: `/api/contracts/${mine.id}`, headers: { cookie } });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().code, mine.code);

  const denied = await app.inject({ url: `/api/contracts/${theirs.id}`, headers: { cookie } });
  assert.equal(denied.statusCode, 404);
  assert.equal(denied.json().error.code, 'CONTRACT_NOT_FOUND');
  assert.match(denied.json().error.message, /合同不存在/);

  const members = await app.inject({ url: `/api/contracts/${theirs.id}/members`, headers: { cookie } });
  assert.equal(members.statusCode, 404);

  const audit = await app.inject({ url: `/api/audit?contractId=${theirs.id}`, headers: { cookie } });
  assert.equal(audit.statusCode, 404);

  const list = await app.inject({ url: '/api/contracts', headers: { cookie } });
  const codes = (list.json() as { code: string }[]).map((c) => c.code);
  assert.deepEqual(codes, [mine.code]);
  const summary = list.json()[0];
  assert.equal(summary.systemCount, 2);
  assert.match(summary.agency[0], /^某市测试局/);
  assert.match(summary.vendors[0], /^测试科技有限公司/);
  assert.equal(summary.leadVendor, null);

  const garbage = await app.inject({ url: '/api/contracts/not-a-uuid', headers: { cookie } });
  assert.equal(garbage.statusCode, 404);
});

test('contract detail carries totals, price items in fen, parties and roles', async () => {
  const db = testDb();
  const c = await buildContract(db);
  const user = await buildUser(db, { contractId: c.id, roles: ['agencyProjectLead'] });
  const cookie = await signInAs(app, user);
  const res = await app.inject({ url: `/api/contracts/${c.id}`, headers: { cookie } });
  assert.equal(res.statusCode, 200);
  const d = res.json();
  assert.equal(d.totalAmountFen, 10_000_000);
  assert.deepEqual(
    d.priceItems.map((p: { key: string; amountFen: number }) => [p.key, p.amountFen]),
    [
      ['I1', 6_000_000],
      ['I2', 4_000_000],
    ],
  );
  assert.deepEqual(d.myRoles, ['agencyProjectLead']);
  assert.equal(d.parties.length, 2);
  assert.equal(d.definition.severityLevels[0].targets[1].within.unit, 'workingHours');
});

test('import through the API: bad definition → 400 with issues and nothing written; good → 201', async () => {
  const db = testDb();
  const admin = await buildUser(db, { platformAdmin: true });
  const cookie = await signInAs(app, admin);
  const bad = contractYaml((d) => {
    (d['penalties'] as Plain[])[0] = { ...(d['penalties'] as Plain[])[0], systems: ['NOPE'] };
  });
  const code = /code:\s*(\S+)/.exec(bad)?.[1] ?? '';
  const r1 = await app.inject({ method: 'POST', url: '/api/contracts/import', headers: { cookie }, payload: { yaml: bad } });
  assert.equal(r1.statusCode, 400);
  assert.equal(r1.json().error.code, 'CONTRACT_DEFINITION_INVALID');
  const issue = r1.json().error.details.issues[0];
  assert.equal(issue.path, 'penalties[0].systems[0]');
  assert.equal(issue.message, '引用了不存在的系统「NOPE」');
  assert.equal(typeof issue.line, 'number');
  assert.equal(await db.selectFrom('contracts').select('id').where('code', '=', code).executeTakeFirst(), undefined);

  const validate = await app.inject({ method: 'POST', url: '/api/contracts/validate', headers: { cookie }, payload: { yaml: bad } });
  assert.equal(validate.statusCode, 200);
  assert.equal(validate.json().ok, false);

  const good = contractYaml();
  const r2 = await app.inject({ method: 'POST', url: '/api/contracts/import', headers: { cookie }, payload: { yaml: good } });
  assert.equal(r2.statusCode, 201);
  assert.equal(r2.json().version, 1);
});

test('only a platform administrator may import a new contract', async () => {
  const db = testDb();
  const c = await buildContract(db);
  const user = await buildUser(db, { contractId: c.id, roles: ['vendorProjectManager'] });
  const cookie = await signInAs(app, user);
  const res = await app.inject({ method: 'POST', url: '/api/contracts/import', headers: { cookie }, payload: { yaml: contractYaml() } });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json().error.code, 'FORBIDDEN');
  const newVersion = await app.inject({
    method: 'POST',
    url: '/api/contracts/import',
    headers: { cookie },
    payload: { yaml: c.yaml.replace('测试系统一', '测试系统甲') },
  });
  assert.equal(newVersion.statusCode, 403);
});

test('malformed request bodies get a Chinese validation error', async () => {
  const db = testDb();
  const admin = await buildUser(db, { platformAdmin: true });
  const cookie = await signInAs(app, admin);
  const res = await app.inject({ method: 'POST', url: '/api/contracts/import', headers: { cookie }, payload: { yaml: '' } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.code, 'VALIDATION_FAILED');
  assert.match(res.json().error.message, /请求参数不正确/);
});

test('an agency administrator grants a role; a vendor cannot', async () => {
  const db = testDb();
  const c = await buildContract(db);
  const adminUser = await buildUser(db, { contractId: c.id, roles: ['agencyAdmin'] });
  const vendor = await buildUser(db, { contractId: c.id, roles: ['vendorProjectManager'] });
  const newcomer = await buildUser(db);
  const adminCookie = await signInAs(app, adminUser);
  const vendorCookie = await signInAs(app, vendor);
  const refused = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/members`, headers: { cookie: vendorCookie }, payload: { userId: newcomer.id, role: 'auditor' } });
  assert.equal(refused.statusCode, 403);
  const granted = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/members`, headers: { cookie: adminCookie }, payload: { userId: newcomer.id, role: 'auditor' } });
  assert.equal(granted.statusCode, 201);
  const newcomerCookie = await signInAs(app, newcomer);
  const visible = await app.inject({ url: `/api/contracts/${c.id}`, headers: { cookie: newcomerCookie } });
  assert.equal(visible.statusCode, 200);
  const revoke = await app.inject({ method: 'DELETE', url: `/api/contracts/${c.id}/members/${granted.json().id}`, headers: { cookie: adminCookie } });
  assert.equal(revoke.statusCode, 200);
  const gone = await app.inject({ url: `/api/contracts/${c.id}`, headers: { cookie: newcomerCookie } });
  assert.equal(gone.statusCode, 404);
});
