/**
 * Check 6, expired vendor accounts: a contract's vendor side keeps access
 * through its service period plus the grace period (or an explicit, audited
 * extension); after that its vendor grants stop counting (404 like a
 * stranger), such people cannot sign in (answered like a wrong password,
 * audited as vendorAccessEnded), and the sweep ends their open sessions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedDb, testDb } from '../helpers/db.ts';
import { buildContract, buildUser, reauthAs, signInAs } from '../helpers/factories.ts';
import { useTestApp } from '../helpers/app.ts';
import { buildSecurityApp } from './security-app.ts';
import { endSessionsOfEndedVendorAccess, reconcileVendorAccessEnds, sweepVendorAccess } from '../../src/contracts/vendor-access.service.ts';
import { addDays, vendorAccessLastDay } from '../../src/contracts/vendor-access.ts';
import { localDateOf } from '../../src/staff/staff-rules.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { seedDemo } from '../../src/demo/demo.seed.ts';

const app = useTestApp(buildSecurityApp);

const get = (url: string, cookie: string) => app.inject({ url, headers: { cookie } });
const login = (username: string, password: string) => app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

async function auditRows(action: string, entityId: string) {
  return testDb().selectFrom('audit_log').select(['action', 'actor_name', 'before', 'after', 'contract_id']).where('action', '=', action).where('entity_id', '=', entityId).orderBy('seq').execute();
}

test('pure rule: the last day is the service period end plus the grace period, or the extension when later', () => {
  assert.equal(addDays('2023-12-31', 90), '2024-03-30');
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(vendorAccessLastDay({ periodEnd: '2023-12-31', graceDays: 90, extendedUntil: null }), '2024-03-30');
  assert.equal(vendorAccessLastDay({ periodEnd: '2023-12-31', graceDays: 90, extendedUntil: '2024-01-15' }), '2024-03-30', 'an earlier extension changes nothing');
  assert.equal(vendorAccessLastDay({ periodEnd: '2023-12-31', graceDays: 0, extendedUntil: '2027-06-30' }), '2027-06-30');
});

test('the grace setting is validated at start: default 90 days, 0–365', () => {
  assert.equal(loadConfig({}, '/tmp').auth.vendorAccessGraceDays, 90);
  assert.equal(loadConfig({ YUNWEI_VENDOR_ACCESS_GRACE_DAYS: '0' }, '/tmp').auth.vendorAccessGraceDays, 0);
  assert.throws(() => loadConfig({ YUNWEI_VENDOR_ACCESS_GRACE_DAYS: '-1' }, '/tmp'), (e: unknown) => e instanceof ConfigError && /YUNWEI_VENDOR_ACCESS_GRACE_DAYS: 不得为负数/.test(e.message));
  assert.throws(() => loadConfig({ YUNWEI_VENDOR_ACCESS_GRACE_DAYS: '400' }, '/tmp'), (e: unknown) => e instanceof ConfigError && /不得超过 365 天/.test(e.message));
});

test('after the end: vendor grants stop counting at once, the sweep ends the sessions, sign-in is refused; an audited extension restores access', async () => {
  const db = testDb();
  // the factory contract's service period is 2024; imported with a long grace, it is still open
  const c = await buildContract(db);
  const other = await buildContract(db);
  const vendor = await buildUser(db, { contractId: c.id, roles: ['engineer'] });
  const agency = await buildUser(db, { contractId: c.id, roles: ['agencyProjectLead'] });
  const mixed = await buildUser(db, { contractId: c.id, roles: ['engineer'] });
  await buildUserGrant(mixed.id, other.id);
  const admin = await buildUser(db, { contractId: c.id, roles: ['agencyAdmin'] });

  const vendorCookie = await signInAs(app, vendor);
  const mixedCookie = await signInAs(app, mixed);
  const agencyCookie = await signInAs(app, agency);
  assert.equal((await get(`/api/contracts/${c.id}`, vendorCookie)).statusCode, 200);
  assert.equal((await get(`/api/contracts/${c.id}`, vendorCookie)).json().vendorAccess.ended, false);

  // the grace period becomes 0 days (as after a change of the setting): the 2024 period has ended
  const now = new Date();
  assert.equal(await reconcileVendorAccessEnds(db, 0, now, [c.id]), 1);
  assert.equal(await reconcileVendorAccessEnds(db, 0, now, [c.id]), 0, 'idempotent');
  const recomputed = await auditRows('contract.vendorAccessEndRecomputed', c.id);
  assert.equal(recomputed.length, 1);
  assert.deepEqual(recomputed[0]?.after, { endsAt: '2024-12-31T16:00:00.000Z', graceDays: 0 }, 'midnight after 2024-12-31, Beijing time');

  // before any sweep: the vendor grant no longer counts (404 like a stranger, not listed)
  const stranger = await signInAs(app, await buildUser(db));
  const asStranger = await get(`/api/contracts/${c.id}`, stranger);
  const asVendor = await get(`/api/contracts/${c.id}`, vendorCookie);
  assert.equal(asVendor.statusCode, 404);
  assert.deepEqual(asVendor.json(), asStranger.json(), 'the same answer as for a stranger');
  assert.ok(!(await get('/api/contracts', vendorCookie)).json().some((x: { id: string }) => x.id === c.id));
  assert.equal((await get(`/api/contracts/${c.id}`, mixedCookie)).statusCode, 404);
  assert.equal((await get(`/api/contracts/${other.id}`, mixedCookie)).statusCode, 200, 'the other contract still counts');
  const agencyView = await get(`/api/contracts/${c.id}`, agencyCookie);
  assert.equal(agencyView.statusCode, 200, 'agency grants are not affected');
  assert.equal(agencyView.json().vendorAccess.ended, true);

  // the sweep ends the vendor's sessions (not those of the person who still has another contract), audited
  const swept = await endSessionsOfEndedVendorAccess(db, new Date());
  assert.ok(swept.usersSignedOut >= 1);
  assert.equal((await get('/api/auth/me', vendorCookie)).statusCode, 401);
  assert.equal((await get('/api/auth/me', mixedCookie)).statusCode, 200);
  assert.equal((await get('/api/auth/me', agencyCookie)).statusCode, 200);
  const forced = await auditRows('auth.forcedSignOut', vendor.id);
  assert.equal(forced.length, 1);
  assert.deepEqual(forced[0]?.after, { username: vendor.username, sessionsEnded: 1, reason: 'vendorAccessEnded', contracts: [c.code] });
  assert.equal(forced[0]?.actor_name, '系统（乙方访问期限）');
  assert.equal((await endSessionsOfEndedVendorAccess(db, new Date())).sessionsEnded, 0, 'nothing left to end');

  // sign-in: the right password is answered like a wrong one; the audit row says why
  const refused = await login(vendor.username, vendor.password);
  const wrong = await login(vendor.username, 'Wrong-Passw0rd-2026');
  assert.equal(refused.statusCode, 401);
  assert.deepEqual(refused.json(), wrong.json());
  const why = await auditRows('auth.signInRefused', vendor.id);
  assert.deepEqual(why.at(-1)?.after, { reason: 'vendorAccessEnded', contracts: [c.code] });
  assert.equal((await login(mixed.username, mixed.password)).statusCode, 200, 'a person with another counting grant still signs in');

  // the extension: agency administrator only, after re-authentication, with a reason, after the grace end
  const adminCookie = await signInAs(app, admin);
  const until = addDays(localDateOf(new Date(), 'Asia/Shanghai'), 30);
  const extend = (cookie: string, body: Record<string, unknown>) => app.inject({ method: 'POST', url: `/api/contracts/${c.id}/vendor-access-extension`, headers: { cookie }, payload: body });
  assert.equal((await extend(agencyCookie, { until, reason: '验收整改' })).json().error.code, 'FORBIDDEN', 'only the agency administrator');
  assert.equal((await extend(adminCookie, { until, reason: '验收整改' })).json().error.code, 'REAUTH_REQUIRED');
  await reauthAs(app, adminCookie, admin);
  assert.equal((await extend(vendorCookie, { until, reason: '验收整改' })).statusCode, 401);
  const tooEarly = await extend(adminCookie, { until: '2025-02-01', reason: '验收整改' });
  assert.equal(tooEarly.statusCode, 400);
  assert.match(tooEarly.json().error.message, /须晚于按宽限期计算的截止日 2025-03-31/);
  assert.equal((await extend(adminCookie, { until, reason: ' ' })).statusCode, 400);
  const ok = await extend(adminCookie, { until, reason: '终验整改期间乙方仍需处理遗留问题' });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().extendedUntil, until);
  const extended = await auditRows('contract.vendorAccessExtended', c.id);
  assert.equal(extended.length, 1);
  assert.equal(extended[0]?.contract_id, c.id);
  assert.deepEqual(extended[0]?.before, { extendedUntil: null, endsAt: '2024-12-31T16:00:00.000Z' });
  assert.deepEqual(extended[0]?.after, { extendedUntil: until, endsAt: ok.json().endsAt, reason: '终验整改期间乙方仍需处理遗留问题' });

  const back = await login(vendor.username, vendor.password);
  assert.equal(back.statusCode, 200, back.body);
  const detail = await get(`/api/contracts/${c.id}`, cookieOfLogin(back));
  assert.equal(detail.statusCode, 200);
  assert.equal(detail.json().vendorAccess.extendedUntil, until);
  assert.equal(detail.json().vendorAccess.ended, false);
});

/** An agency-side grant in another contract (the person then has one grant that counts). */
async function buildUserGrant(userId: string, contractId: string): Promise<void> {
  const { grantRole } = await import('../../src/orgs/user.service.ts');
  await grantRole(testDb(), null, { userId, contractId, role: 'agencyProjectLead' }, new Date());
}

