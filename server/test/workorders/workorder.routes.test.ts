import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { closeTestDb, testDb } from '../helpers/db.ts';
import { buildTestApp, reauthAs } from '../helpers/factories.ts';
import { sm3Hex } from '../../src/shared/crypto.ts';
import { buildWorkOrderContract, dataExtraction, signInAll } from './workorder-fixtures.ts';

let app: FastifyInstance;
before(async () => {
  app = await buildTestApp(testDb());
});
after(async () => {
  await app.close();
  await closeTestDb();
});

async function setup() {
  const { contractId, people } = await buildWorkOrderContract(testDb());
  const cookies = await signInAll(app, people);
  return { contractId, people, cookies };
}

async function create(cookie: string, contractId: string, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/api/contracts/${contractId}/work-orders`, headers: { cookie }, payload });
}
async function command(cookie: string, id: string, version: number, cmd: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/api/work-orders/${id}/commands`, headers: { cookie }, payload: { version, command: cmd } });
}
async function detail(cookie: string, id: string) {
  const r = await app.inject({ url: `/api/work-orders/${id}`, headers: { cookie } });
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
}
function multipart(fileName: string, content: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----yunwei-test-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

test('data work order: raised by an engineer, refused until the agency lead signs, executed with evidence, confirmed by the requester; all audited', async () => {
  const { contractId, people, cookies } = await setup();
  const now = Date.now();
  const created = await create(cookies.engineer, contractId, dataExtraction(people.engineer.id, new Date(now - 5 * 60_000), new Date(now + 2 * 3_600_000), { requesterUserId: people.reviewer.id, requesterName: '市社会福利管理处' }));
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  assert.match(created.json().number, /^SJ\d{4}-\d{6}$/);

  // a client that posts `execute` on a draft or on a pending order is refused, and nothing changes
  let r = await command(cookies.engineer, id, 1, { type: 'execute', statement: 'SELECT 1', beforeCount: 0, afterCount: 0, output: { fileName: 'x.csv', sm3: 'a'.repeat(64) } });
  assert.equal(r.statusCode, 422);
  assert.equal(r.json().error.code, 'WORK_ORDER_APPROVAL_REQUIRED');
  assert.match(r.json().error.message, /数据处理工单未经甲方审批签字，不能执行/);
  r = await command(cookies.engineer, id, 1, { type: 'submit' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'pendingApproval');
  let version = r.json().version as number;
  const before = await detail(cookies.engineer, id);
  r = await command(cookies.engineer, id, version, { type: 'execute', statement: 'SELECT 1', beforeCount: 0, afterCount: 0, output: { fileName: 'x.csv', sm3: 'a'.repeat(64) } });
  assert.equal(r.statusCode, 422);
  assert.equal(r.json().error.code, 'WORK_ORDER_APPROVAL_REQUIRED');
  const unchanged = await detail(cookies.engineer, id);
  assert.equal(unchanged.workOrder.state, 'pendingApproval');
  assert.equal(unchanged.workOrder.version, version);
  assert.equal(unchanged.events.length, before.events.length);
  assert.equal(unchanged.workOrder.outcome.execution, undefined);
  assert.ok(!unchanged.availableCommands.includes('execute'));
  assert.deepEqual(unchanged.accessGrants, []);

  // nobody approves their own request; a vendor manager has no agency role
  r = await command(cookies.engineer, id, version, { type: 'approve', comment: '自己批' });
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'SELF_APPROVAL_FORBIDDEN');
  r = await command(cookies.pm, id, version, { type: 'approve', comment: '同意' });
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'FORBIDDEN');
  assert.match(r.json().error.message, /甲方项目负责人审批签字/);
  r = await command(cookies.reviewer, id, version, { type: 'approve', comment: '同意' });
  assert.equal(r.statusCode, 403, 'the requester may not approve the request made for them');
  assert.equal(r.json().error.code, 'SELF_APPROVAL_FORBIDDEN');

  // the lead's inbox shows it, with how long it has waited; the manager's does not
  const inbox = (await app.inject({ url: '/api/approvals/inbox', headers: { cookie: cookies.lead } })).json();
  const item = inbox.find((i: { workOrderId: string }) => i.workOrderId === id);
  assert.ok(item, 'waiting on the lead');
  assert.equal(item.stepName, '甲方项目负责人审批签字');
  assert.equal(item.myRole, 'agencyProjectLead');
  assert.ok(item.waitingMinutes >= 0);
  const pmInbox = (await app.inject({ url: '/api/approvals/inbox', headers: { cookie: cookies.pm } })).json();
  assert.ok(!pmInbox.some((i: { workOrderId: string }) => i.workOrderId === id));
  const asLead = await detail(cookies.lead, id);
  assert.deepEqual(asLead.availableCommands.filter((c: string) => c === 'approve' || c === 'reject'), ['approve', 'reject']);
  assert.equal(asLead.approval.status, 'pending');
  assert.deepEqual(asLead.approval.waitingOnRoles.map((w: { role: string }) => w.role), ['agencyProjectLead']);

  // signing off data work needs a fresh re-authentication: without it, refused and nothing changes
  const beforeSign = await detail(cookies.lead, id);
  r = await command(cookies.lead, id, version, { type: 'approve', comment: '同意，限政务外网内实施' });
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'REAUTH_REQUIRED');
  assert.match(r.json().error.message, /需要再次验证身份/);
  const notSigned = await detail(cookies.lead, id);
  assert.equal(notSigned.workOrder.state, 'pendingApproval');
  assert.equal(notSigned.workOrder.version, version);
  assert.equal(notSigned.events.length, beforeSign.events.length);
  assert.deepEqual(notSigned.approval.decisions, []);
  assert.deepEqual(notSigned.accessGrants, []);
  assert.equal(
    (await testDb().selectFrom('audit_log').select('id').where('entity_id', '=', id).where('action', '=', 'workOrder.approve').execute()).length,
    0,
  );
  await reauthAs(app, cookies.lead, people.lead);
  r = await command(cookies.lead, id, version, { type: 'approve', comment: '同意，限政务外网内实施' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'approved');
  version = r.json().version;
  let d = await detail(cookies.engineer, id);
  assert.equal(d.accessGrants.length, 1);
  assert.equal(d.accessGrants[0].status, 'active');
  assert.equal(d.accessGrants[0].inForce, true);
  assert.equal(d.accessGrants[0].userId, people.engineer.id);
  assert.ok(d.availableCommands.includes('execute'));
  assert.equal(d.approval.decisions[0].userId, people.lead.id);
  assert.equal(d.approval.decisions[0].comment, '同意，限政务外网内实施');

  // only the named executor records the execution
  r = await command(cookies.engineer2, id, version, { type: 'execute', statement: 'SELECT 1', beforeCount: 0, afterCount: 0, output: { fileName: 'x.csv', sm3: 'a'.repeat(64) } });
  assert.equal(r.statusCode, 403);

  const file = Buffer.from('姓名,身份证号\n张三,110105********002X\n', 'utf8');
  const up = await app.inject({ method: 'POST', url: `/api/work-orders/${id}/attachments`, headers: { cookie: cookies.engineer, ...multipart('output.csv', file).headers }, payload: multipart('output.csv', file).payload });
  assert.equal(up.statusCode, 201, up.body);
  assert.equal(up.json().digest, sm3Hex(file));
  d = await detail(cookies.engineer, id);
  version = d.workOrder.version;
  const statement = "SELECT name, id_number FROM subsidy_payment WHERE year = 2024 AND id_number <> '11010519491231002X'";
  r = await command(cookies.engineer, id, version, { type: 'execute', statement, beforeCount: 12034, afterCount: 12034, output: { attachmentId: up.json().id }, note: '只读提取' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'executed');
  version = r.json().version;
  d = await detail(cookies.reviewer, id);
  assert.equal(d.workOrder.outcome.execution.output.sm3, sm3Hex(file));
  assert.equal(d.workOrder.outcome.execution.statementSm3, sm3Hex(statement));
  assert.equal(d.workOrder.outcome.execution.beforeCount, 12034);
  assert.ok(d.workOrder.outcome.execution.statement.includes('110105********002X'), 'personal data in the statement is masked');
  assert.ok(!JSON.stringify(d).includes('11010519491231002X'));

  r = await command(cookies.engineer, id, version, { type: 'deliver', method: '加密压缩包当面交付' });
  assert.equal(r.statusCode, 200, r.body);
  version = r.json().version;
  r = await command(cookies.engineer, id, version, { type: 'confirm' });
  assert.equal(r.statusCode, 403, 'only the requester confirms');
  r = await command(cookies.reviewer, id, version, { type: 'confirm', comment: '已核对无误' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'closed');

  d = await detail(cookies.lead, id);
  assert.equal(d.accessGrants[0].status, 'revoked', 'access ends with the work');
  assert.deepEqual(
    d.events.map((e: { type: string }) => e.type),
    ['created', 'submit', 'approve', 'accessGranted', 'attachmentAdded', 'execute', 'deliver', 'confirm', 'accessRevoked'],
  );
  const respond = d.sla.result.targets.find((t: { kind: string }) => t.kind === 'respond');
  assert.equal(respond.state, 'met', 'submitted within 30 minutes of the request');

  const audit = await testDb().selectFrom('audit_log').select(['action', 'actor_user_id', 'after']).where('contract_id', '=', contractId).orderBy('seq').execute();
  const actions = audit.map((a) => a.action).filter((a) => a.startsWith('workOrder.') || a.startsWith('dataAccess.') || a === 'attachment.added');
  assert.deepEqual(actions, ['workOrder.created', 'workOrder.submit', 'dataAccess.granted', 'workOrder.approve', 'attachment.added', 'workOrder.execute', 'workOrder.deliver', 'dataAccess.revoked', 'workOrder.confirm']);
  const approveRow = audit.find((a) => a.action === 'workOrder.approve');
  assert.equal(approveRow?.actor_user_id, people.lead.id);
  const executeRow = audit.find((a) => a.action === 'workOrder.execute');
  assert.equal((executeRow?.after as { outputSm3: string }).outputSm3, sm3Hex(file));
});

test('an agency lead who raises a data work order cannot approve it; a second lead can', async () => {
  const { contractId, people, cookies } = await setup();
  const now = Date.now();
  const created = await create(cookies.lead, contractId, dataExtraction(people.engineer.id, new Date(now), new Date(now + 3_600_000)));
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id;
  let r = await command(cookies.lead, id, 1, { type: 'submit' });
  assert.equal(r.statusCode, 200, r.body);
  r = await command(cookies.lead, id, 2, { type: 'approve' });
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'SELF_APPROVAL_FORBIDDEN');
  assert.match(r.json().error.message, /不能审批自己提交的申请/);
  assert.equal((await detail(cookies.lead, id)).workOrder.state, 'pendingApproval');
  await reauthAs(app, cookies.lead2, people.lead2);
  r = await command(cookies.lead2, id, 2, { type: 'approve' });
  assert.equal(r.statusCode, 200, r.body);
});

test('change: refused without a rollback plan or backup confirmation, and with a window that ends before it starts; then two approvals in sequence', async () => {
  const { contractId, people, cookies } = await setup();
  const now = Date.now();
  const count = async () => Number((await testDb().selectFrom('work_orders').select((eb) => eb.fn.countAll<string>().as('n')).where('contract_id', '=', contractId).executeTakeFirstOrThrow()).n);
  const base = {
    kind: 'change',
    subtype: 'database',
    title: '社保卡数据库参数调整',
    systemKey: 'S1',
    details: { reason: '连接数不足', riskLevel: 'medium', risks: '重启期间业务中断 5 分钟', method: '修改参数后滚动重启', tools: 'sqlplus', steps: ['备份参数文件', '修改 processes', '滚动重启'], affectedSystems: ['S1'], verificationPlan: '检查连接数与业务办理' },
  };
  let r = await create(cookies.engineer, contractId, { ...base, windowStart: new Date(now + 3_600_000).toISOString(), windowEnd: new Date(now + 1_800_000).toISOString() });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.code, 'WORK_ORDER_WINDOW_INVALID');
  assert.match(r.json().error.message, /结束时间.*必须晚于开始时间/);
  assert.equal(await count(), 0, 'nothing was created');

  r = await create(cookies.engineer, contractId, { ...base, windowStart: new Date(now - 60_000).toISOString(), windowEnd: new Date(now + 3_600_000).toISOString() });
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().id;
  r = await command(cookies.engineer, id, 1, { type: 'submit' });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.code, 'WORK_ORDER_INCOMPLETE');
  assert.match(r.json().error.message, /变更须填写回退方案/);
  assert.match(r.json().error.message, /变更须确认已完成备份/);
  let d = await detail(cookies.engineer, id);
  assert.equal(d.workOrder.state, 'draft');
  assert.equal(d.workOrder.version, 1);

  const edit = await app.inject({
    method: 'PATCH',
    url: `/api/work-orders/${id}`,
    headers: { cookie: cookies.engineer },
    payload: { version: 1, details: { ...base.details, rollbackPlan: '恢复原参数文件并重启', backupConfirmed: true, backupNote: '变更前已完成全量备份' } },
  });
  assert.equal(edit.statusCode, 200, edit.body);
  const badWindow = await app.inject({ method: 'PATCH', url: `/api/work-orders/${id}`, headers: { cookie: cookies.engineer }, payload: { version: 2, windowEnd: new Date(now - 3_600_000).toISOString() } });
  assert.equal(badWindow.json().error.code, 'WORK_ORDER_WINDOW_INVALID');
  r = await command(cookies.engineer, id, 2, { type: 'submit' });
  assert.equal(r.statusCode, 200, r.body);
  let version = r.json().version;
  d = await detail(cookies.engineer, id);
  assert.equal(d.approval.currentStepKey, 'vendorReview');

  // step 2 cannot go first; the change cannot start before both
  r = await command(cookies.lead, id, version, { type: 'approve' });
  assert.equal(r.statusCode, 403);
  assert.match(r.json().error.message, /乙方项目经理审核/);
  r = await command(cookies.engineer, id, version, { type: 'start' });
  assert.equal(r.statusCode, 422);
  assert.equal(r.json().error.code, 'WORK_ORDER_APPROVAL_REQUIRED');
  r = await command(cookies.pm, id, version, { type: 'approve', comment: '方案可行' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'pendingApproval');
  version = r.json().version;
  d = await detail(cookies.lead, id);
  assert.equal(d.approval.currentStepKey, 'agencyConfirm');
  assert.deepEqual(d.approval.steps.map((s: { status: string }) => s.status), ['approved', 'pending']);
  r = await command(cookies.engineer, id, version, { type: 'start' });
  assert.equal(r.json().error.code, 'WORK_ORDER_APPROVAL_REQUIRED');
  r = await command(cookies.lead, id, version, { type: 'approve', comment: '同意，已安排备份' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'approved');
  version = r.json().version;

  const incident = await app.inject({
    method: 'POST',
    url: `/api/contracts/${contractId}/incidents`,
    headers: { cookie: cookies.engineer },
    payload: { title: '变更后部分网点登录缓慢', systemKey: 'S1', channel: 'phone', reporterName: '网点', reportedAt: new Date().toISOString(), levelKey: 'P1' },
  });
  assert.equal(incident.statusCode, 201, incident.body);
  r = await command(cookies.engineer, id, version, { type: 'start' });
  assert.equal(r.statusCode, 200, r.body);
  version = r.json().version;
  r = await command(cookies.engineer, id, version, { type: 'complete', result: 'succeeded', resultNote: '参数已调整', verification: '连接数恢复正常', causedIncidentIds: [incident.json().id] });
  assert.equal(r.statusCode, 200, r.body);
  version = r.json().version;
  r = await command(cookies.pm, id, version, { type: 'close', note: '变更后复盘完成' });
  assert.equal(r.statusCode, 200, r.body);
  d = await detail(cookies.lead, id);
  assert.equal(d.workOrder.state, 'closed');
  assert.equal(d.links.length, 1);
  assert.equal(d.links[0].targetNumber, incident.json().number);
  assert.equal(d.links[0].relation, 'causedIncident');
  assert.deepEqual(d.approval.decisions.map((x: { userId: string }) => x.userId), [people.pm.id, people.lead.id]);
  const audit = await testDb().selectFrom('audit_log').select('action').where('entity_id', '=', id).orderBy('seq').execute();
  assert.deepEqual(audit.map((a) => a.action), ['workOrder.created', 'workOrder.edited', 'workOrder.submit', 'workOrder.approve', 'workOrder.approve', 'workOrder.start', 'workOrder.complete', 'workOrder.close']);
});

test('a countersign (会签) step needs each role; a rejection returns the order with its reason and a resubmission starts a new round', async () => {
  const { contractId, cookies } = await setup();
  let r = await create(cookies.engineer, contractId, { kind: 'release', subtype: 'minorUpgrade', title: '两项补贴系统 V2.3.1 小版本升级', systemKey: 'S1', details: { version: 'V2.3.1', testEvidence: '测试报告：128 个用例全部通过', observationHours: 24 } });
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().id;
  r = await command(cookies.engineer, id, 1, { type: 'submit' });
  assert.equal(r.statusCode, 200, r.body);
  let version = r.json().version;
  r = await command(cookies.lead, id, version, { type: 'approve', comment: '同意' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'pendingApproval', 'the reviewer must countersign too');
  version = r.json().version;
  let d = await detail(cookies.reviewer, id);
  assert.deepEqual(d.approval.waitingOnRoles.map((w: { role: string }) => w.role), ['agencyReviewer']);
  r = await command(cookies.lead2, id, version, { type: 'approve' });
  assert.equal(r.statusCode, 403, 'a second project lead does not replace the reviewer');
  r = await command(cookies.engineer, id, version, { type: 'deploy' });
  assert.equal(r.json().error.code, 'WORK_ORDER_APPROVAL_REQUIRED');
  r = await command(cookies.reviewer, id, version, { type: 'reject', comment: '' });
  assert.equal(r.statusCode, 400, 'a rejection needs its reason');
  r = await command(cookies.reviewer, id, version, { type: 'reject', comment: '缺少回归测试报告' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'returned');
  version = r.json().version;
  d = await detail(cookies.engineer, id);
  assert.equal(d.approval.status, 'rejected');
  assert.equal(d.approval.rejection.comment, '缺少回归测试报告');
  assert.ok(d.canEdit);
  assert.ok(d.availableCommands.includes('submit'));

  r = await app.inject({ method: 'PATCH', url: `/api/work-orders/${id}`, headers: { cookie: cookies.engineer }, payload: { version, details: { version: 'V2.3.1', testEvidence: '测试报告与回归测试报告：全部通过', observationHours: 24 } } });
  assert.equal(r.statusCode, 200, r.body);
  r = await command(cookies.engineer, id, r.json().version, { type: 'submit' });
  assert.equal(r.statusCode, 200, r.body);
  version = r.json().version;
  d = await detail(cookies.lead, id);
  assert.equal(d.approval.round, 2);
  assert.deepEqual(d.approval.waitingOnRoles.map((w: { role: string }) => w.role), ['agencyProjectLead', 'agencyReviewer'], 'a new round starts from the first step');
  r = await command(cookies.reviewer, id, version, { type: 'approve', comment: '同意' });
  version = r.json().version;
  r = await command(cookies.lead, id, version, { type: 'approve', comment: '同意上线' });
  assert.equal(r.json().state, 'approved');
  version = r.json().version;
  r = await command(cookies.engineer, id, version, { type: 'deploy', deployedVersion: 'V2.3.1' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'observing');
  version = r.json().version;
  r = await command(cookies.pm, id, version, { type: 'close' });
  assert.equal(r.statusCode, 422);
  assert.equal(r.json().error.code, 'WORK_ORDER_TRANSITION_FORBIDDEN');
  assert.match(r.json().error.message, /观察期至 .* 结束，尚不能关闭/);
  d = await detail(cookies.lead, id);
  assert.deepEqual(
    d.approval.decisions.map((x: { round: number; decision: string; roleLabel: string }) => `${x.round} ${x.decision} ${x.roleLabel}`),
    ['1 approve 甲方项目负责人', '1 reject 甲方审核/考核人', '2 approve 甲方审核/考核人', '2 approve 甲方项目负责人'],
  );
});

test('content: editor review, agency approval, publication, withdrawal; printable with its approvals', async () => {
  const { contractId, cookies } = await setup();
  let r = await create(cookies.engineer, contractId, { kind: 'content', subtype: 'notice', title: '关于国庆期间服务网点营业时间调整的通知', details: { channel: 'website', body: '10 月 1 日至 7 日各服务网点暂停营业。' } });
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().id;
  r = await command(cookies.engineer, id, 1, { type: 'publish' });
  assert.equal(r.json().error.code, 'WORK_ORDER_APPROVAL_REQUIRED');
  r = await command(cookies.engineer, id, 1, { type: 'submit' });
  let version = r.json().version;
  r = await command(cookies.lead, id, version, { type: 'approve' });
  assert.equal(r.statusCode, 403, 'the editor reviews first');
  r = await command(cookies.teamLead, id, version, { type: 'approve', comment: '文字已校对' });
  assert.equal(r.statusCode, 200, r.body);
  version = r.json().version;
  r = await command(cookies.lead, id, version, { type: 'approve', comment: '同意发布' });
  assert.equal(r.json().state, 'approved');
  version = r.json().version;
  r = await command(cookies.engineer, id, version, { type: 'schedule', publishAt: new Date(Date.now() - 60_000).toISOString() });
  assert.equal(r.statusCode, 400, 'a scheduled time in the past is refused');
  r = await command(cookies.engineer, id, version, { type: 'publish' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'published');
  version = r.json().version;
  let d = await detail(cookies.lead, id);
  const resolve = d.sla.result.targets.find((t: { kind: string }) => t.kind === 'resolve');
  assert.equal(resolve.state, 'met', 'published within 3 working days');
  assert.ok(d.availableCommands.includes('withdraw'));
  r = await command(cookies.lead, id, version, { type: 'withdraw', reason: '通知内容已过期' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().state, 'withdrawn');
  d = await detail(cookies.lead, id);

  const pdf = await app.inject({ url: `/api/work-orders/${id}/form.pdf`, headers: { cookie: cookies.reviewer } });
  assert.equal(pdf.statusCode, 200);
  assert.equal(pdf.headers['content-type'], 'application/pdf');
  assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  const text = pdf.rawPayload.toString('latin1');
  assert.ok(text.trimEnd().endsWith('%%EOF'));
  assert.ok(text.includes('/Keywords') && text.includes(`(${d.workOrder.number})`), 'the work-order number is in the document');
  assert.ok(text.includes('/ToUnicode'), 'the Chinese text is extractable (embedded CJK font with a ToUnicode map)');
  assert.ok(pdf.rawPayload.length < 400_000, `the font is subset (${pdf.rawPayload.length} bytes)`);
  const printed = await testDb().selectFrom('audit_log').select('action').where('entity_id', '=', id).where('action', '=', 'workOrder.formPrinted').execute();
  assert.equal(printed.length, 1);
});

test('service request without an approval flow is approved on submission; an outsider sees nothing (404)', async () => {
  const { contractId, cookies } = await setup();
  const other = await setup();
  let r = await create(cookies.engineer, contractId, { kind: 'serviceRequest', subtype: 'statistics', title: '统计 5 月份补贴发放人数', systemKey: 'S1' });
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().id;
  r = await command(cookies.engineer, id, 1, { type: 'submit' });
  assert.equal(r.json().state, 'approved');
  for (const url of [`/api/work-orders/${id}`, `/api/work-orders/${id}/form.pdf`, `/api/work-orders/${id}/attachments`]) {
    const res = await app.inject({ url, headers: { cookie: other.cookies.lead } });
    assert.equal(res.statusCode, 404, url);
    assert.equal(res.json().error.code, 'WORK_ORDER_NOT_FOUND');
  }
  const cmd = await command(other.cookies.engineer, id, 2, { type: 'resolve', resolution: 'x' });
  assert.equal(cmd.statusCode, 404);
  const list = await app.inject({ url: `/api/contracts/${contractId}/work-orders`, headers: { cookie: other.cookies.lead } });
  assert.equal(list.statusCode, 404);
  const inbox = (await app.inject({ url: '/api/approvals/inbox', headers: { cookie: other.cookies.lead } })).json();
  assert.ok(!inbox.some((i: { workOrderId: string }) => i.workOrderId === id));
  r = await command(cookies.engineer, id, 2, { type: 'resolve', resolution: '已统计：5 月发放 12,034 人' });
  assert.equal(r.statusCode, 200, r.body);
  r = await command(cookies.engineer, id, r.json().version, { type: 'confirm' });
  assert.equal(r.json().state, 'closed', 'the requester (the engineer who raised it) confirms');
});

test('list: filters by kind and state, Chinese search (two characters), total count; personal data masked', async () => {
  const { contractId, cookies } = await setup();
  for (const title of ['补贴名单核对', '养老驿站数据统计', '网点信息变更']) {
    const r = await create(cookies.engineer, contractId, { kind: 'serviceRequest', subtype: 'statistics', title, description: '来电人手机 13812345678' });
    assert.equal(r.statusCode, 201, r.body);
  }
  await create(cookies.engineer, contractId, { kind: 'content', subtype: 'news', title: '补贴政策解读' });
  let res = await app.inject({ url: `/api/contracts/${contractId}/work-orders?kind=serviceRequest&limit=2`, headers: { cookie: cookies.lead } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().total, 3);
  assert.equal(res.json().items.length, 2);
  res = await app.inject({ url: `/api/contracts/${contractId}/work-orders?q=${encodeURIComponent('补贴')}`, headers: { cookie: cookies.lead } });
  assert.deepEqual(res.json().items.map((i: { title: string }) => i.title).sort(), ['补贴名单核对', '补贴政策解读'].sort());
  res = await app.inject({ url: `/api/contracts/${contractId}/work-orders?state=draft&kind=content`, headers: { cookie: cookies.lead } });
  assert.equal(res.json().total, 1);
  assert.ok(!res.body.includes('13812345678'));
  const all = await app.inject({ url: `/api/contracts/${contractId}/work-orders`, headers: { cookie: cookies.lead } });
  assert.ok(all.json().items.every((i: { description: string }) => !i.description.includes('13812345678')));
  const rules = await app.inject({ url: `/api/contracts/${contractId}/work-order-rules`, headers: { cookie: cookies.engineer } });
  assert.equal(rules.statusCode, 200);
  const release = rules.json().kinds.find((k: { kind: string }) => k.kind === 'release');
  assert.equal(release.subtypes[0].flowSource, 'contract');
  assert.equal(release.subtypes[0].steps[0].mode, 'all');
  const data = rules.json().kinds.find((k: { kind: string }) => k.kind === 'dataWorkOrder');
  assert.equal(data.subtypes[0].levelKey, 'D1', 'the level whose ticketKinds names the kind');
  assert.equal(data.subtypes[0].flowSource, 'platform');
});
