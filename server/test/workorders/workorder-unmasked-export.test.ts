/**
 * The unmasked export (明文导出) under an approved data extraction: refused
 * before the agency signs, to anyone but the executor, without a fresh
 * re-authentication, after the access window, and a second time; inside the
 * window the executor gets an Excel with the original ID number, a watermark
 * on every sheet, recorded as the order's execution and audited without values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildUser, reauthAs, signInAs } from '../helpers/factories.ts';
import { sm3Hex } from '../../src/shared/crypto.ts';
import { buildWorkOrderContract, dataExtraction, signInAll } from './workorder-fixtures.ts';

// Fictitious values that pass their checksums (no real person).
const ID = '11010519491231002X';
const MOBILE = '13812345678';
const OLD_ID = '110101199003074477';

const app = useTestApp();

const HOUR = 3_600_000;

async function setup() {
  const db = testDb();
  const { contractId, people } = await buildWorkOrderContract(db);
  const cookies = await signInAll(app, people);
  const desk = await buildUser(db, { contractId, roles: ['deskAgent'] });
  const deskCookie = await signInAs(app, desk);
  const incident = async (title: string, description: string, reportedAt: Date) => {
    const r = await app.inject({
      method: 'POST',
      url: `/api/contracts/${contractId}/incidents`,
      headers: { cookie: deskCookie },
      payload: { title, description, systemKey: 'S1', channel: 'phone', reporterName: '张三丰', reporterContact: MOBILE, reportedAt: reportedAt.toISOString(), levelKey: 'P1' },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const now = Date.now();
  await incident(`市民补卡失败，身份证 ${ID}`, `来电人手机 ${MOBILE}，补卡进度查询失败`, new Date(now - HOUR));
  // outside the export scope (reported before it starts)
  await incident(`旧故障，身份证 ${OLD_ID}`, '去年的记录', new Date(now - 40 * 24 * HOUR));
  return { db, contractId, people, cookies };
}

async function command(cookie: string, id: string, version: number, cmd: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/api/work-orders/${id}/commands`, headers: { cookie }, payload: { version, command: cmd } });
}
async function exportOf(cookie: string, id: string) {
  return app.inject({ method: 'POST', url: `/api/work-orders/${id}/unmasked-export`, headers: { cookie } });
}

/** An extraction asking for the unmasked export of the last week's incidents of S1, submitted and (optionally) signed. */
async function exportOrder(s: Awaited<ReturnType<typeof setup>>, sign: boolean) {
  const now = Date.now();
  const exportScope = { records: 'incidents', reportedFrom: new Date(now - 7 * 24 * HOUR).toISOString(), reportedTo: new Date(now + HOUR).toISOString(), systemKeys: ['S1'] };
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${s.contractId}/work-orders`,
    headers: { cookie: s.cookies.engineer },
    payload: dataExtraction(s.people.engineer.id, new Date(now - 5 * 60_000), new Date(now + 2 * HOUR), { requesterUserId: s.people.reviewer.id, details: { ...dataExtraction('', new Date(), new Date()).details, exportScope } }),
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  let r = await command(s.cookies.engineer, id, 1, { type: 'submit' });
  assert.equal(r.statusCode, 200, r.body);
  if (sign) {
    await reauthAs(app, s.cookies.lead, s.people.lead);
    r = await command(s.cookies.lead, id, r.json().version, { type: 'approve', comment: '同意导出，限核对使用' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().state, 'approved');
  }
  return { id, number: created.json().number as string };
}

async function exportAudits(id: string) {
  return testDb().selectFrom('audit_log').select(['action', 'after', 'actor_user_id']).where('entity_id', '=', id).where('action', '=', 'privacy.unmaskedExported').execute();
}

test('before the agency signs, the unmasked export is refused and nothing is recorded', async () => {
  const s = await setup();
  const { id } = await exportOrder(s, false);
  await reauthAs(app, s.cookies.engineer, s.people.engineer);
  const r = await exportOf(s.cookies.engineer, id);
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'UNMASKED_EXPORT_NOT_ALLOWED');
  assert.match(r.json().error.message, /尚未经甲方审批签字/);
  assert.equal(r.body.includes(ID), false);
  assert.deepEqual(await exportAudits(id), []);
  const wo = await testDb().selectFrom('work_orders').select(['state', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
  assert.deepEqual(wo, { state: 'pendingApproval', version: 2 });
});

test('inside the approved window the executor downloads the unmasked incidents once, watermarked, recorded as the execution and audited', async () => {
  const s = await setup();
  const { id, number } = await exportOrder(s, true);

  // only the executor; and only after re-authenticating
  let r = await exportOf(s.cookies.pm, id);
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'UNMASKED_EXPORT_NOT_ALLOWED');
  assert.match(r.json().error.message, /只有工单指定的执行人/);
  r = await exportOf(s.cookies.engineer, id);
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'REAUTH_REQUIRED');
  assert.deepEqual(await exportAudits(id), []);

  await reauthAs(app, s.cookies.engineer, s.people.engineer);
  r = await exportOf(s.cookies.engineer, id);
  assert.equal(r.statusCode, 200, r.body);
  assert.match(String(r.headers['content-type']), /spreadsheetml/);
  assert.match(decodeURIComponent(String(r.headers['content-disposition'])), new RegExp(`明文导出-${number}\\.xlsx`));
  const file = r.rawPayload;
  const digest = sm3Hex(file);
  assert.equal(r.headers['x-content-sm3'], digest);

  const wb = new ExcelJS.Workbook();
  const bytes = new Uint8Array(file.byteLength);
  bytes.set(file);
  await wb.xlsx.load(bytes.buffer);
  const sheet = wb.getWorksheet('故障工单');
  assert.ok(sheet);
  const cells = (row: number) => (sheet.getRow(row).values as unknown[]).map((v) => String(v ?? ''));
  const mark = String(sheet.getCell(1, 1).value);
  assert.match(mark, new RegExp(`明文导出 · 工单 ${number} · 导出人 .*（${s.people.engineer.username}） · \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}`));
  assert.ok(cells(2).includes('标题') && cells(2).includes('联系方式'), 'the header follows the watermark');
  assert.equal(sheet.rowCount, 3, 'watermark, header, the one incident in scope');
  const data = cells(3).join('|');
  assert.ok(data.includes(`市民补卡失败，身份证 ${ID}`), 'the original ID number, opened from the SM4 envelope');
  assert.ok(data.includes(MOBILE) && data.includes('张三丰'));
  assert.equal(data.includes(OLD_ID), false);
  for (const ws of wb.worksheets) assert.equal(String(ws.getCell(1, 1).value), mark, `watermark on ${ws.name}`);
  assert.ok(wb.getWorksheet('导出说明'));

  // recorded as the order's execution, with the server's digest
  const d = (await app.inject({ url: `/api/work-orders/${id}`, headers: { cookie: s.cookies.engineer } })).json();
  assert.equal(d.workOrder.state, 'executed');
  assert.equal(d.workOrder.outcome.execution.output.sm3, digest);
  assert.equal(d.workOrder.outcome.execution.output.declared, false);
  assert.equal(d.workOrder.outcome.execution.afterCount, 1);
  assert.match(d.workOrder.outcome.execution.statement, /明文导出故障单/);

  // audited once: order, rows, file SM3, never a value
  const audits = await exportAudits(id);
  assert.equal(audits.length, 1);
  const after = audits[0]?.after as { workOrderId: string; rows: number; fileSm3: string };
  assert.equal(after.workOrderId, id);
  assert.equal(after.rows, 1);
  assert.equal(after.fileSm3, digest);
  assert.equal(audits[0]?.actor_user_id, s.people.engineer.id);
  const all = await testDb().selectFrom('audit_log').select('after').where('entity_id', '=', id).execute();
  const text = JSON.stringify(all);
  assert.equal(text.includes(ID) || text.includes(MOBILE), false, 'no value in the audit trail');

  // once only
  r = await exportOf(s.cookies.engineer, id);
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'UNMASKED_EXPORT_NOT_ALLOWED');
  assert.match(r.json().error.message, /只能导出一次/);
  assert.equal((await exportAudits(id)).length, 1);
});

test('after the approved window the unmasked export is refused', async () => {
  const s = await setup();
  const { id } = await exportOrder(s, true);
  // the window has passed (the grant's times are what is checked, before the sweep runs)
  const past = { start: new Date(Date.now() - 3 * HOUR), end: new Date(Date.now() - HOUR) };
  await s.db.updateTable('work_orders').set({ window_start: past.start, window_end: past.end }).where('id', '=', id).execute();
  await s.db.updateTable('data_access_grants').set({ starts_at: past.start, ends_at: past.end }).where('work_order_id', '=', id).execute();
  await reauthAs(app, s.cookies.engineer, s.people.engineer);
  const r = await exportOf(s.cookies.engineer, id);
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'UNMASKED_EXPORT_NOT_ALLOWED');
  assert.match(r.json().error.message, /实施窗口已于 .* 结束/);
  assert.equal(r.body.includes(ID), false);
  assert.deepEqual(await exportAudits(id), []);
  assert.equal((await s.db.selectFrom('work_orders').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state, 'approved');
});

test('a data work order of another subtype may not ask for an unmasked export', async () => {
  const s = await setup();
  const now = Date.now();
  const base = dataExtraction(s.people.engineer.id, new Date(now), new Date(now + HOUR));
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${s.contractId}/work-orders`,
    headers: { cookie: s.cookies.engineer },
    payload: { ...base, subtype: 'correction', details: { ...base.details, exportScope: { records: 'incidents', reportedFrom: new Date(now - HOUR).toISOString(), reportedTo: new Date(now).toISOString() } } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const r = await command(s.cookies.engineer, created.json().id, 1, { type: 'submit' });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.code, 'WORK_ORDER_INCOMPLETE');
  assert.match(r.json().error.message, /明文导出只能通过「数据提取」工单申请/);
});