function cookieOfLogin(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  return String(Array.isArray(raw) ? raw[0] : raw).split(';')[0] ?? '';
}

test('the sweep follows the grace setting for every contract; the demo seed extends the demo contracts through the same service', { timeout: 180_000 }, async () => {
  const iso = await isolatedDb();
  const dataDir = mkdtempSync(join(tmpdir(), 'yunwei-demo-'));
  try {
    // one instant for the seed and the expectation (a run across Beijing midnight once gave them different days)
    const now = new Date();
    const creds = await seedDemo(iso.db, dataDir, now);
    const contracts = await iso.db.selectFrom('contracts').select(['id', 'code', 'period_end', 'vendor_access_extended_until', 'vendor_access_ends_at']).execute();
    assert.ok(contracts.length >= 3);
    const today = localDateOf(now, 'Asia/Shanghai');
    for (const c of contracts) {
      assert.ok(c.period_end < today, `${c.code}: the demo contracts' service periods are over`);
      assert.equal(c.vendor_access_extended_until, addDays(today, 365), `${c.code} is extended for the demo`);
      const rows = await iso.db.selectFrom('audit_log').select(['after']).where('action', '=', 'contract.vendorAccessExtended').where('entity_id', '=', c.id).execute();
      assert.equal(rows.length, 1);
      assert.match(String((rows[0]?.after as { reason: string }).reason), /^演示数据：延长乙方访问期限至 \d{4}-\d{2}-\d{2}/);
    }
    // a second start extends nothing again
    await seedDemo(iso.db, dataDir, new Date());
    assert.equal(Number((await iso.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<string>().as('n')).where('action', '=', 'contract.vendorAccessExtended').executeTakeFirstOrThrow()).n), contracts.length);

    // a demo vendor account signs in (its contract is extended)
    const isoApp = await buildSecurityApp(iso.db);
    try {
      const desk = creds.find((x) => x.username === 'mz-desk');
      assert.ok(desk);
      const res = await isoApp.inject({ method: 'POST', url: '/api/auth/login', payload: { username: desk.username, password: desk.password } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().stage, 'complete', 'demo accounts are never forced to change their password');
    } finally {
      await isoApp.close();
    }

    // nothing moves while the setting stays; a shorter grace moves every contract's end (audited), but not past an extension
    assert.deepEqual(await sweepVendorAccess(iso.db, 90, new Date()), { endsRecomputed: 0, usersSignedOut: 0, sessionsEnded: 0 });
    await iso.db.updateTable('contracts').set({ vendor_access_extended_until: null }).where('code', '=', contracts[0]?.code ?? '').execute();
    const r = await sweepVendorAccess(iso.db, 30, new Date());
    assert.equal(r.endsRecomputed, 1, 'only the contract without extension moves (the others end with their extension)');
    const moved = await iso.db.selectFrom('audit_log').select(['after']).where('action', '=', 'contract.vendorAccessEndRecomputed').execute();
    assert.equal(moved.length, 1);
    assert.equal((moved[0]?.after as { graceDays: number }).graceDays, 30);
    const first = await iso.db.selectFrom('contracts').select(['vendor_access_ends_at', 'period_end']).where('code', '=', contracts[0]?.code ?? '').executeTakeFirstOrThrow();
    assert.ok(new Date(first.vendor_access_ends_at) < new Date(), 'the contract without extension has ended');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await iso.drop();
  }
});
