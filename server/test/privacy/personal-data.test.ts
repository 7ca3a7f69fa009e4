import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { closeTestDb, testDb } from '../helpers/db.ts';
import { buildContract, buildTestApp, buildUser, reauthAs, signInAs } from '../helpers/factories.ts';
import { sm3Hex } from '../../src/shared/crypto.ts';

// Fictitious values that pass their checksums (no real person or card).
const ID = '11010519491231002X';
const MOBILE = '13812345678';
const CARD = '6222020200112233446';

let app: FastifyInstance;
before(async () => {
  app = await buildTestApp(testDb());
});
after(async () => {
  await app.close();
  await closeTestDb();
});

function multipart(fileName: string, content: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----yunwei-pii-boundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  return { payload: Buffer.concat([head, content, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

async function setup() {
  const db = testDb();
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const engineer = await buildUser(db, { contractId: c.id, roles: ['engineer'] });
  const admin = await buildUser(db, { contractId: c.id, roles: ['agencyAdmin'] });
  const deskCookie = await signInAs(app, desk);
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/incidents`,
    headers: { cookie: deskCookie },
    payload: {
      title: `市民补卡失败，身份证 ${ID}`,
      description: `来电人手机 ${MOBILE}，退款银行卡 ${CARD}，社保卡补卡进度查询失败`,
      systemKey: 'S1',
      channel: 'phone',
      reporterName: '张三丰',
      reporterContact: MOBILE,
      reportedAt: new Date().toISOString(),
      levelKey: 'P1',
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  return { db, c, desk, engineer, admin, deskCookie, id: created.json().id as string };
}

function containsPlain(text: string): boolean {
  return text.includes(ID) || text.includes(MOBILE) || text.includes(CARD) || text.includes('张三丰');
}

test('personal data is masked in the API and stored only as SM4 ciphertext', async () => {
  const { db, id, deskCookie, desk } = await setup();
  const detail = await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: deskCookie } });
  assert.equal(detail.statusCode, 200);
  const d = detail.json().incident;
  assert.equal(d.title, '市民补卡失败，身份证 110105********002X');
  assert.match(d.description, /138\*{4}5678/);
  assert.match(d.description, /6222 \*{4} \*{4} \*{4} 3446/);
  assert.equal(d.reporterName, '张*丰');
  assert.equal(d.reporterContact, '138****5678');
  assert.equal(containsPlain(detail.body), false, 'no full value anywhere in the JSON');

  const row = await sql<{ j: string; sealed: string }>`SELECT row_to_json(i)::text AS j, pii_sealed AS sealed FROM incidents i WHERE id = ${id}::uuid`.execute(db);
  assert.equal(containsPlain(row.rows[0]?.j ?? ''), false, 'the database row holds no plaintext');
  assert.match(row.rows[0]?.sealed ?? '', /^sm4c1\.ktest\./, 'the originals are an SM4 envelope');
  const events = await sql<{ j: string }>`SELECT coalesce(string_agg(row_to_json(e)::text, ''), '') AS j FROM incident_events e WHERE incident_id = ${id}::uuid`.execute(db);
  assert.equal(containsPlain(events.rows[0]?.j ?? ''), false, 'nor the timeline');
  const audit = await sql<{ j: string }>`SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') AS j FROM audit_log a WHERE entity_id = ${id}`.execute(db);
  assert.equal(containsPlain(audit.rows[0]?.j ?? ''), false, 'nor the audit trail');

  await reauthAs(app, deskCookie, desk);
  const xlsx = await app.inject({ url: `/api/contracts/${(await db.selectFrom('incidents').select('contract_id').where('id', '=', id).executeTakeFirstOrThrow()).contract_id}/incidents/export.xlsx`, headers: { cookie: deskCookie } });
  assert.equal(xlsx.statusCode, 200, xlsx.body);
  const xlsxText = Object.values(unzipSync(new Uint8Array(xlsx.rawPayload))).map((f) => strFromU8(f)).join('');
  assert.equal(containsPlain(xlsxText), false, 'the Excel export is masked');
  assert.match(xlsxText, /110105\*{8}002X/);
  const docx = await app.inject({ url: `/api/incidents/${id}/serious-fault-record.docx`, headers: { cookie: deskCookie } });
  assert.equal(docx.statusCode, 200);
  const docText = Object.values(unzipSync(new Uint8Array(docx.rawPayload))).map((f) => strFromU8(f)).join('');
  assert.equal(containsPlain(docText), false, 'the generated report is masked');
  assert.match(docText, /110105\*{8}002X/);
});

test('a full phone or ID number finds the incident through its blind index', async () => {
  const { c, id, deskCookie } = await setup();
  const byPhone = await app.inject({ url: `/api/contracts/${c.id}/incidents?q=${MOBILE}`, headers: { cookie: deskCookie } });
  assert.deepEqual(byPhone.json().map((i: { id: string }) => i.id), [id]);
  const byId = await app.inject({ url: `/api/contracts/${c.id}/incidents?q=${ID.toLowerCase()}`, headers: { cookie: deskCookie } });
  assert.deepEqual(byId.json().map((i: { id: string }) => i.id), [id]);
  const other = await app.inject({ url: `/api/contracts/${c.id}/incidents?q=13900001111`, headers: { cookie: deskCookie } });
  assert.deepEqual(other.json(), []);
  const text = await app.inject({ url: `/api/contracts/${c.id}/incidents?q=${encodeURIComponent('补卡')}`, headers: { cookie: deskCookie } });
  assert.deepEqual(text.json().map((i: { id: string }) => i.id), [id], 'Chinese substring search still works on the masked text');
});

test('the search table follows every write of an incident: lifecycle commands leave it alone, a resolution with a number is indexed, anonymising empties it', async () => {
  const { db, c, id, deskCookie } = await setup();
  const searchRow = () => sql<{ doubled: string; pii_index: string[]; v: string }>`SELECT doubled, pii_index, xmin::text AS v FROM incident_search WHERE incident_id = ${id}::uuid`.execute(db).then((r) => r.rows[0]);
  const found = async (q: string) => (await app.inject({ url: `/api/contracts/${c.id}/incidents?q=${encodeURIComponent(q)}`, headers: { cookie: deskCookie } })).json().map((i: { id: string }) => i.id);
  const created = await searchRow();
  assert.ok(created?.doubled.includes('补补卡卡'), 'the doubled text is written with the incident');
  assert.equal(created?.pii_index.length, 3, 'the ID number, the mobile and the card');

  const command = async (payload: Record<string, unknown>) => {
    const version = (await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: deskCookie } })).json().incident.version as number;
    const r = await app.inject({ method: 'POST', url: `/api/incidents/${id}/commands`, headers: { cookie: deskCookie }, payload: { version, command: payload } });
    assert.equal(r.statusCode, 200, r.body);
  };
  await command({ type: 'acknowledge' });
  assert.equal((await searchRow())?.v, created?.v, 'a status change does not rewrite the search row');
  const otherMobile = '13987654321';
  await command({ type: 'resolve', resolution: `已联系 ${otherMobile} 完成补卡` });
  assert.equal((await searchRow())?.pii_index.length, 4, 'the number in the resolution is indexed');
  assert.deepEqual(await found(otherMobile), [id]);

  // what retention and close-out do to the row: the search table follows
  await db.updateTable('incidents').set({ pii_index: sql<string[]>`'{}'::text[]` }).where('id', '=', id).execute();
  assert.deepEqual((await searchRow())?.pii_index, []);
  assert.deepEqual(await found(MOBILE), [], 'an anonymised incident is no longer found by the number');
  assert.deepEqual(await found('补卡'), [id], 'its masked text still is');
});

