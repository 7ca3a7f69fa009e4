/**
 * Security labels (security.md check 8, and check 4's `{label: "公开"}`): a
 * user cleared for 内部 never sees a 敏感 incident or work order in a list, a
 * keyword search, a total, the board, the Excel export or the approvals
 * inbox, and gets 404 on its detail, commands and attachments; a user
 * cleared for 敏感 sees it. Labels change only through the audited label
 * command, by the agency's administrator or project lead, never above their
 * own clearance; other bodies naming a label are refused whole. A label
 * changed directly in the database fails its HMAC-SM3: the record reads as
 * 敏感 at once, and `yunwei integrity verify` reports it (exit code 2), writes
 * one audit row and notifies the auditor and the agency administrator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { useTestApp } from '../helpers/app.ts';
import { isolatedDb, testDb } from '../helpers/db.ts';
import { buildContract, buildTestApp, buildUser, enrolTestStaff, reauthAs, signInAs } from '../helpers/factories.ts';
import { multipart, PNG } from '../helpers/upload.ts';
import type { Db } from '../../src/db/database.ts';
import { grantRole } from '../../src/orgs/user.service.ts';
import { ROLES, type Role } from '../../src/auth/roles.ts';
import type { SecurityLabel } from '../../src/labels/security-label.ts';
import { loadOrCreateKeyRing } from '../../src/privacy/key-ring.ts';
import { installKeyRing } from '../../src/privacy/pii-vault.ts';
import { verifySecurityLabels } from '../../src/labels/label-integrity.ts';
import { labelMac, labelMacSql } from '../../src/labels/label-mac.ts';
import { sql } from 'kysely';

const app = useTestApp();
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'yunwei.mjs');

type Person = { id: string; username: string; password: string; cookie: string };

/** A user holding `role` in the contract with `clearance`, signed in to `on`. */
async function member(db: Db, on: FastifyInstance, contractId: string, role: Role, clearance?: SecurityLabel): Promise<Person> {
  const u = await buildUser(db);
  if (ROLES[role].side === 'vendor') await enrolTestStaff(db, contractId, u.id, `测试${u.username}`);
  await grantRole(db, null, { userId: u.id, contractId, role, clearance }, new Date());
  return { ...u, cookie: await signInAs(on, u) };
}

function reportBody(title: string, extra: Record<string, unknown> = {}) {
  return { title, description: '网点反映补卡业务无法办理', systemKey: 'S1', channel: 'phone', reporterName: '网点负责人', reportedAt: new Date().toISOString(), levelKey: 'P1', ...extra };
}

async function report(on: FastifyInstance, contractId: string, cookie: string, title: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await on.inject({ method: 'POST', url: `/api/contracts/${contractId}/incidents`, headers: { cookie }, payload: reportBody(title, extra) });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id as string;
}

async function raiseOrder(on: FastifyInstance, contractId: string, cookie: string, title: string): Promise<string> {
  const r = await on.inject({ method: 'POST', url: `/api/contracts/${contractId}/work-orders`, headers: { cookie }, payload: { kind: 'serviceRequest', subtype: 'accountChange', title, description: '为网点新增柜员账号' } });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id as string;
}

async function setLabel(on: FastifyInstance, path: string, cookie: string, version: number, securityLabel: SecurityLabel) {
  return on.inject({ method: 'POST', url: `${path}/label`, headers: { cookie }, payload: { version, securityLabel, reason: '涉及个人敏感信息' } });
}

/**
 * A contract where the desk reports an ordinary incident and raises two
 * account-change orders (both submitted, waiting on 甲方系统管理员), and the
 * project lead, cleared for 敏感, reports a sensitive incident (with an
 * attachment) and marks one order sensitive.
 */
