/**
 * District/street scopes on every resource type, over HTTP: an agency user
 * limited to 朝阳区 reads incidents, work orders, their attachments and
 * documents, exports, report-up notices and audit rows of 朝阳区 only;
 * everything else answers 404 exactly like a record that does not exist,
 * contract-wide resources answer 404, and another contract answers 404.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import ExcelJS from 'exceljs';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, reauthAs, signInAs, type Plain } from '../helpers/factories.ts';
import { multipart, PNG } from '../helpers/upload.ts';
import { grantRole } from '../../src/orgs/user.service.ts';
import type { Role } from '../../src/auth/roles.ts';
import { slaSignalFiredJob } from '../../src/sla/sla.jobs.ts';

const app = useTestApp();

const SITES = [
  { key: 'CY-1', name: '朝阳区建外街道社保所', kind: 'streetOffice', district: '朝阳区', street: '建外街道', zone: 'urban' },
  { key: 'CY-2', name: '朝阳区三里屯街道社保所', kind: 'streetOffice', district: '朝阳区', street: '三里屯街道', zone: 'urban' },
  { key: 'HD-1', name: '海淀区中关村街道社保所', kind: 'streetOffice', district: '海淀区', street: '中关村街道', zone: 'suburban' },
];

const withSites = (doc: Plain) => {
  doc['sites'] = SITES;
};

/** A user holding `role` in the contract, limited to `scope` (or the whole contract). */
async function scopedUser(contractId: string, role: Role, scope: { district: string; street?: string } | null) {
  const db = testDb();
  const u = await buildUser(db);
  await grantRole(db, null, { userId: u.id, contractId, role, scope }, new Date());
  return { ...u, cookie: await signInAs(app, u) };
}

/**
 * A contract with sites; the desk reports an incident and raises a work
 * order in 朝阳区 (CY) and in 海淀区 (HD), each with an attachment, and one
 * incident at a place that is not on the site list.
 */