async function reveal(cookie: string, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/pii/reveal', headers: { cookie }, payload: { entityType: 'incident', ...body } });
}

test('revealing needs re-authentication, the permission and a reason, is audited without the value, and is rate-limited', async () => {
  const { db, id, deskCookie, desk, engineer } = await setup();
  const stale = await reveal(deskCookie, { entityId: id, field: 'reporterContact', reason: '回访核实来电人' });
  assert.equal(stale.statusCode, 403);
  assert.equal(stale.json().error.code, 'REAUTH_REQUIRED');
  const engCookie = await signInAs(app, engineer);
  await reauthAs(app, engCookie, engineer);
  const denied = await reveal(engCookie, { entityId: id, field: 'reporterContact', reason: '回访核实' });
  assert.equal(denied.statusCode, 403, 'engineers may not reveal');
  assert.equal(denied.json().error.code, 'FORBIDDEN');
  await reauthAs(app, deskCookie, desk);
  const noReason = await reveal(deskCookie, { entityId: id, field: 'reporterContact', reason: ' ' });
  assert.equal(noReason.statusCode, 400);
  assert.equal(noReason.json().error.code, 'PII_REVEAL_REASON_REQUIRED');

  const again = await reveal(deskCookie, { entityId: id, field: 'reporterContact', reason: '回访核实来电人' });
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json().value, MOBILE);
  const desc = await reveal(deskCookie, { entityId: id, field: 'description', reason: '核对退款银行卡' });
  assert.match(desc.json().value, new RegExp(CARD));

  const rows = await db.selectFrom('audit_log').select(['action', 'after', 'actor_user_id']).where('entity_id', '=', id).where('action', '=', 'pii.revealed').execute();
  assert.equal(rows.length, 2);
  assert.deepEqual((rows[0]?.after as { field: string; reason: string }).reason, '回访核实来电人');
  assert.equal(JSON.stringify(rows).includes(MOBILE), false, 'the audit row names the field, not the value');

  for (let i = 2; i < 20; i++) assert.equal((await reveal(deskCookie, { entityId: id, field: 'title', reason: `批量核对 ${i}` })).statusCode, 200);
  const limited = await reveal(deskCookie, { entityId: id, field: 'title', reason: '第二十一次' });
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json().error.code, 'PII_REVEAL_RATE_LIMITED');
});