async function world() {
  const db = testDb();
  const c = await buildContract(db);
  const desk = await member(db, app, c.id, 'deskAgent');
  const lead = await member(db, app, c.id, 'agencyProjectLead', 'sensitive');
  const internalReader = await member(db, app, c.id, 'agencyReviewer');
  const sensitiveReader = await member(db, app, c.id, 'agencyReviewer', 'sensitive');
  const internalAdmin = await member(db, app, c.id, 'agencyAdmin');
  const sensitiveAdmin = await member(db, app, c.id, 'agencyAdmin', 'sensitive');

  const ordinary = await report(app, c.id, desk.cookie, '建外社保所补卡失败');
  const sensitive = await report(app, c.id, lead.cookie, '低保对象补卡信息泄露排查', { securityLabel: 'sensitive' });
  const upload = multipart('截图.png', PNG);
  const file = await app.inject({ method: 'POST', url: `/api/incidents/${sensitive}/attachments`, headers: { cookie: lead.cookie, ...upload.headers }, payload: upload.payload });
  assert.equal(file.statusCode, 201, file.body);

  const plainOrder = await raiseOrder(app, c.id, desk.cookie, '建外社保所新增柜员账号');
  const secretOrder = await raiseOrder(app, c.id, desk.cookie, '低保审核岗新增柜员账号');
  for (const id of [plainOrder, secretOrder]) {
    const r = await app.inject({ method: 'POST', url: `/api/work-orders/${id}/commands`, headers: { cookie: desk.cookie }, payload: { version: 1, command: { type: 'submit' } } });
    assert.equal(r.statusCode, 200, r.body);
  }
  const marked = await setLabel(app, `/api/work-orders/${secretOrder}`, lead.cookie, 2, 'sensitive');
  assert.equal(marked.statusCode, 200, marked.body);
  return { db, c, desk, lead, internalReader, sensitiveReader, internalAdmin, sensitiveAdmin, ordinary, sensitive, fileId: file.json().id as string, plainOrder, secretOrder };
}

async function get(url: string, cookie: string) {
  return app.inject({ url, headers: { cookie } });
}

const ids = (r: { json(): unknown }) => (r.json() as { id: string }[]).map((x) => x.id);

async function exportText(url: string, user: Person): Promise<string> {
  await reauthAs(app, user.cookie, user);
  const xlsx = await get(url, user.cookie);
  assert.equal(xlsx.statusCode, 200, xlsx.body);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  return book.worksheets.flatMap((s) => s.getSheetValues().flat().map(String)).join('\n');
}

test('incidents: a user cleared for 内部 never sees a 敏感 incident; one cleared for 敏感 does', async () => {
  const w = await world();
  const base = `/api/contracts/${w.c.id}/incidents`;
  for (const [who, expected] of [
    [w.internalReader, [w.ordinary]],
    [w.desk, [w.ordinary]],
    [w.sensitiveReader, [w.ordinary, w.sensitive].sort()],
  ] as const) {
    assert.deepEqual(ids(await get(base, who.cookie)).sort(), expected, 'list');
    assert.deepEqual(ids(await get(`${base}?q=${encodeURIComponent('补卡')}`, who.cookie)).sort(), expected, 'keyword search');
    assert.deepEqual(ids(await get(`${base}?openOnly=true&limit=50`, who.cookie)).sort(), expected, 'board');
  }

  // detail, attachments, commands, report-ups: 404 exactly like a record that does not exist
  const detail = await get(`/api/incidents/${w.sensitive}`, w.internalReader.cookie);
  assert.equal(detail.statusCode, 404);
  assert.equal(detail.json().error.code, 'INCIDENT_NOT_FOUND');
  assert.equal((await get(`/api/incidents/${w.sensitive}/attachments`, w.internalReader.cookie)).statusCode, 404);
  assert.equal((await get(`/api/attachments/${w.fileId}`, w.internalReader.cookie)).statusCode, 404);
  assert.equal((await get(`/api/incidents/${w.sensitive}/report-ups`, w.internalReader.cookie)).statusCode, 404);
  assert.equal((await get(`/api/incidents/${w.sensitive}/serious-fault-record.docx`, w.internalReader.cookie)).statusCode, 404);
  const ack = await app.inject({ method: 'POST', url: `/api/incidents/${w.sensitive}/commands`, headers: { cookie: w.desk.cookie }, payload: { version: 1, command: { type: 'acknowledge' } } });
  assert.equal(ack.statusCode, 404);
  assert.equal((await w.db.selectFrom('incidents').select('status').where('id', '=', w.sensitive).executeTakeFirstOrThrow()).status, 'new');

  // the Excel export
  const internalText = await exportText(`${base}/export.xlsx`, w.internalReader);
  assert.match(internalText, /建外社保所补卡失败/);
  assert.doesNotMatch(internalText, /低保对象/);
  assert.match(await exportText(`${base}/export.xlsx`, w.sensitiveReader), /低保对象补卡信息泄露排查/);

  // cleared for 敏感: the detail shows the label, in Chinese, and the attachment opens
  const seen = await get(`/api/incidents/${w.sensitive}`, w.sensitiveReader.cookie);
  assert.equal(seen.statusCode, 200, seen.body);
  assert.equal(seen.json().incident.securityLabel, 'sensitive');
  assert.equal(seen.json().incident.securityLabelName, '敏感');
  assert.equal(seen.json().incident.labelIntegrityFailed, false);
  assert.equal(seen.json().canChangeLabel, false, 'a reviewer does not set labels');
  assert.equal((await get(`/api/attachments/${w.fileId}`, w.sensitiveReader.cookie)).statusCode, 200);
  const leadView = await get(`/api/incidents/${w.sensitive}`, w.lead.cookie);
  assert.equal(leadView.json().canChangeLabel, true);
  assert.deepEqual(leadView.json().labelChoices, ['public', 'internal', 'sensitive']);
  assert.deepEqual((await get(`/api/incidents/${w.ordinary}`, w.internalAdmin.cookie)).json().labelChoices, ['public', 'internal']);
});

