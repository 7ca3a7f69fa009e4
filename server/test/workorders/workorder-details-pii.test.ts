/**
 * A work order's details and outcome (security.md check 27): the columns hold
 * only masked JSON, the originals are sealed in the record's SM4 envelope,
 * revealed with a reason, kept across edits that send masked values back,
 * handed over in the close-out package and destroyed with it; rows written
 * before the change are masked and sealed by the pass at start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { unzipSync, strFromU8 } from 'fflate';
import { closeTestDb, testDb } from '../helpers/db.ts';
import { buildTestApp, buildUser, reauthAs, signInAs } from '../helpers/factories.ts';
import { keyRing } from '../../src/privacy/pii-vault.ts';
import { sealLegacyRows } from '../../src/privacy/key-rotation.ts';
import { buildWorkOrderContract, signInAll } from './workorder-fixtures.ts';

// Fictitious values that pass their checksums (no real person).
const ID = '11010519491231002X';
const MOBILE = '13812345678';
const MOBILE2 = '13998765432';

let app: FastifyInstance;
before(async () => {
  app = await buildTestApp(testDb());
});
after(async () => {
  await app.close();
  await closeTestDb();
});

function containsPlain(text: string): boolean {
  return text.includes(ID) || text.includes(MOBILE) || text.includes(MOBILE2);
}

async function setup(title = '网点补卡人员名单统计') {
  const { contractId, people } = await buildWorkOrderContract(testDb());
  const cookies = await signInAll(app, people);
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${contractId}/work-orders`,
    headers: { cookie: cookies.engineer },
    payload: {
      kind: 'serviceRequest',
      subtype: 'statistics',
      title,
      systemKey: 'S1',
      details: { contact: `手机 ${MOBILE}，身份证 ${ID}`, location: '海淀区社保所', expectedBy: '2026-12-01T09:00:00.000Z' },
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  return { contractId, people, cookies, id: created.json().id as string };
}

async function row(id: string) {
  const r = await sql<{ j: string; details: Record<string, unknown>; outcome: Record<string, unknown>; pii_sealed: string | null; pii_index: string[] }>`
    SELECT row_to_json(w)::text AS j, details, outcome, pii_sealed, pii_index FROM work_orders w WHERE id = ${id}::uuid`.execute(testDb());
  const first = r.rows[0];
  assert.ok(first);
  return first;
}

async function reveal(cookie: string, id: string, field: string) {
  return app.inject({ method: 'POST', url: '/api/pii/reveal', headers: { cookie }, payload: { entityType: 'workOrder', entityId: id, field, reason: '回访核实需求方' } });
}

async function command(cookie: string, id: string, version: number, cmd: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/api/work-orders/${id}/commands`, headers: { cookie }, payload: { version, command: cmd } });
}

test('details: masked JSON in the row, originals in the SM4 envelope, masked in the API, revealed with a reason, re-sealed on edit', async () => {
  const { people, cookies, id } = await setup();
  const stored = await row(id);
  assert.equal(containsPlain(stored.j), false, 'the database row holds no plaintext');
  assert.equal(stored.details['contact'], '手机 138****5678，身份证 110105********002X');
  assert.equal(stored.details['location'], '海淀区社保所', 'business fields stay usable');
  assert.equal(stored.details['expectedBy'], '2026-12-01T09:00:00.000Z');
  assert.match(stored.pii_sealed ?? '', /^sm4c1\.ktest\./, 'the original is an SM4 envelope');
  assert.equal(stored.pii_index.length, 2, 'blind indexes of the mobile and the ID number');

  const detail = await app.inject({ url: `/api/work-orders/${id}`, headers: { cookie: cookies.pm } });
  assert.equal(detail.statusCode, 200, detail.body);
  assert.equal(containsPlain(detail.body), false);
  assert.match(detail.body, /138\*{4}5678/);

  assert.equal((await reveal(cookies.engineer, id, 'details')).statusCode, 403, 'engineers may not reveal');
  await reauthAs(app, cookies.pm, people.pm);
  const shown = await reveal(cookies.pm, id, 'details');
  assert.equal(shown.statusCode, 200, shown.body);
  const original = JSON.parse(shown.json().value);
  assert.equal(original.contact, `手机 ${MOBILE}，身份证 ${ID}`);
  assert.equal(original.location, '海淀区社保所');
  const audit = await testDb().selectFrom('audit_log').select('after').where('entity_id', '=', id).where('action', '=', 'pii.revealed').executeTakeFirstOrThrow();
  assert.deepEqual(audit.after, { field: 'details', fieldLabel: '工单内容', reason: '回访核实需求方' });

  // the edit form sends the masked details back with only the location changed: the sealed contact is kept
  const masked = (await row(id)).details;
  let edit = await app.inject({ method: 'PATCH', url: `/api/work-orders/${id}`, headers: { cookie: cookies.engineer }, payload: { version: 1, details: { ...masked, location: '朝阳区社保所' } } });
  assert.equal(edit.statusCode, 200, edit.body);
  let revealed = JSON.parse((await reveal(cookies.pm, id, 'details')).json().value);
  assert.deepEqual(revealed, { ...original, location: '朝阳区社保所' });

  // a new contact typed in replaces the original: re-sealed, masked in the row
  edit = await app.inject({ method: 'PATCH', url: `/api/work-orders/${id}`, headers: { cookie: cookies.engineer }, payload: { version: 2, details: { ...masked, contact: `手机 ${MOBILE2}`, location: '朝阳区社保所' } } });
  assert.equal(edit.statusCode, 200, edit.body);
  const after = await row(id);
  assert.equal(after.details['contact'], '手机 139****5432');
  assert.equal(containsPlain(after.j), false);
  assert.notEqual(after.pii_sealed, stored.pii_sealed);
  revealed = JSON.parse((await reveal(cookies.pm, id, 'details')).json().value);
  assert.equal(revealed.contact, `手机 ${MOBILE2}`);
  assert.equal(after.pii_index.length, 1, 'the old numbers are no longer indexed');

  // nothing personal left: the envelope holds nothing for details
  edit = await app.inject({ method: 'PATCH', url: `/api/work-orders/${id}`, headers: { cookie: cookies.engineer }, payload: { version: 3, details: { location: '朝阳区社保所' } } });
  assert.equal(edit.statusCode, 200, edit.body);
  const plain = await row(id);
  assert.equal(plain.pii_sealed, null);
  assert.equal(JSON.parse((await reveal(cookies.pm, id, 'details')).json().value).location, '朝阳区社保所');
});

test('outcome: what a command records is sealed like the details, and later commands keep the original', async () => {
  const { cookies, people, id } = await setup();
  let r = await command(cookies.engineer, id, 1, { type: 'submit' });
  assert.equal(r.json().state, 'approved', r.body);
  r = await command(cookies.engineer, id, r.json().version, { type: 'resolve', resolution: `已电话回复需求方 ${MOBILE}` });
  assert.equal(r.statusCode, 200, r.body);
  r = await command(cookies.engineer, id, r.json().version, { type: 'confirm', comment: '确认' });
  assert.equal(r.json().state, 'closed', r.body);
  const stored = await row(id);
  assert.equal(stored.outcome['resolution'], '已电话回复需求方 138****5678');
  assert.ok(stored.outcome['confirmation'], 'the later command extended the outcome');
  assert.equal(containsPlain(stored.j), false);
  const trail = await sql<{ j: string }>`
    SELECT coalesce(string_agg(t, ''), '') AS j FROM (
      SELECT row_to_json(e)::text AS t FROM work_order_events e WHERE work_order_id = ${id}::uuid
      UNION ALL SELECT row_to_json(a)::text FROM audit_log a WHERE entity_id = ${id}
    ) x`.execute(testDb());
  assert.equal(containsPlain(trail.rows[0]?.j ?? ''), false, 'nor the timeline and audit trail');
  await reauthAs(app, cookies.pm, people.pm);
  const shown = await reveal(cookies.pm, id, 'outcome');
  assert.equal(shown.statusCode, 200, shown.body);
  const outcome = JSON.parse(shown.json().value);
  assert.equal(outcome.resolution, `已电话回复需求方 ${MOBILE}`, 'the original survived the confirmation');
  assert.equal(outcome.confirmation.comment, '确认');
  assert.equal(JSON.parse((await reveal(cookies.pm, id, 'details')).json().value).contact, `手机 ${MOBILE}，身份证 ${ID}`, 'and the details original too');
});

test('close-out: the return package holds the original details and outcome; afterwards nothing remains', async () => {
  const { contractId, cookies, id } = await setup();
  let r = await command(cookies.engineer, id, 1, { type: 'submit' });
  r = await command(cookies.engineer, id, r.json().version, { type: 'resolve', resolution: `已电话回复 ${MOBILE2}` });
  assert.equal(r.statusCode, 200, r.body);
  const admin = await buildUser(testDb(), { contractId, roles: ['agencyAdmin'] });
  const adminCookie = await signInAs(app, admin);
  await reauthAs(app, adminCookie, admin);
  const exp = await app.inject({ method: 'POST', url: `/api/contracts/${contractId}/closeout/export`, headers: { cookie: adminCookie } });
  assert.equal(exp.statusCode, 200, exp.body);
  const zip = unzipSync(new Uint8Array(exp.rawPayload));
  const records = Object.values(unzipSync(zip['记录.xlsx'] ?? new Uint8Array())).map((f) => strFromU8(f)).join('');
  assert.ok(records.includes(MOBILE) && records.includes(ID), 'the original details are handed back');
  assert.ok(records.includes(MOBILE2), 'and the original outcome');

  const code = (await testDb().selectFrom('contracts').select('code').where('id', '=', contractId).executeTakeFirstOrThrow()).code;
  await reauthAs(app, adminCookie, admin);
  const destroyed = await app.inject({ method: 'POST', url: `/api/contracts/${contractId}/closeout/destroy`, headers: { cookie: adminCookie }, payload: { confirmCode: code } });
  assert.equal(destroyed.statusCode, 200, destroyed.body);
  const gone = await row(id);
  assert.equal(gone.pii_sealed, null);
  assert.deepEqual(gone.pii_index, []);
  assert.equal(containsPlain(gone.j), false);
  assert.equal(gone.details['contact'], '手机 138****5678，身份证 110105********002X');
});

test('rows written before details were sealed: the pass at start masks and seals them once, keeping the sealed title', async () => {
  const { people, cookies, id } = await setup(`核对 ${MOBILE2} 的补卡`);
  const db = testDb();
  const before = await row(id);
  // as a row written before the change: plaintext details and outcome, the title's original sealed
  await sql`UPDATE work_orders SET details = ${JSON.stringify({ contact: `手机 ${MOBILE}，身份证 ${ID}`, location: '海淀区社保所' })}::jsonb,
    outcome = ${JSON.stringify({ resolution: `已回复 ${MOBILE2}` })}::jsonb, pii_sealed_at = NULL WHERE id = ${id}::uuid`.execute(db);
  assert.equal(containsPlain((await row(id)).j), true, 'the legacy row holds plaintext');

  await sealLegacyRows(db, keyRing(), new Date());
  const sealed = await row(id);
  assert.equal(containsPlain(sealed.j), false);
  assert.equal(sealed.details['contact'], '手机 138****5678，身份证 110105********002X');
  assert.equal(sealed.outcome['resolution'], '已回复 139****5432');
  assert.notEqual(sealed.pii_sealed, before.pii_sealed);
  await reauthAs(app, cookies.pm, people.pm);
  assert.equal(JSON.parse((await reveal(cookies.pm, id, 'details')).json().value).contact, `手机 ${MOBILE}，身份证 ${ID}`);
  assert.equal(JSON.parse((await reveal(cookies.pm, id, 'outcome')).json().value).resolution, `已回复 ${MOBILE2}`);
  assert.equal((await reveal(cookies.pm, id, 'title')).json().value, `核对 ${MOBILE2} 的补卡`, 'the title sealed before is kept');

  // idempotent: a second pass finds nothing
  const again = await sealLegacyRows(db, keyRing(), new Date());
  assert.equal(again.find((t) => t.table === 'work_orders')?.resealed, 0);
  assert.equal((await row(id)).pii_sealed, sealed.pii_sealed);
});