async function world() {
  const db = testDb();
  const c = await buildContract(db, withSites);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const deskCookie = await signInAs(app, desk);
  const reportedAt = new Date().toISOString();
  const incident = async (place: Record<string, string>, title: string) => {
    const r = await app.inject({
      method: 'POST',
      url: `/api/contracts/${c.id}/incidents`,
      headers: { cookie: deskCookie },
      payload: { title, description: '网点反映读卡器无响应', systemKey: 'S1', channel: 'phone', reporterName: '网点负责人', reportedAt, levelKey: 'P1', ...place },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const workOrder = async (siteKey: string, title: string) => {
    const r = await app.inject({
      method: 'POST',
      url: `/api/contracts/${c.id}/work-orders`,
      headers: { cookie: deskCookie },
      payload: { kind: 'serviceRequest', subtype: 'accountChange', title, description: '为网点新增柜员账号', siteKey },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const attach = async (url: string) => {
    const body = multipart('截图.png', PNG);
    const r = await app.inject({ method: 'POST', url, headers: { cookie: deskCookie, ...body.headers }, payload: body.payload });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const cyIncident = await incident({ siteKey: 'CY-1' }, '建外街道社保所补卡失败');
  // a site's exact name is resolved to the site, like its key
  const hdIncident = await incident({ site: '海淀区中关村街道社保所' }, '中关村街道社保所补卡失败');
  const unlocated = await incident({ site: '某临时办公点' }, '临时办公点打印机故障');
  const cyOrder = await workOrder('CY-1', '建外街道社保所新增柜员账号');
  const hdOrder = await workOrder('HD-1', '中关村街道社保所新增柜员账号');
  return {
    db,
    c,
    desk,
    deskCookie,
    cyIncident,
    hdIncident,
    unlocated,
    cyOrder,
    hdOrder,
    cyIncidentFile: await attach(`/api/incidents/${cyIncident}/attachments`),
    hdIncidentFile: await attach(`/api/incidents/${hdIncident}/attachments`),
    cyOrderFile: await attach(`/api/work-orders/${cyOrder}/attachments`),
    hdOrderFile: await attach(`/api/work-orders/${hdOrder}/attachments`),
  };
}

async function get(url: string, cookie: string) {
  return app.inject({ url, headers: { cookie } });
}

test('incidents carry the district and street of their site; free text that names no site stays unlocated', async () => {
  const w = await world();
  const rows = await w.db.selectFrom('incidents').select(['id', 'site_key', 'site', 'district', 'street', 'site_zone']).where('contract_id', '=', w.c.id).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.deepEqual({ ...byId.get(w.cyIncident), id: undefined }, { id: undefined, site_key: 'CY-1', site: '朝阳区建外街道社保所', district: '朝阳区', street: '建外街道', site_zone: 'urban' });
  assert.deepEqual({ ...byId.get(w.hdIncident), id: undefined }, { id: undefined, site_key: 'HD-1', site: '海淀区中关村街道社保所', district: '海淀区', street: '中关村街道', site_zone: 'suburban' }, 'the zone comes from the site list');
  assert.equal(byId.get(w.unlocated)?.district, null);
  const detail = await get(`/api/incidents/${w.cyIncident}`, w.deskCookie);
  assert.equal(detail.json().incident.district, '朝阳区');
  assert.equal(detail.json().incident.street, '建外街道');

  const unknown = await app.inject({
    method: 'POST',
    url: `/api/contracts/${w.c.id}/incidents`,
    headers: { cookie: w.deskCookie },
    payload: { title: '未知地点', systemKey: 'S1', channel: 'web', reporterName: '网点', reportedAt: new Date().toISOString(), levelKey: 'P1', siteKey: 'NOPE' },
  });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().error.code, 'CONTRACT_REFERENCE_UNKNOWN');
  assert.match(unknown.json().error.message, /地点清单中没有「NOPE」/);
});

test('incident: a 朝阳区 user reads 朝阳区 incidents only; others answer 404 like a missing record, in detail, list, search, export, commands and report-ups', async () => {
  const w = await world();
  const reviewer = await scopedUser(w.c.id, 'agencyReviewer', { district: '朝阳区' });
  assert.equal((await get(`/api/incidents/${w.cyIncident}`, reviewer.cookie)).statusCode, 200);
  const missing = await get(`/api/incidents/00000000-0000-4000-8000-000000000000`, reviewer.cookie);
  for (const id of [w.hdIncident, w.unlocated]) {
    const res = await get(`/api/incidents/${id}`, reviewer.cookie);
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), missing.json(), 'out of scope reads exactly like a record that does not exist');
  }
  const list = (await get(`/api/contracts/${w.c.id}/incidents`, reviewer.cookie)).json() as { id: string }[];
  assert.deepEqual(list.map((i) => i.id), [w.cyIncident]);
  const search = (await get(`/api/contracts/${w.c.id}/incidents?q=${encodeURIComponent('补卡')}`, reviewer.cookie)).json() as { id: string }[];
  assert.deepEqual(search.map((i) => i.id), [w.cyIncident], 'search is scoped too');
  const everything = (await get(`/api/contracts/${w.c.id}/incidents`, w.deskCookie)).json() as { id: string }[];
  assert.equal(everything.length, 3, 'the vendor desk (unscoped) sees all three');

  // the Excel export holds the 朝阳区 incident only
  await reauthAs(app, reviewer.cookie, reviewer);
  const xlsx = await get(`/api/contracts/${w.c.id}/incidents/export.xlsx`, reviewer.cookie);
  assert.equal(xlsx.statusCode, 200, xlsx.body);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  const text = book.worksheets.flatMap((s) => s.getSheetValues().flat().map(String)).join('\n');
  assert.match(text, /建外街道社保所补卡失败/);
  assert.doesNotMatch(text, /中关村/);
  assert.doesNotMatch(text, /临时办公点/);

  // acting on an out-of-scope incident: 404, and nothing changes
  const cmd = await app.inject({ method: 'POST', url: `/api/incidents/${w.hdIncident}/commands`, headers: { cookie: reviewer.cookie }, payload: { version: 1, command: { type: 'comment', text: '试图备注' } } });
  assert.equal(cmd.statusCode, 404);
  const hd = await w.db.selectFrom('incidents').select('version').where('id', '=', w.hdIncident).executeTakeFirstOrThrow();
  assert.equal(hd.version, 1);
  assert.equal((await get(`/api/incidents/${w.hdIncident}/report-ups`, reviewer.cookie)).statusCode, 404);
});

test('incident creation: a scoped user may report only at a site inside their scope', async () => {
  const w = await world();
  const outletHead = await scopedUser(w.c.id, 'agencyReviewer', { district: '朝阳区', street: '三里屯街道' });
  const post = (place: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: `/api/contracts/${w.c.id}/incidents`,
      headers: { cookie: outletHead.cookie },
      payload: { title: '自助终端黑屏', systemKey: 'S1', channel: 'web', reporterName: '网点负责人', reportedAt: new Date().toISOString(), levelKey: 'P1', ...place },
    });
  const existing = await w.db.selectFrom('incidents').select('id').where('contract_id', '=', w.c.id).execute();
  for (const place of [{ siteKey: 'CY-1' }, { siteKey: 'HD-1' }, {}, { site: '某临时办公点' }] as Record<string, string>[]) {
    const res = await post(place);
    assert.equal(res.statusCode, 400, JSON.stringify(place));
    assert.equal(res.json().error.code, 'SCOPE_INVALID');
    assert.match(res.json().error.message, /您的权限范围限于朝阳区三里屯街道/);
  }
  assert.equal((await w.db.selectFrom('incidents').select('id').where('contract_id', '=', w.c.id).execute()).length, existing.length, 'nothing was written');
  const ok = await post({ siteKey: 'CY-2' });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal((await get(`/api/incidents/${ok.json().id}`, outletHead.cookie)).statusCode, 200);
});

test('work order: detail, list, form PDF, commands and the approvals inbox are scoped', async () => {
  const w = await world();
  const reviewer = await scopedUser(w.c.id, 'agencyReviewer', { district: '朝阳区' });
  assert.equal((await get(`/api/work-orders/${w.cyOrder}`, reviewer.cookie)).statusCode, 200);
  assert.equal((await get(`/api/work-orders/${w.cyOrder}`, reviewer.cookie)).json().workOrder.district, '朝阳区');
  const hd = await get(`/api/work-orders/${w.hdOrder}`, reviewer.cookie);
  assert.equal(hd.statusCode, 404);
  assert.equal(hd.json().error.code, 'WORK_ORDER_NOT_FOUND');
  const list = (await get(`/api/contracts/${w.c.id}/work-orders`, reviewer.cookie)).json() as { items: { id: string }[]; total: number };
  assert.deepEqual(list.items.map((o) => o.id), [w.cyOrder]);
  assert.equal(list.total, 1, 'the total counts only what the user may see');
  assert.equal((await get(`/api/work-orders/${w.cyOrder}/form.pdf`, reviewer.cookie)).statusCode, 200);
  assert.equal((await get(`/api/work-orders/${w.hdOrder}/form.pdf`, reviewer.cookie)).statusCode, 404);

  // both orders wait on 甲方系统管理员; a 朝阳区 administrator is asked about the 朝阳区 one only
  for (const id of [w.cyOrder, w.hdOrder]) {
    const r = await app.inject({ method: 'POST', url: `/api/work-orders/${id}/commands`, headers: { cookie: w.deskCookie }, payload: { version: 1, command: { type: 'submit' } } });
    assert.equal(r.statusCode, 200, r.body);
  }
  const localAdmin = await scopedUser(w.c.id, 'agencyAdmin', { district: '朝阳区' });
  const wholeAdmin = await scopedUser(w.c.id, 'agencyAdmin', null);
  const inbox = (cookie: string) => get('/api/approvals/inbox', cookie).then((r) => (r.json() as { workOrderId: string }[]).map((x) => x.workOrderId).filter((id) => id === w.cyOrder || id === w.hdOrder));
  assert.deepEqual(await inbox(localAdmin.cookie), [w.cyOrder]);
  assert.deepEqual((await inbox(wholeAdmin.cookie)).sort(), [w.cyOrder, w.hdOrder].sort());
  const approve = await app.inject({ method: 'POST', url: `/api/work-orders/${w.hdOrder}/commands`, headers: { cookie: localAdmin.cookie }, payload: { version: 2, command: { type: 'approve', comment: '同意' } } });
  assert.equal(approve.statusCode, 404, 'deciding on an order outside the scope: 404');
  assert.equal((await w.db.selectFrom('work_orders').select('state').where('id', '=', w.hdOrder).executeTakeFirstOrThrow()).state, 'pendingApproval');
});

test('attachment: downloads and lists follow the parent record’s scope', async () => {
  const w = await world();
  const reviewer = await scopedUser(w.c.id, 'agencyReviewer', { district: '朝阳区' });
  for (const id of [w.cyIncidentFile, w.cyOrderFile]) {
    const res = await get(`/api/attachments/${id}`, reviewer.cookie);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.rawPayload, PNG);
  }
  const missing = await get('/api/attachments/00000000-0000-4000-8000-000000000000', reviewer.cookie);
  for (const id of [w.hdIncidentFile, w.hdOrderFile]) {
    const res = await get(`/api/attachments/${id}`, reviewer.cookie);
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), missing.json());
  }
  assert.equal((await get(`/api/incidents/${w.hdIncident}/attachments`, reviewer.cookie)).statusCode, 404);
  assert.equal((await get(`/api/work-orders/${w.hdOrder}/attachments`, reviewer.cookie)).statusCode, 404);
  const downloads = await w.db.selectFrom('audit_log').select('entity_id').where('action', '=', 'attachment.downloaded').where('contract_id', '=', w.c.id).execute();
  assert.deepEqual(downloads.map((d) => d.entity_id).sort(), [w.cyIncidentFile, w.cyOrderFile].sort(), 'refused downloads leave no download record');
});