test('the audit trail: an auditor cleared for 内部 does not see the rows about 敏感 records (nor their attachments), one cleared for 敏感 does', async () => {
  const w = await world();
  const internalAuditor = await member(w.db, app, w.c.id, 'auditor');
  const sensitiveAuditor = await member(w.db, app, w.c.id, 'auditor', 'sensitive');
  const rows = async (who: Person) => {
    const r = await get(`/api/audit?contractId=${w.c.id}&limit=500`, who.cookie);
    assert.equal(r.statusCode, 200, r.body);
    return r.json() as { entityType: string; entityId: string | null; action: string }[];
  };
  const about = (list: { entityType: string; entityId: string | null }[], id: string) => list.filter((r) => r.entityId === id).length;
  const internalRows = await rows(internalAuditor);
  const sensitiveRows = await rows(sensitiveAuditor);
  // both see the ordinary incident, the plain order and the contract-wide rows (grants)
  for (const list of [internalRows, sensitiveRows]) {
    assert.ok(about(list, w.ordinary) >= 1, 'rows about the ordinary incident');
    assert.ok(about(list, w.plainOrder) >= 1, 'rows about the plain order');
    assert.ok(list.some((r) => r.action.startsWith('membership.')), 'contract-wide rows');
  }
  // only the 敏感-cleared auditor sees the rows about the sensitive incident, its attachment and the sensitive order
  assert.equal(about(internalRows, w.sensitive), 0);
  assert.equal(about(internalRows, w.fileId), 0);
  assert.equal(about(internalRows, w.secretOrder), 0);
  assert.ok(about(sensitiveRows, w.sensitive) >= 1);
  assert.ok(about(sensitiveRows, w.fileId) >= 1);
  assert.ok(about(sensitiveRows, w.secretOrder) >= 1);
  // and the 敏感 title never reaches the 内部 auditor, not even in the export
  assert.doesNotMatch(JSON.stringify(internalRows), /低保/);
  const exported = await exportText(`/api/audit/export.xlsx?contractId=${w.c.id}`, internalAuditor);
  assert.doesNotMatch(exported, /低保/);
  assert.match(exported, /建外社保所/);
});

