/**
 * Access over HTTP: least privilege by default, district/street scopes on
 * agency grants (out-of-scope records answer 404), the permission review
 * (recorded with the hash of what was reviewed, audited), and 404 across
 * contracts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs, TEST_PASSWORD, type Plain } from '../helpers/factories.ts';
import { effectiveScope, scopeFilter } from '../../src/contracts/scope.ts';

const app = useTestApp();

const SITES = [
  { key: 'CY-1', name: '朝阳区建外街道社保所', kind: 'streetOffice', district: '朝阳区', street: '建外街道', zone: 'urban', systems: ['S1'] },
  { key: 'CY-2', name: '朝阳区三里屯街道社保所', kind: 'streetOffice', district: '朝阳区', street: '三里屯街道', zone: 'urban' },
  { key: 'CY-D', name: '朝阳区社保经办机构', kind: 'districtOffice', district: '朝阳区', zone: 'urban' },
  { key: 'HD-1', name: '海淀区中关村街道社保所', kind: 'streetOffice', district: '海淀区', street: '中关村街道', zone: 'urban' },
  { key: 'MY-D', name: '密云区社保经办机构', kind: 'districtOffice', district: '密云区', zone: 'suburban' },
  { key: 'DC', name: '数据中心', kind: 'dataCentre' },
];

async function setup(mutate?: (doc: Plain) => void) {
  const db = testDb();
  const c = await buildContract(db, (doc) => {
    doc['sites'] = SITES;
    mutate?.(doc);
  });
  const admin = await buildUser(db, { contractId: c.id, roles: ['agencyAdmin'] });
  return { db, c, admin, adminCookie: await signInAs(app, admin) };
}

async function grant(contractId: string, cookie: string, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/api/contracts/${contractId}/members`, headers: { cookie }, payload: body });
}

async function siteKeys(contractId: string, cookie: string): Promise<string[]> {
  const res = await app.inject({ url: `/api/contracts/${contractId}/sites`, headers: { cookie } });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json().sites as { key: string }[]).map((s) => s.key);
}

test('a new account has no role anywhere: every contract answers 404 until an administrator grants one', async () => {
  const { db, c, adminCookie } = await setup();
  const fresh = await buildUser(db);
  const cookie = await signInAs(app, fresh);
  assert.equal((await app.inject({ url: `/api/contracts/${c.id}`, headers: { cookie } })).statusCode, 404);
  assert.equal((await app.inject({ url: `/api/contracts/${c.id}/sites`, headers: { cookie } })).statusCode, 404);
  assert.deepEqual((await app.inject({ url: '/api/contracts', headers: { cookie } })).json(), []);
  const memberships = await db.selectFrom('memberships').select('id').where('user_id', '=', fresh.id).execute();
  assert.equal(memberships.length, 0);
  const candidates = (await app.inject({ url: `/api/contracts/${c.id}/grant-candidates`, headers: { cookie: adminCookie } })).json() as { userId: string }[];
  assert.ok(!candidates.some((u) => u.userId === fresh.id), 'an unrelated account is not offered for this contract');
});

test('a district-scoped agency user sees only their district; other sites answer 404', async () => {
  const { db, c, adminCookie } = await setup();
  const reviewer = await buildUser(db);
  const g = await grant(c.id, adminCookie, { userId: reviewer.id, role: 'agencyReviewer', scope: { district: '朝阳区' } });
  assert.equal(g.statusCode, 201, g.body);
  const cookie = await signInAs(app, reviewer);

  assert.deepEqual((await siteKeys(c.id, cookie)).sort(), ['CY-1', 'CY-2', 'CY-D']);
  assert.equal((await app.inject({ url: `/api/contracts/${c.id}/sites/CY-1`, headers: { cookie } })).statusCode, 200);
  for (const key of ['HD-1', 'MY-D', 'DC', 'NOPE']) {
    const res = await app.inject({ url: `/api/contracts/${c.id}/sites/${key}`, headers: { cookie } });
    assert.equal(res.statusCode, 404, key);
    assert.equal(res.json().error.code, 'NOT_FOUND');
  }
  // the administrator (no scope) sees everything, rows without a district too
  assert.equal((await siteKeys(c.id, adminCookie)).length, SITES.length);

  const members = (await app.inject({ url: `/api/contracts/${c.id}/members`, headers: { cookie: adminCookie } })).json() as { userId: string; scope: unknown }[];
  assert.deepEqual(members.find((m) => m.userId === reviewer.id)?.scope, { district: '朝阳区', street: null });
  const audit = await db.selectFrom('audit_log').select('after').where('entity_id', '=', g.json().id).where('action', '=', 'membership.granted').executeTakeFirstOrThrow();
  assert.deepEqual((audit.after as { scope: unknown }).scope, { district: '朝阳区', street: null });
});

test('street scopes, several areas, and one unscoped grant widening to the whole contract', async () => {
  const { db, c, adminCookie } = await setup();
  const u = await buildUser(db);
  assert.equal((await grant(c.id, adminCookie, { userId: u.id, role: 'agencyReviewer', scope: { district: '朝阳区', street: '建外街道' } })).statusCode, 201);
  const cookie = await signInAs(app, u);
  assert.deepEqual(await siteKeys(c.id, cookie), ['CY-1']);
  assert.equal((await app.inject({ url: `/api/contracts/${c.id}/sites/CY-D`, headers: { cookie } })).statusCode, 404, 'a street scope does not reach the district office');

  assert.equal((await grant(c.id, adminCookie, { userId: u.id, role: 'agencyReviewer', scope: { district: '海淀区', street: '中关村街道' } })).statusCode, 201, 'a second area for the same role');
  assert.deepEqual((await siteKeys(c.id, cookie)).sort(), ['CY-1', 'HD-1']);

  assert.equal((await grant(c.id, adminCookie, { userId: u.id, role: 'readOnly' })).statusCode, 201);
  assert.equal((await siteKeys(c.id, cookie)).length, SITES.length);
});

test('scopes are validated: a known district and street, agency-side roles only, and within the grantor’s own scope', async () => {
  const { db, c, adminCookie } = await setup();
  const u = await buildUser(db);
  const unknown = await grant(c.id, adminCookie, { userId: u.id, role: 'agencyReviewer', scope: { district: '东城区' } });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().error.code, 'SCOPE_INVALID');
  const badStreet = await grant(c.id, adminCookie, { userId: u.id, role: 'agencyReviewer', scope: { district: '海淀区', street: '建外街道' } });
  assert.equal(badStreet.json().error.code, 'SCOPE_INVALID');
  const vendorRole = await grant(c.id, adminCookie, { userId: u.id, role: 'engineer', scope: { district: '朝阳区' } });
  assert.equal(vendorRole.statusCode, 400);
  assert.equal(vendorRole.json().error.code, 'SCOPE_INVALID');

  // an administrator limited to 朝阳区 may grant only inside 朝阳区
  const localAdmin = await buildUser(db);
  assert.equal((await grant(c.id, adminCookie, { userId: localAdmin.id, role: 'agencyAdmin', scope: { district: '朝阳区' } })).statusCode, 201);
  const localCookie = await signInAs(app, localAdmin);
  const wide = await grant(c.id, localCookie, { userId: u.id, role: 'agencyReviewer' });
  assert.equal(wide.statusCode, 400);
  assert.equal(wide.json().error.code, 'SCOPE_INVALID');
  const other = await grant(c.id, localCookie, { userId: u.id, role: 'agencyReviewer', scope: { district: '海淀区' } });
  assert.equal(other.json().error.code, 'SCOPE_INVALID');
  const inside = await grant(c.id, localCookie, { userId: u.id, role: 'agencyReviewer', scope: { district: '朝阳区', street: '三里屯街道' } });
  assert.equal(inside.statusCode, 201, inside.body);
  // nor revoke a grant outside it
  const adminGrant = (await db.selectFrom('memberships').select('id').where('contract_id', '=', c.id).where('role', '=', 'agencyAdmin').where('scope_district', 'is', null).where('revoked_at', 'is', null).executeTakeFirstOrThrow()).id;
  const revoke = await app.inject({ method: 'DELETE', url: `/api/contracts/${c.id}/members/${adminGrant}`, headers: { cookie: localCookie } });
  assert.equal(revoke.statusCode, 400);
});

test('the predicate builder filters any table with district and street columns', async () => {
  const { db, c, adminCookie } = await setup();
  const u = await buildUser(db);
  await grant(c.id, adminCookie, { userId: u.id, role: 'agencyReviewer', scope: { district: '密云区' } });
  await grant(c.id, adminCookie, { userId: u.id, role: 'agencyReviewer', scope: { district: '朝阳区', street: '三里屯街道' } });
  const ctx = { user: { id: u.id, username: u.username, displayName: 'x', organisationId: null, organisationName: null, isPlatformAdmin: false, sessionId: 's', lastSignInAt: null, lastSignInIp: null }, clientIp: null, now: new Date() };
  const scope = await effectiveScope(db, ctx, c.id);
  assert.deepEqual(scope, [
    { district: '朝阳区', street: '三里屯街道' },
    { district: '密云区', street: null },
  ]);
  const rows = await db
    .selectFrom('contract_sites as s')
    .select('s.key')
    .where('s.contract_id', '=', c.id)
    .where(scopeFilter(scope, { district: 's.district', street: 's.street' }))
    .orderBy('s.key')
    .execute();
  assert.deepEqual(rows.map((r) => r.key), ['CY-2', 'MY-D']);
  const none = await db.selectFrom('contract_sites as s').select('s.key').where('s.contract_id', '=', c.id).where(scopeFilter([], { district: 's.district', street: 's.street' })).execute();
  assert.equal(none.length, 0);
  // values are bound parameters, never spliced into the SQL
  const hostile = await db
    .selectFrom('contract_sites as s')
    .select('s.key')
    .where('s.contract_id', '=', c.id)
    .where(scopeFilter([{ district: "朝阳区' OR '1'='1", street: null }], { district: 's.district', street: 's.street' }))
    .execute();
  assert.equal(hostile.length, 0);
});

test('the permission review lists every grant, records a review with the hash of what was seen, and is audited', async () => {
  const { db, c, admin, adminCookie } = await setup((doc) => {
    doc['staffing'] = { accessReview: { frequency: 'monthly', source: 'L171' } };
  });
  const scoped = await buildUser(db);
  await grant(c.id, adminCookie, { userId: scoped.id, role: 'agencyReviewer', scope: { district: '朝阳区' } });
  await buildUser(db, { contractId: c.id, roles: ['engineer'] });
  const auditor = await buildUser(db);
  assert.equal((await grant(c.id, adminCookie, { userId: auditor.id, role: 'auditor' })).statusCode, 201);
  const auditorCookie = await signInAs(app, auditor);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const deskCookie = await signInAs(app, desk);

  assert.equal((await app.inject({ url: `/api/contracts/${c.id}/access-review`, headers: { cookie: deskCookie } })).statusCode, 403);

  const page = await app.inject({ url: `/api/contracts/${c.id}/access-review`, headers: { cookie: auditorCookie } });
  assert.equal(page.statusCode, 200, page.body);
  const data = page.json();
  assert.equal(data.grantCount, 5);
  assert.equal(data.frequency, 'monthly');
  assert.equal(data.frequencyIsDefault, false);
  assert.equal(data.nextReviewDue, '2024-02-01', 'a month after the contract start when never reviewed');
  assert.equal(data.changedSinceLastReview, null);
  const adminRow = data.grants.find((g: { userId: string }) => g.userId === admin.id);
  assert.ok(adminRow.lastSignInAt, 'last sign-in shown');
  assert.equal(data.grants.find((g: { userId: string }) => g.userId === scoped.id).scope.district, '朝阳区');
  const engineerRow = data.grants.find((g: { role: string }) => g.role === 'engineer');
  assert.equal(engineerRow.staff.cleared, true);
  assert.deepEqual(data.areas.map((a: { district: string }) => a.district).sort(), ['朝阳区', '密云区', '海淀区'].sort());

  const emptyComment = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/access-review`, headers: { cookie: auditorCookie }, payload: { comment: ' ', snapshotHash: data.snapshotHash } });
  assert.equal(emptyComment.statusCode, 400);

  // the list changes after the page was loaded: the review is refused
  const extra = await buildUser(db);
  await grant(c.id, adminCookie, { userId: extra.id, role: 'readOnly' });
  const stale = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/access-review`, headers: { cookie: auditorCookie }, payload: { comment: '已复核，无异常', snapshotHash: data.snapshotHash } });
  assert.equal(stale.statusCode, 409);
  assert.equal(stale.json().error.code, 'ACCESS_REVIEW_STALE');

  const fresh = (await app.inject({ url: `/api/contracts/${c.id}/access-review`, headers: { cookie: auditorCookie } })).json();
  assert.notEqual(fresh.snapshotHash, data.snapshotHash);
  const ok = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/access-review`, headers: { cookie: auditorCookie }, payload: { comment: '已逐项复核，均符合最小权限', snapshotHash: fresh.snapshotHash } });
  assert.equal(ok.statusCode, 201, ok.body);
  const audit = await db.selectFrom('audit_log').selectAll().where('entity_id', '=', ok.json().id).execute();
  assert.equal(audit.length, 1);
  assert.equal(audit[0]?.action, 'access.reviewed');
  assert.equal(audit[0]?.actor_user_id, auditor.id);
  assert.equal(audit[0]?.actor_role, 'auditor');
  assert.equal((audit[0]?.after as { snapshotHash: string }).snapshotHash, fresh.snapshotHash);

  const afterReview = (await app.inject({ url: `/api/contracts/${c.id}/access-review`, headers: { cookie: adminCookie } })).json();
  assert.equal(afterReview.reviews.length, 1);
  assert.equal(afterReview.reviews[0].comment, '已逐项复核，均符合最小权限');
  assert.equal(afterReview.reviews[0].grantCount, 6);
  assert.equal(afterReview.changedSinceLastReview, false);
  assert.equal(afterReview.nextReviewDue, afterReview.reviews[0].nextDueOn);
  const stored = await db.selectFrom('access_reviews').select(['snapshot', 'reviewer_name']).where('id', '=', ok.json().id).executeTakeFirstOrThrow();
  assert.equal((stored.snapshot as unknown[]).length, 6, 'the reviewed list itself is kept as evidence');
});

test('the permission review and sites of another contract answer 404', async () => {
  const mine = await setup();
  const other = await setup();
  const page = (await app.inject({ url: `/api/contracts/${mine.c.id}/access-review`, headers: { cookie: mine.adminCookie } })).json();
  for (const probe of [
    app.inject({ url: `/api/contracts/${mine.c.id}/access-review`, headers: { cookie: other.adminCookie } }),
    app.inject({ method: 'POST', url: `/api/contracts/${mine.c.id}/access-review`, headers: { cookie: other.adminCookie }, payload: { comment: 'x', snapshotHash: page.snapshotHash } }),
    app.inject({ url: `/api/contracts/${mine.c.id}/grant-candidates`, headers: { cookie: other.adminCookie } }),
    app.inject({ url: `/api/contracts/${mine.c.id}/sites`, headers: { cookie: other.adminCookie } }),
    app.inject({ url: `/api/contracts/${mine.c.id}/sites/CY-1`, headers: { cookie: other.adminCookie } }),
  ]) {
    const res = await probe;
    assert.equal(res.statusCode, 404, res.body);
  }
  const reviews = await mine.db.selectFrom('access_reviews').select('id').where('contract_id', '=', mine.c.id).execute();
  assert.equal(reviews.length, 0);
});

test('separation of duties (三权分立): the auditor and the system administrator of a contract are never the same person', async () => {
  const { db, c, adminCookie } = await setup();
  const u = await buildUser(db);
  assert.equal((await grant(c.id, adminCookie, { userId: u.id, role: 'auditor' })).statusCode, 201);
  const conflict = await grant(c.id, adminCookie, { userId: u.id, role: 'agencyAdmin' });
  assert.equal(conflict.statusCode, 409);
  assert.equal(conflict.json().error.code, 'ROLE_CONFLICT');
  assert.match(conflict.json().error.message, /三权分立/);
  const admins = await db.selectFrom('memberships').select('id').where('user_id', '=', u.id).where('role', '=', 'agencyAdmin').execute();
  assert.equal(admins.length, 0, 'nothing was granted');

  const admin2 = await buildUser(db);
  assert.equal((await grant(c.id, adminCookie, { userId: admin2.id, role: 'agencyAdmin' })).statusCode, 201);
  assert.equal((await grant(c.id, adminCookie, { userId: admin2.id, role: 'auditor' })).json().error.code, 'ROLE_CONFLICT', 'either order');
  // in another contract the same person may audit
  const other = await buildContract(db, (doc) => {
    doc['sites'] = SITES;
  });
  const otherAdmin = await buildUser(db, { contractId: other.id, roles: ['agencyAdmin'] });
  const otherCookie = await signInAs(app, otherAdmin);
  assert.equal((await grant(other.id, otherCookie, { userId: admin2.id, role: 'auditor' })).statusCode, 201);
});

test('separation of duties (三权分立): only the auditor reads the audit trail, the auditor changes no ticket, and nobody changes or deletes the trail (405)', async () => {
  const { db, c, adminCookie } = await setup();
  const auditor = await buildUser(db);
  assert.equal((await grant(c.id, adminCookie, { userId: auditor.id, role: 'auditor' })).statusCode, 201);
  const auditorCookie = await signInAs(app, auditor);

  const asAdmin = await app.inject({ url: `/api/audit?contractId=${c.id}`, headers: { cookie: adminCookie } });
  assert.equal(asAdmin.statusCode, 403, 'the system administrator does not read the trail');
  assert.equal(asAdmin.json().error.code, 'FORBIDDEN');
  const asAuditor = await app.inject({ url: `/api/audit?contractId=${c.id}`, headers: { cookie: auditorCookie } });
  assert.equal(asAuditor.statusCode, 200, asAuditor.body);
  const actions = (asAuditor.json() as { action: string }[]).map((r) => r.action);
  assert.ok(actions.includes('membership.granted'), 'the auditor sees the grants the administrator made');

  const report = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/incidents`,
    headers: { cookie: auditorCookie },
    payload: { title: '审计员登记故障', systemKey: 'S1', channel: 'web', reporterName: '审计员', reportedAt: new Date().toISOString(), levelKey: 'P1' },
  });
  assert.equal(report.statusCode, 403, 'the auditor changes no ticket');
  assert.equal(await countIncidents(db, c.id), 0);

  const trail = async () => (await db.selectFrom('audit_log').select(['id', 'hash']).where('contract_id', '=', c.id).orderBy('seq').execute()).map((r) => `${r.id}:${r.hash}`);
  const before = await trail();
  assert.ok(before.length > 0);
  for (const cookie of [adminCookie, auditorCookie]) {
    for (const [method, url] of [
      ['DELETE', '/api/audit'],
      ['DELETE', `/api/audit?contractId=${c.id}`],
      ['DELETE', '/api/audit/1'],
      ['PATCH', '/api/audit/verify'],
      ['PUT', '/api/audit/anchors'],
    ] as const) {
      const r = await app.inject({ method, url, headers: { cookie } });
      assert.equal(r.statusCode, 405, `${method} ${url}`);
      assert.equal(r.json().error.code, 'METHOD_NOT_ALLOWED');
      assert.match(r.json().error.message, /只能追加/);
    }
  }
  assert.deepEqual(await trail(), before, 'the trail is untouched');
});

async function countIncidents(db: ReturnType<typeof testDb>, contractId: string): Promise<number> {
  const r = await db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).where('contract_id', '=', contractId).executeTakeFirstOrThrow();
  return Number(r.n);
}

test('separation of duties at platform level: the platform auditor reads and verifies the whole trail, the platform administrator none of it', async () => {
  const { db, c, adminCookie: agencyAdminCookie } = await setup();
  const platformAdmin = await buildUser(db, { platformAdmin: true });
  const adminCookie = await signInAs(app, platformAdmin);
  const auditor = await buildUser(db, { platformAuditor: true });
  const auditorCookie = await signInAs(app, auditor);
  const me = await app.inject({ url: '/api/auth/me', headers: { cookie: auditorCookie } });
  assert.equal(me.json().isPlatformAuditor, true);
  assert.equal(me.json().twoFactorRequired, true, 'the privileged 2FA policy covers the platform auditor');
  assert.equal((await app.inject({ url: '/api/auth/me', headers: { cookie: adminCookie } })).json().isPlatformAuditor, false);

  // the platform administrator: 403 on every audit route, with or without a contract
  for (const [method, url] of [
    ['GET', '/api/audit'],
    ['GET', `/api/audit?contractId=${c.id}`],
    ['GET', '/api/audit/export.xlsx'],
    ['GET', `/api/audit/export.xlsx?contractId=${c.id}`],
    ['POST', '/api/audit/verify'],
  ] as const) {
    const r = await app.inject({ method, url, headers: { cookie: adminCookie } });
    assert.equal(r.statusCode, 403, `${method} ${url}`);
    assert.equal(r.json().error.code, 'FORBIDDEN');
    assert.match(r.json().error.message, /三权分立/);
  }

  // the platform auditor: rows without a contract (sign-ins, user administration) and every contract's rows
  const all = await app.inject({ url: '/api/audit?limit=500', headers: { cookie: auditorCookie } });
  assert.equal(all.statusCode, 200, all.body);
  const rows = all.json() as { contractId: string | null; action: string; entityId: string | null }[];
  assert.ok(rows.some((r) => r.contractId === null && r.action === 'auth.signIn' && r.entityId === platformAdmin.id), 'the administrator’s sign-in');
  assert.ok(rows.some((r) => r.contractId === null && r.action === 'user.created' && r.entityId === auditor.id));
  const ofC = await app.inject({ url: `/api/audit?contractId=${c.id}&limit=500`, headers: { cookie: auditorCookie } });
  assert.equal(ofC.statusCode, 200, ofC.body);
  const expected = await db.selectFrom('audit_log').select('id').where('contract_id', '=', c.id).orderBy('seq', 'desc').execute();
  assert.deepEqual((ofC.json() as { id: string }[]).map((r) => r.id), expected.map((r) => r.id), 'every row of the contract, without being its member');
  assert.equal((await app.inject({ url: `/api/audit?contractId=${crypto.randomUUID()}`, headers: { cookie: auditorCookie } })).statusCode, 404);
  assert.equal((await app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie: auditorCookie } })).statusCode, 200);
  // the auditor administers nothing and changes no ticket
  assert.equal((await app.inject({ url: '/api/users', headers: { cookie: auditorCookie } })).statusCode, 403);
  const report = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/incidents`,
    headers: { cookie: auditorCookie },
    payload: { title: '审计员登记故障', systemKey: 'S1', channel: 'web', reporterName: '审计员', reportedAt: new Date().toISOString(), levelKey: 'P1' },
  });
  assert.equal(report.statusCode, 404);
  assert.equal(await countIncidents(db, c.id), 0);
  // a contract's system administrator still reads nothing
  assert.equal((await app.inject({ url: '/api/audit', headers: { cookie: agencyAdminCookie } })).statusCode, 403);
});

test('platform auditor flag: the platform administrator gives it to another user (audited), never to themselves or to an administrator (409, nothing written)', async () => {
  const db = testDb();
  const platformAdmin = await buildUser(db, { platformAdmin: true });
  const adminCookie = await signInAs(app, platformAdmin);
  const setFlag = (userId: string, value: boolean, cookie = adminCookie) =>
    app.inject({ method: 'PUT', url: `/api/users/${userId}/platform-auditor`, headers: { cookie }, payload: { isPlatformAuditor: value } });
  const flagOf = async (userId: string) => (await db.selectFrom('users').select('is_platform_auditor').where('id', '=', userId).executeTakeFirstOrThrow()).is_platform_auditor;
  const changes = async (userId: string) => db.selectFrom('audit_log').select(['actor_user_id', 'before', 'after']).where('action', '=', 'user.platformAuditorChanged').where('entity_id', '=', userId).orderBy('seq').execute();

  const person = await buildUser(db);
  const given = await setFlag(person.id, true);
  assert.equal(given.statusCode, 200, given.body);
  assert.deepEqual(given.json(), { id: person.id, isPlatformAuditor: true });
  assert.equal(await flagOf(person.id), true);
  const rows = await changes(person.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.actor_user_id, platformAdmin.id);
  assert.deepEqual(rows[0]?.before, { isPlatformAuditor: false });
  assert.deepEqual(rows[0]?.after, { username: person.username, isPlatformAuditor: true });
  assert.equal((await setFlag(person.id, true)).statusCode, 200);
  assert.equal((await changes(person.id)).length, 1, 'no change, no row');
  const listed = (await app.inject({ url: '/api/users', headers: { cookie: adminCookie } })).json() as { id: string; isPlatformAuditor: boolean }[];
  assert.equal(listed.find((u) => u.id === person.id)?.isPlatformAuditor, true);

  // not to themselves
  const self = await setFlag(platformAdmin.id, true);
  assert.equal(self.statusCode, 403);
  assert.equal(await flagOf(platformAdmin.id), false);
  // not to another administrator (ROLE_CONFLICT), nothing written
  const otherAdmin = await buildUser(db, { platformAdmin: true });
  const conflict = await setFlag(otherAdmin.id, true);
  assert.equal(conflict.statusCode, 409);
  assert.equal(conflict.json().error.code, 'ROLE_CONFLICT');
  assert.match(conflict.json().error.message, /三权分立/);
  assert.equal(await flagOf(otherAdmin.id), false);
  assert.equal((await changes(otherAdmin.id)).length, 0);
  // the other order: an account created as both, and an auditor made administrator in the database
  const both = await app.inject({ method: 'POST', url: '/api/users', headers: { cookie: adminCookie }, payload: { username: `both-${person.id.slice(0, 8)}`, displayName: '双重身份', password: TEST_PASSWORD, isPlatformAdmin: true, isPlatformAuditor: true } });
  assert.equal(both.statusCode, 409);
  assert.equal(both.json().error.code, 'ROLE_CONFLICT');
  assert.equal((await db.selectFrom('users').select('id').where('username', '=', `both-${person.id.slice(0, 8)}`).execute()).length, 0);
  await assert.rejects(db.updateTable('users').set({ is_platform_admin: true }).where('id', '=', person.id).execute(), /users_platform_duties_apart/);
  // only platform administrators manage the flag; an auditor cannot give it on
  const auditorCookie = await signInAs(app, person);
  assert.equal((await setFlag((await buildUser(db)).id, true, auditorCookie)).statusCode, 403);
  // taking it back is audited too
  assert.equal((await setFlag(person.id, false)).statusCode, 200);
  assert.equal(await flagOf(person.id), false);
  assert.equal((await changes(person.id)).length, 2);
});