test('report: the serious-fault record (Word) of an incident outside the scope answers 404', async () => {
  const w = await world();
  const reviewer = await scopedUser(w.c.id, 'agencyReviewer', { district: '朝阳区' });
  const cy = await get(`/api/incidents/${w.cyIncident}/serious-fault-record.docx`, reviewer.cookie);
  assert.equal(cy.statusCode, 200);
  assert.equal(cy.rawPayload.subarray(0, 2).toString('latin1'), 'PK', 'a real .docx (zip) document');
  const hd = await get(`/api/incidents/${w.hdIncident}/serious-fault-record.docx`, reviewer.cookie);
  assert.equal(hd.statusCode, 404);
  assert.equal(hd.json().error.code, 'INCIDENT_NOT_FOUND');
});

test('audit rows: a 朝阳区 auditor sees rows about 朝阳区 records only, not other districts nor contract-wide rows', async () => {
  const w = await world();
  const auditor = await scopedUser(w.c.id, 'auditor', { district: '朝阳区' });
  const wholeAuditor = await scopedUser(w.c.id, 'auditor', null);
  const ids = async (cookie: string) => {
    const res = await get(`/api/audit?contractId=${w.c.id}&limit=500`, cookie);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { entityType: string; entityId: string | null; action: string }[];
  };
  const scoped = await ids(auditor.cookie);
  const seen = new Set(scoped.map((r) => r.entityId));
  for (const id of [w.cyIncident, w.cyOrder, w.cyIncidentFile, w.cyOrderFile]) assert.ok(seen.has(id), `row about ${id} is visible`);
  for (const id of [w.hdIncident, w.hdOrder, w.unlocated, w.hdIncidentFile, w.hdOrderFile]) assert.ok(!seen.has(id), `row about ${id} is hidden`);
  assert.ok(!scoped.some((r) => r.entityType === 'membership' || r.entityType === 'staffMember' || r.entityType === 'contract'), 'contract-wide rows are hidden');

  const whole = await ids(wholeAuditor.cookie);
  const all = new Set(whole.map((r) => r.entityId));
  for (const id of [w.hdIncident, w.hdOrder, w.hdIncidentFile]) assert.ok(all.has(id), 'an unscoped auditor sees every row');
  assert.ok(whole.some((r) => r.entityType === 'membership'));

  // the chain as a whole spans every district: only an unscoped auditor verifies it
  assert.equal((await app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie: auditor.cookie } })).statusCode, 403);
  assert.equal((await app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie: wholeAuditor.cookie } })).statusCode, 200);
  const me = (await get('/api/auth/me', auditor.cookie)).json() as { memberships: { scope: unknown }[] };
  assert.deepEqual(me.memberships.map((m) => m.scope), [{ district: '朝阳区', street: null }], 'the web app learns the scope from /me');

  // the export is filtered the same way
  await reauthAs(app, auditor.cookie, auditor);
  const xlsx = await get(`/api/audit/export.xlsx?contractId=${w.c.id}`, auditor.cookie);
  assert.equal(xlsx.statusCode, 200, xlsx.body);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  const text = book.worksheets.flatMap((s) => s.getSheetValues().flat().map(String)).join('\n');
  assert.ok(text.includes(w.cyIncident));
  assert.ok(!text.includes(w.hdIncident));
});