test('work orders: list, total, keyword search, detail, commands and the approvals inbox respect the clearance', async () => {
  const w = await world();
  const base = `/api/contracts/${w.c.id}/work-orders`;
  const list = async (who: Person, q = '') => (await get(`${base}${q}`, who.cookie)).json() as { items: { id: string }[]; total: number };
  const internal = await list(w.internalReader);
  assert.deepEqual(internal.items.map((o) => o.id), [w.plainOrder]);
  assert.equal(internal.total, 1, 'the total counts only what the user may see');
  assert.deepEqual((await list(w.internalReader, `?q=${encodeURIComponent('柜员')}`)).items.map((o) => o.id), [w.plainOrder]);
  const sensitive = await list(w.sensitiveReader);
  assert.equal(sensitive.total, 2);
  assert.deepEqual(sensitive.items.map((o) => o.id).sort(), [w.plainOrder, w.secretOrder].sort());

  assert.equal((await get(`/api/work-orders/${w.secretOrder}`, w.internalReader.cookie)).statusCode, 404);
  assert.equal((await get(`/api/work-orders/${w.secretOrder}/form.pdf`, w.internalReader.cookie)).statusCode, 404);
  // its own author, cleared for 内部, no longer sees it either
  assert.equal((await get(`/api/work-orders/${w.secretOrder}`, w.desk.cookie)).statusCode, 404);
  const detail = await get(`/api/work-orders/${w.secretOrder}`, w.sensitiveReader.cookie);
  assert.equal(detail.json().workOrder.securityLabel, 'sensitive');
  assert.equal(detail.json().events.at(-1).typeName, '调整安全标记');

  // both wait on 甲方系统管理员: the one cleared for 内部 is asked about the ordinary order only
  const inbox = async (who: Person) =>
    ((await get('/api/approvals/inbox', who.cookie)).json() as { workOrderId: string }[]).map((x) => x.workOrderId).filter((id) => id === w.plainOrder || id === w.secretOrder);
  assert.deepEqual(await inbox(w.internalAdmin), [w.plainOrder]);
  assert.deepEqual((await inbox(w.sensitiveAdmin)).sort(), [w.plainOrder, w.secretOrder].sort());
  const approve = await app.inject({ method: 'POST', url: `/api/work-orders/${w.secretOrder}/commands`, headers: { cookie: w.internalAdmin.cookie }, payload: { version: 3, command: { type: 'approve', comment: '同意' } } });
  assert.equal(approve.statusCode, 404);
  assert.equal((await w.db.selectFrom('work_orders').select('state').where('id', '=', w.secretOrder).executeTakeFirstOrThrow()).state, 'pendingApproval');
});