test('another contract\'s user cannot reveal: 404', async () => {
  const a = await setup();
  const b = await setup();
  await reauthAs(app, b.deskCookie, b.desk);
  const r = await reveal(b.deskCookie, { entityId: a.id, field: 'reporterContact', reason: '越权尝试查看' });
  assert.equal(r.statusCode, 404);
});

test('close-out: return package, destruction, verification and certificate leave no personal data behind', async () => {
  const s = await setup();
  const up = await app.inject({ method: 'POST', url: `/api/incidents/${s.id}/attachments`, headers: { cookie: s.deskCookie, ...multipart('截图.png', PNG).headers }, payload: multipart('截图.png', PNG).payload });
  assert.equal(up.statusCode, 201);
  // the vendor engineer is on the roster (the factory enrols vendor users), with the signed confidentiality agreement on file
  const staff = await s.db.selectFrom('staff_members').select(['id', 'person_name']).where('contract_id', '=', s.c.id).where('user_id', '=', s.engineer.id).executeTakeFirstOrThrow();
  const agreement = await s.db.selectFrom('staff_documents').select(['id', 'digest_sm3']).where('staff_member_id', '=', staff.id).where('kind', '=', 'agreement').executeTakeFirstOrThrow();
  const adminCookie = await signInAs(app, s.admin);
  const reauth = (): Promise<void> => reauthAs(app, adminCookie, s.admin);
  await reauth();
  const early = await app.inject({ method: 'POST', url: `/api/contracts/${s.c.id}/closeout/destroy`, headers: { cookie: adminCookie }, payload: { confirmCode: s.c.code } });
  assert.equal(early.statusCode, 400, 'no destruction before the return package');
  await reauthAs(app, s.deskCookie, s.desk);
  const deskExport = await app.inject({ method: 'POST', url: `/api/contracts/${s.c.id}/closeout/export`, headers: { cookie: s.deskCookie } });
  assert.equal(deskExport.json().error.code, 'FORBIDDEN', 'the vendor desk may not export the return package');

  await reauth();
  const exp = await app.inject({ method: 'POST', url: `/api/contracts/${s.c.id}/closeout/export`, headers: { cookie: adminCookie } });
  assert.equal(exp.statusCode, 200, exp.body);
  assert.equal(exp.headers['content-type'], 'application/zip');
  const zip = unzipSync(new Uint8Array(exp.rawPayload));
  const manifest = JSON.parse(strFromU8(zip['manifest.json'] ?? new Uint8Array())) as { files: { path: string }[] };
  assert.ok(manifest.files.some((f) => f.path.startsWith('附件/incident/')), 'the files are in the package');
  const agreementPath = Object.keys(zip).find((p) => p.startsWith(`人员档案/${staff.person_name}/保密协议-`));
  assert.ok(agreementPath, `the staff agreement is in the package: ${Object.keys(zip).join(', ')}`);
  assert.equal(sm3Hex(zip[agreementPath] ?? new Uint8Array()), agreement.digest_sm3, 'byte for byte');
  assert.ok(manifest.files.some((f) => f.path === agreementPath));
  const records = Object.entries(unzipSync(zip['记录.xlsx'] ?? new Uint8Array())).map(([, f]) => strFromU8(f)).join('');
  assert.ok(records.includes(ID) && records.includes(MOBILE), 'the agency gets its data back in full');
  assert.ok(records.includes('乙方人员名册') && records.includes(staff.person_name), 'and the vendor staff roster');

  const wrong = await app.inject({ method: 'POST', url: `/api/contracts/${s.c.id}/closeout/destroy`, headers: { cookie: adminCookie }, payload: { confirmCode: 'WRONG' } });
  assert.equal(wrong.statusCode, 400);
  await reauth();
  const destroyed = await app.inject({ method: 'POST', url: `/api/contracts/${s.c.id}/closeout/destroy`, headers: { cookie: adminCookie }, payload: { confirmCode: s.c.code } });
  assert.equal(destroyed.statusCode, 200, destroyed.body);
  assert.equal(destroyed.json().status, 'destroyed');

  // vendor access withdrawn at once
  assert.equal((await app.inject({ url: `/api/incidents/${s.id}`, headers: { cookie: s.deskCookie } })).statusCode, 401);
  // nothing left to reveal, and the file is gone
  const row = await s.db.selectFrom('incidents').select(['pii_sealed', 'pii_index']).where('id', '=', s.id).executeTakeFirstOrThrow();
  assert.equal(row.pii_sealed, null);
  assert.deepEqual(row.pii_index, []);
  const att = await s.db.selectFrom('attachments').select(['content', 'destroyed_at']).where('subject_id', '=', s.id).executeTakeFirstOrThrow();
  assert.equal(att.content, null);
  assert.ok(att.destroyed_at);
  const doc = await s.db.selectFrom('staff_documents').select(['content', 'destroyed_at']).where('id', '=', agreement.id).executeTakeFirstOrThrow();
  assert.equal(doc.content, null, 'the staff agreement is destroyed with the rest');
  assert.ok(doc.destroyed_at);
  const gone = await app.inject({ url: `/api/staff-documents/${agreement.id}`, headers: { cookie: adminCookie } });
  assert.equal(gone.statusCode, 404);
  assert.match(gone.json().error.message, /合同终止时销毁/);
  const all = await sql<{ j: string }>`
    SELECT coalesce(string_agg(t, ''), '') AS j FROM (
      SELECT row_to_json(i)::text AS t FROM incidents i WHERE contract_id = ${s.c.id}::uuid
      UNION ALL SELECT row_to_json(e)::text FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE i.contract_id = ${s.c.id}::uuid
      UNION ALL SELECT row_to_json(a)::text FROM audit_log a WHERE contract_id = ${s.c.id}::uuid
    ) x`.execute(s.db);
  assert.equal(containsPlain(all.rows[0]?.j ?? ''), false, 'no personal data left in the contract\'s rows');

  const verified = await app.inject({ method: 'POST', url: `/api/contracts/${s.c.id}/closeout/verify`, headers: { cookie: adminCookie } });
  assert.equal(verified.statusCode, 200, verified.body);
  assert.equal(verified.json().status, 'verified');
  const checks = (verified.json().verification as { checks: { remaining: number }[] }).checks;
  assert.ok(checks.length >= 2 && checks.every((c) => c.remaining === 0));
  assert.ok(JSON.stringify(verified.json().verification).includes('乙方人员档案文件'), 'the staff files are verified too');

  const pdf = await app.inject({ url: `/api/contracts/${s.c.id}/closeout/certificate.pdf`, headers: { cookie: adminCookie } });
  assert.equal(pdf.statusCode, 200, pdf.body);
  assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  // YUNWEI_TEST_ARTIFACTS=dir keeps the certificate for a visual check (pdftoppm).
  if (process.env['YUNWEI_TEST_ARTIFACTS']) writeFileSync(join(process.env['YUNWEI_TEST_ARTIFACTS'], 'destruction-certificate.pdf'), pdf.rawPayload);
  const actions = await s.db.selectFrom('audit_log').select('action').where('contract_id', '=', s.c.id).where('action', 'like', 'closeout.%').orderBy('seq').execute();
  assert.deepEqual(actions.map((a) => a.action), ['closeout.exported', 'closeout.destroyed', 'closeout.verified']);
});