test('contract: another contract answers 404; contract-wide resources answer 404 to a scoped user', async () => {
  const w = await world();
  const other = await buildContract(w.db, withSites);
  const reviewer = await scopedUser(w.c.id, 'agencyReviewer', { district: '朝阳区' });
  const localAdmin = await scopedUser(w.c.id, 'agencyAdmin', { district: '朝阳区' });
  assert.equal((await get(`/api/contracts/${w.c.id}`, reviewer.cookie)).statusCode, 200, 'the own contract is readable (the terms are not personal data)');
  for (const url of [`/api/contracts/${other.id}`, `/api/contracts/${other.id}/incidents`, `/api/contracts/${other.id}/work-orders`, `/api/contracts/${other.id}/sites`]) {
    const res = await get(url, reviewer.cookie);
    assert.equal(res.statusCode, 404, url);
    assert.equal(res.json().error.code, 'CONTRACT_NOT_FOUND');
  }
  // the roster, the contact list, the permission review and close-out are contract-wide
  for (const url of [`/api/contracts/${w.c.id}/staff`, `/api/contracts/${w.c.id}/contacts`, `/api/contracts/${w.c.id}/access-review`, `/api/contracts/${w.c.id}/closeout`]) {
    const res = await get(url, localAdmin.cookie);
    assert.equal(res.statusCode, 404, url);
  }
  const wholeAdmin = await scopedUser(w.c.id, 'agencyAdmin', null);
  for (const url of [`/api/contracts/${w.c.id}/staff`, `/api/contracts/${w.c.id}/access-review`]) {
    assert.equal((await get(url, wholeAdmin.cookie)).statusCode, 200, url);
  }
});