test('changing a label: the agency lead within their clearance, audited; vendors 403; other bodies naming a label 400, nothing changes', async () => {
  const w = await world();
  const row = async (id: string) => w.db.selectFrom('incidents').select(['security_label', 'version', 'label_mac']).where('id', '=', id).executeTakeFirstOrThrow();
  const before = await row(w.ordinary);
  assert.equal(before.security_label, 'internal');

  // a vendor role
  const byDesk = await setLabel(app, `/api/incidents/${w.ordinary}`, w.desk.cookie, 1, 'public');
  assert.equal(byDesk.statusCode, 403);
  assert.equal(byDesk.json().error.code, 'FORBIDDEN');
  // mass assignment: a label in the work-order edit, the incident report or a command body
  const patch = await app.inject({ method: 'PATCH', url: `/api/work-orders/${w.plainOrder}`, headers: { cookie: w.desk.cookie }, payload: { version: 2, label: '公开' } });
  assert.equal(patch.statusCode, 400);
  assert.equal(patch.json().error.code, 'VALIDATION_FAILED');
  assert.match(patch.json().error.message, /label/);
  const patch2 = await app.inject({ method: 'PATCH', url: `/api/work-orders/${w.plainOrder}`, headers: { cookie: w.desk.cookie }, payload: { version: 2, securityLabel: 'public' } });
  assert.equal(patch2.statusCode, 400);
  const cmd = await app.inject({ method: 'POST', url: `/api/incidents/${w.ordinary}/commands`, headers: { cookie: w.desk.cookie }, payload: { version: 1, command: { type: 'comment', text: '备注' }, label: '公开' } });
  assert.equal(cmd.statusCode, 400);
  const reportLabel = await app.inject({ method: 'POST', url: `/api/contracts/${w.c.id}/incidents`, headers: { cookie: w.desk.cookie }, payload: reportBody('带标记的报告', { label: '公开' }) });
  assert.equal(reportLabel.statusCode, 400);
  // above the caller's own clearance: at creation and in the command
  const tooHigh = await app.inject({ method: 'POST', url: `/api/contracts/${w.c.id}/incidents`, headers: { cookie: w.desk.cookie }, payload: reportBody('敏感报告', { securityLabel: 'sensitive' }) });
  assert.equal(tooHigh.statusCode, 403);
  assert.equal(tooHigh.json().error.code, 'SECURITY_LABEL_ABOVE_CLEARANCE');
  const internalLead = await member(w.db, app, w.c.id, 'agencyProjectLead');
  const raise = await setLabel(app, `/api/incidents/${w.ordinary}`, internalLead.cookie, 1, 'sensitive');
  assert.equal(raise.statusCode, 403);
  assert.equal(raise.json().error.code, 'SECURITY_LABEL_ABOVE_CLEARANCE');
  assert.match(raise.json().error.message, /不能把记录标记为「敏感」/);
  assert.deepEqual(await row(w.ordinary), before, 'nothing changed');
  assert.equal((await w.db.selectFrom('work_orders').select('version').where('id', '=', w.plainOrder).executeTakeFirstOrThrow()).version, 2);

  // the lead: version-checked, audited with before and after, on the timeline
  const stale = await setLabel(app, `/api/incidents/${w.ordinary}`, w.lead.cookie, 7, 'public');
  assert.equal(stale.statusCode, 409);
  const ok = await setLabel(app, `/api/incidents/${w.ordinary}`, w.lead.cookie, 1, 'public');
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json(), { id: w.ordinary, version: 2, securityLabel: 'public' });
  const after = await row(w.ordinary);
  assert.equal(after.security_label, 'public');
  assert.notEqual(after.label_mac, before.label_mac);
  const audit = await w.db.selectFrom('audit_log').select(['before', 'after', 'actor_role']).where('action', '=', 'incident.labelChanged').where('entity_id', '=', w.ordinary).execute();
  assert.equal(audit.length, 1);
  assert.deepEqual(audit[0]?.before, { securityLabel: 'internal', labelIntact: true, version: 1 });
  assert.deepEqual(audit[0]?.after, { securityLabel: 'public', version: 2, reason: '涉及个人敏感信息' });
  assert.equal(audit[0]?.actor_role, 'agencyProjectLead');
  const same = await setLabel(app, `/api/incidents/${w.ordinary}`, w.lead.cookie, 2, 'public');
  assert.equal(same.statusCode, 400, 'the same label again');
});