test('SLA notices: a breach at a 海淀区 outlet reaches the unscoped project lead, not the one limited to 朝阳区', async () => {
  const w = await world();
  const local = await scopedUser(w.c.id, 'agencyProjectLead', { district: '朝阳区' });
  const whole = await scopedUser(w.c.id, 'agencyProjectLead', null);
  const fire = async (incidentId: string) => {
    const clock = await w.db.selectFrom('sla_clocks').select(['id', 'contract_id']).where('subject_type', '=', 'incident').where('subject_id', '=', incidentId).executeTakeFirstOrThrow();
    const signal = await w.db
      .insertInto('sla_signals')
      .values({ clock_id: clock.id, contract_id: clock.contract_id, target_key: 'resolve:0', kind: 'breach', percent: 100, deadline_at: new Date(), fired_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await slaSignalFiredJob.handler({ db: w.db, payload: { signalId: String(signal.id), subjectType: 'incident', subjectId: incidentId }, now: new Date(), attempt: 1 });
  };
  await fire(w.hdIncident);
  await fire(w.cyIncident);
  const subjects = async (userId: string) =>
    (await w.db.selectFrom('notifications').select('subject_id').where('user_id', '=', userId).where('kind', '=', 'sla.breach').execute()).map((n) => n.subject_id).sort();
  assert.deepEqual(await subjects(local.id), [w.cyIncident]);
  assert.deepEqual(await subjects(whole.id), [w.cyIncident, w.hdIncident].sort());
});