test('clearance: set per grant by the agency administrator, never above their own, audited; it decides what the holder sees', async () => {
  const w = await world();
  const members = (await get(`/api/contracts/${w.c.id}/members`, w.sensitiveAdmin.cookie)).json() as { id: string; userId: string; clearance: string }[];
  const grant = members.find((m) => m.userId === w.internalReader.id);
  assert.equal(grant?.clearance, 'internal');
  const url = `/api/contracts/${w.c.id}/members/${grant?.id}`;

  const byInternal = await app.inject({ method: 'PATCH', url, headers: { cookie: w.internalAdmin.cookie }, payload: { clearance: 'sensitive' } });
  assert.equal(byInternal.statusCode, 403);
  assert.equal(byInternal.json().error.code, 'SECURITY_LABEL_ABOVE_CLEARANCE');
  const newUser = await buildUser(w.db);
  const grantHigh = await app.inject({ method: 'POST', url: `/api/contracts/${w.c.id}/members`, headers: { cookie: w.internalAdmin.cookie }, payload: { userId: newUser.id, role: 'readOnly', clearance: 'sensitive' } });
  assert.equal(grantHigh.statusCode, 403);
  assert.equal((await w.db.selectFrom('memberships').select('id').where('user_id', '=', newUser.id).execute()).length, 0);
  const byDesk = await app.inject({ method: 'PATCH', url, headers: { cookie: w.desk.cookie }, payload: { clearance: 'public' } });
  assert.equal(byDesk.statusCode, 403);
  const extra = await app.inject({ method: 'PATCH', url, headers: { cookie: w.sensitiveAdmin.cookie }, payload: { clearance: 'sensitive', role: 'auditor' } });
  assert.equal(extra.statusCode, 400);
  assert.equal((await get(`/api/incidents/${w.sensitive}`, w.internalReader.cookie)).statusCode, 404);

  const ok = await app.inject({ method: 'PATCH', url, headers: { cookie: w.sensitiveAdmin.cookie }, payload: { clearance: 'sensitive' } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal((await get(`/api/incidents/${w.sensitive}`, w.internalReader.cookie)).statusCode, 200, 'now cleared for 敏感');
  const audit = await w.db.selectFrom('audit_log').select(['before', 'after']).where('action', '=', 'membership.clearanceChanged').where('entity_id', '=', grant?.id ?? '').execute();
  assert.equal(audit.length, 1);
  assert.deepEqual(audit[0]?.before, { userId: w.internalReader.id, role: 'agencyReviewer', clearance: 'internal' });
  assert.deepEqual(audit[0]?.after, { userId: w.internalReader.id, role: 'agencyReviewer', clearance: 'sensitive' });

  // the permission review lists the clearance
  const auditor = await member(w.db, app, w.c.id, 'auditor');
  const review = (await get(`/api/contracts/${w.c.id}/access-review`, auditor.cookie)).json() as { grants: { id: string; clearance: string }[] };
  assert.equal(review.grants.find((g) => g.id === grant?.id)?.clearance, 'sensitive');
});

test('the label MAC computed by pgcrypto (benchmark data) equals the one computed in Node', async () => {
  const w = await world();
  const row = await w.db
    .selectFrom('incidents')
    .select(['label_mac', sql<string>`${labelMacSql('incidents', sql`id`, sql`contract_id`, 'internal')}`.as('sql_mac')])
    .where('id', '=', w.ordinary)
    .executeTakeFirstOrThrow();
  assert.ok(row.label_mac);
  assert.equal(row.sql_mac, row.label_mac);
  assert.equal(row.label_mac, labelMac('incidents', w.ordinary, w.c.id, 'internal'));
  assert.notEqual(labelMac('incidents', w.ordinary, w.c.id, 'public'), row.label_mac);
});

// Last in the file: it installs a key ring from a key file, as the server and the CLI do.
test('a label changed in the database: read as 敏感 at once; the verifier (CLI exit 2) writes one audit row and alerts the auditor and the administrator', async () => {
  const iso = await isolatedDb();
  const dir = mkdtempSync(join(tmpdir(), 'yunwei-labels-'));
  const keyFile = join(dir, 'data-keys.json');
  installKeyRing(loadOrCreateKeyRing(keyFile, new Date()).ring);
  const isoApp = await buildTestApp(iso.db);
  try {
    const db = iso.db;
    const c = await buildContract(db);
    const desk = await member(db, isoApp, c.id, 'deskAgent');
    const lead = await member(db, isoApp, c.id, 'agencyProjectLead', 'sensitive');
    const reader = await member(db, isoApp, c.id, 'agencyReviewer');
    const auditor = await member(db, isoApp, c.id, 'auditor');
    const admin = await member(db, isoApp, c.id, 'agencyAdmin');
    const secret = await report(isoApp, c.id, lead.cookie, '低保对象信息泄露排查', { securityLabel: 'sensitive' });
    const plain = await report(isoApp, c.id, desk.cookie, '打印机卡纸');
    const order = await raiseOrder(isoApp, c.id, desk.cookie, '新增柜员账号');
    const listed = async (who: Person) => ids(await isoApp.inject({ url: `/api/contracts/${c.id}/incidents`, headers: { cookie: who.cookie } })).sort();
    const orders = async (who: Person) => (await isoApp.inject({ url: `/api/contracts/${c.id}/work-orders`, headers: { cookie: who.cookie } })).json() as { items: { id: string }[]; total: number };
    assert.deepEqual(await listed(reader), [plain]);

    const cli = () =>
      spawnSync(process.execPath, [CLI, 'integrity', 'verify'], { env: { ...process.env, DATABASE_URL: iso.url, YUNWEI_DATA_DIR: dir, YUNWEI_DATA_KEY_FILE: keyFile }, encoding: 'utf8' });
    const clean = cli();
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /安全标记完整：共校验 3 条记录/);

    // the attack: a database user lowers the sensitive incident's label and raises nothing
    await db.updateTable('incidents').set({ security_label: 'internal' }).where('id', '=', secret).execute();
    await db.updateTable('work_orders').set({ security_label: 'public' }).where('id', '=', order).execute();
    // before any verifier ran: the MAC fails, so the record reads as 敏感 (fail closed)
    assert.deepEqual(await listed(reader), [plain]);
    assert.equal((await isoApp.inject({ url: `/api/incidents/${secret}`, headers: { cookie: reader.cookie } })).statusCode, 404);
    assert.deepEqual((await orders(desk)).items, [], 'the tampered order reads as 敏感 to its 内部 author');

    const found = cli();
    assert.equal(found.status, 2, found.stdout + found.stderr);
    const number = (await db.selectFrom('incidents').select('number').where('id', '=', secret).executeTakeFirstOrThrow()).number;
    assert.match(found.stderr, new RegExp(`安全标记校验失败：故障单 ${number}`));
    assert.match(found.stderr, /共校验 3 条记录，2 条不符（新告警 2 条）/);

    const audit = await db.selectFrom('audit_log').select(['entity_type', 'entity_id', 'contract_id', 'after']).where('action', '=', 'security.integrityViolation').orderBy('seq').execute();
    assert.deepEqual(audit.map((a) => a.entity_id).sort(), [secret, order].sort());
    const row = audit.find((a) => a.entity_id === secret);
    assert.equal(row?.contract_id, c.id);
    assert.deepEqual(row?.after, { table: 'incidents', recordId: secret, number, check: 'HMAC-SM3' }, 'table and id, never a label');
    const notified = await db.selectFrom('notifications').select(['user_id', 'subject_id', 'title']).where('kind', '=', 'security.integrityViolation').where('subject_id', '=', secret).execute();
    assert.deepEqual(notified.map((n) => n.user_id).sort(), [auditor.id, admin.id].sort());
    assert.match(notified[0]?.title ?? '', /安全告警/);
    // flagged rows are excluded by the list queries themselves now: the total agrees
    assert.deepEqual(await orders(desk), { items: [], total: 0 });

    // a second run reports them again, without a second alarm
    const again = cli();
    assert.equal(again.status, 2);
    assert.match(again.stderr, /新告警 0 条/);
    assert.equal((await db.selectFrom('audit_log').select('seq').where('action', '=', 'security.integrityViolation').execute()).length, 2);

    // the lead looks at the record and sets its label again: the alarm is resolved for that one
    const detail = (await isoApp.inject({ url: `/api/incidents/${secret}`, headers: { cookie: lead.cookie } })).json();
    assert.equal(detail.incident.labelIntegrityFailed, true);
    assert.equal(detail.incident.securityLabel, 'sensitive');
    const reset = await setLabel(isoApp, `/api/incidents/${secret}`, lead.cookie, detail.incident.version, 'sensitive');
    assert.equal(reset.statusCode, 200, reset.body);
    const after = await verifySecurityLabels(db, new Date());
    assert.deepEqual(after.violations.map((v) => [v.table, v.id, v.alerted]), [['work_orders', order, false]]);
    assert.deepEqual(await listed(reader), [plain], 'reset to 敏感: still hidden from 内部');
  } finally {
    await isoApp.close();
    await iso.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
