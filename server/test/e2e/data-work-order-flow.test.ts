/**
 * Browser end-to-end test of a data work order (数据处理工单), as the people
 * of the civil-affairs contract would click it: a vendor engineer raises a
 * data extraction from the welfare system for the municipal welfare office
 * (the need was phoned in 20 minutes earlier); the execution is neither
 * offered nor accepted before the agency signs; the agency project lead
 * approves it from the approvals inbox, confirming her password first (re-authentication); the engineer records the execution
 * evidence (statement, counts, uploaded output file with its SM3 digest) and
 * delivers; the welfare office confirms; the audit log shows every step; the
 * 30-minute response deadline is met. A second order, raised by the agency
 * 45 minutes ago and acknowledged only now, shows the deadline breached.
 *
 * Needs the built web app (web/dist) and /usr/bin/chromium. Screenshots go
 * to server/.test-data/e2e-shots/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import ExcelJS from 'exceljs';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.ts';
import { enrolTotpDirectly } from '../../src/auth/two-factor.service.ts';
import { totpCode } from '../../src/auth/totp.ts';
import { buildContract, type Plain } from '../helpers/factories.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';
import { createPerson, requireWebDist, startE2eApp, type E2eApp } from './e2e-app.ts';
import { beijingAt, openWorkOrders, pickOption, pickTime, runCommand, stateIs, tidy } from './workorder-pages.ts';

type Person = Awaited<ReturnType<typeof createPerson>>;

let env: E2eApp;
let browser: Browser;
let contract: { id: string; code: string };
let people: { engineer: Person; lead: Person; office: Person; auditor: Person };
/** The auditor's TOTP secret (auditors must use a second factor). */
let auditorSecret: string;

const WELFARE = '社会福利服务管理平台-残疾人两项补贴管理系统';

before(async () => {
  requireWebDist((m) => process.stderr.write(`⚠ ${m}\n`));
  env = await startE2eApp({ snapshotWeb: true });
  const c = await buildContract(env.db, (doc) => {
    const meta = doc['contract'] as Plain;
    meta['name'] = '民政信息系统运维服务（第7包，浏览器测试）';
    const systems = doc['systems'] as Plain[];
    const s1 = systems[0];
    const s2 = systems[1];
    if (s1) s1['name'] = WELFARE;
    if (s2) s2['name'] = '社会救助信息管理系统';
    // the civil-affairs contract's data level: respond within 30 minutes of the request (L1227)
    (doc['severityLevels'] as Plain[]).push({
      key: 'D1',
      name: '数据运维需求',
      rank: 5,
      definition: '采购方（业务部门）提出的数据运维需求；涉及数据处理的，须先申请工单并经甲方签字同意。',
      ticketKinds: ['dataWorkOrder', 'serviceRequest'],
      targets: [{ kind: 'respond', name: '提出需求后响应', within: { amount: 30, unit: 'minutes' } }],
    });
  });
  contract = c;
  const parties = (await env.db.selectFrom('contract_versions').select('definition').where('contract_id', '=', c.id).executeTakeFirstOrThrow()).definition as { parties: { side: string; name: string }[] };
  const agencyOrg = parties.parties.find((p) => p.side === 'agency')?.name ?? '某市民政局';
  const vendorOrg = parties.parties.find((p) => p.side === 'vendor')?.name ?? '某信息技术有限公司';
  people = {
    engineer: await createPerson(env.db, c.id, { displayName: '孙建华', organisationName: vendorOrg, side: 'vendor' }, ['engineer']),
    lead: await createPerson(env.db, c.id, { displayName: '陈春梅', organisationName: agencyOrg, side: 'agency' }, ['agencyProjectLead']),
    office: await createPerson(env.db, c.id, { displayName: '刘敏', organisationName: agencyOrg, side: 'agency' }, ['agencyReviewer']),
    auditor: await createPerson(env.db, c.id, { displayName: '周静', organisationName: agencyOrg, side: 'agency' }, ['auditor']),
  };
  auditorSecret = await enrolTotpDirectly(env.db, SYSTEM_ACTOR, people.auditor.id, new Date());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await env?.close();
});

async function slaStateOf(page: Page, target: string): Promise<string | undefined> {
  return (await page.locator('.sla-panel .sla-row', { hasText: target }).locator('.sla-state').textContent())?.trim();
}

test('a data extraction is raised, signed by the agency, executed with evidence, delivered, confirmed and audited; the 30-minute response is met', { timeout: 120_000 }, async () => {
  // 1. The engineer raises the extraction; the welfare office phoned it in 20 minutes ago.
  const engineer = await newPage(browser);
  await signIn(engineer, env.baseUrl, people.engineer);
  await openWorkOrders(engineer, env.baseUrl, contract.code, '数据处理工单');
  await engineer.click('.wo-new-button');
  await engineer.waitForSelector('.wo-form-dataWorkOrder');
  await pickOption(engineer, '#subtype', '数据提取');
  await engineer.locator('#systemKey').click();
  await engineer.locator(`.ant-select-tree-node-content-wrapper[title="${WELFARE}"]`).click();
  const requestedAt = beijingAt(-20);
  await pickTime(engineer, '#requestedAt', requestedAt);
  await engineer.fill('#title', '提取 2024 年 3 月残疾人两项补贴发放明细');
  await engineer.fill('#description', '市社会福利管理处来电：为核对 3 月补贴发放，需提取朝阳区发放明细，供处内复核。');
  await engineer.fill('#requesterName', '市社会福利管理处');
  await pickOption(engineer, '#requesterUserId', '刘敏');
  await pickOption(engineer, '#assigneeUserId', '孙建华');
  await pickTime(engineer, '#windowStart', beijingAt(-10));
  await pickTime(engineer, '#windowEnd', beijingAt(180));
  await engineer.fill('#purpose', '核对 2024 年 3 月朝阳区残疾人两项补贴发放情况，排查重复发放。');
  await engineer.fill('#legalBasis', '合同附件三第 4 部分“数据运维需求”；市社会福利管理处 2024 年 4 月 2 日来函。');
  await engineer.fill('#tables_0_name', 'T_SUBSIDY_PAYMENT');
  for (const field of ['PERSON_NAME', 'ID_NO', 'BANK_ACCOUNT', 'AMOUNT', 'PAY_MONTH']) {
    await engineer.locator('#tables_0_fields').fill(field);
    await engineer.keyboard.press('Enter');
  }
  await engineer.keyboard.press('Escape');
  for (const category of ['姓名', '身份证号', '银行卡/存折账号']) await engineer.locator('.wo-pd-checks label', { hasText: category }).click();
  await engineer.fill('#rowEstimate', '1200');
  await engineer.fill('#dataEnvironment', '甲方政务外网运维终端');
  await engineer.fill('#deliveryMethod', '加密压缩包当面交付');
  await engineer.locator('.wo-rules-card', { hasText: '甲方项目负责人审批签字' }).waitFor();
  await tidy(engineer);
  await screenshot(engineer, 'wo-data-01-form');
  await engineer.click('.wo-submit-button');
  await engineer.waitForURL(/\/work-orders\/[0-9a-f-]{36}$/);
  await stateIs(engineer, '待审批');
  const orderUrl = engineer.url();
  const orderId = orderUrl.split('/').pop() ?? '';
  const number = (await engineer.locator('.wo-number').textContent())?.trim() ?? '';
  assert.match(number, /^SJ\d{4}-\d{6}$/);
  assert.equal((await engineer.locator('.fact', { hasText: '提出需求时间' }).locator('.strong').textContent())?.slice(0, 16), requestedAt);
  await engineer.locator('.wo-gate', { hasText: '数据处理须经甲方签字同意' }).waitFor();
  await engineer.locator('.wo-pending', { hasText: '甲方项目负责人' }).waitFor();
  // the vendor's submission is its response: the 30-minute target is met
  assert.equal(await slaStateOf(engineer, '提出需求后响应'), '已达成');

  // 2. Before the agency signs, execution is not offered, and the server refuses it.
  assert.equal(await engineer.locator('button[data-command="execute"]').count(), 0);
  const detail = (await (await engineer.request.get(`${env.baseUrl}/api/work-orders/${orderId}`)).json()) as { workOrder: { version: number }; availableCommands: string[] };
  assert.ok(!detail.availableCommands.includes('execute'));
  const refused = await engineer.request.post(`${env.baseUrl}/api/work-orders/${orderId}/commands`, {
    data: { version: detail.workOrder.version, command: { type: 'execute', statement: 'SELECT 1', beforeCount: 0, afterCount: 0, output: { fileName: 'x.csv', sm3: 'a'.repeat(64) } } },
  });
  assert.equal(refused.status(), 422);
  const refusal = (await refused.json()) as { error: { code: string; message: string } };
  assert.equal(refusal.error.code, 'WORK_ORDER_APPROVAL_REQUIRED');
  assert.match(refusal.error.message, /未经甲方审批签字，不能执行/);
  await tidy(engineer);
  await screenshot(engineer, 'wo-data-02-pending');

  // 3. The agency project lead finds it in the approvals inbox and signs.
  const lead = await newPage(browser);
  await signIn(lead, env.baseUrl, people.lead);
  await lead.locator('.nav-approvals .ant-badge', { hasText: '1' }).waitFor();
  await lead.locator('.nav-approvals').click();
  await lead.waitForURL(/\/approvals$/);
  const row = lead.locator('.inbox-row', { hasText: number });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /甲方项目负责人审批签字/);
  assert.match((await row.locator('.wo-waited').textContent()) ?? '', /^已等待/);
  await tidy(lead);
  await screenshot(lead, 'wo-data-03-inbox');
  await row.locator('button[data-inbox="approve"]').click();
  await lead.waitForSelector('.inbox-approve');
  await lead.fill('.inbox-approve #comment', '同意。仅限在甲方运维终端上操作，结果加密后当面交付。');
  await lead.locator('.inbox-approve .ant-modal-footer .ant-btn-primary').click();
  // signing data work is a sensitive action: the app asks for the password, then sends the approval again
  await lead.waitForSelector('.reauth-modal #reauth-password');
  await lead.fill('#reauth-password', people.lead.password);
  await tidy(lead);
  await screenshot(lead, 'wo-data-03b-reauth', { fullPage: false });
  await lead.locator('.reauth-modal .ant-btn-primary').click();
  await lead.waitForSelector('.reauth-modal', { state: 'hidden' });
  await lead.waitForSelector('.inbox-approve', { state: 'detached' });
  await lead.locator('.approvals-inbox-page', { hasText: '没有等待您审批的事项' }).waitFor();
  assert.equal(await lead.locator('.nav-approvals .ant-badge-count').count(), 0);

  // 4. The engineer executes inside the window and records the evidence, then delivers.
  await engineer.reload();
  await stateIs(engineer, '已批准');
  await engineer.locator('.wo-grants-card', { hasText: '生效中' }).waitFor();
  await engineer.locator('.wo-approval-panel .wo-decision', { hasText: '陈春梅' }).waitFor();
  const output = Buffer.from('姓名,发放月份,金额\n张*,2024-03,1200.00\n', 'utf8');
  await runCommand(engineer, 'execute', async () => {
    await engineer.fill('#statement', "SELECT PERSON_NAME, ID_NO, BANK_ACCOUNT, AMOUNT FROM T_SUBSIDY_PAYMENT WHERE PAY_MONTH = '2024-03' AND DISTRICT = '朝阳区';");
    await engineer.fill('#beforeCount', '1187');
    await engineer.fill('#afterCount', '1187');
    await engineer.locator('.command-execute input[type=file]').setInputFiles({ name: 'subsidy-2024-03.csv', mimeType: 'text/csv', buffer: output });
    await engineer.locator('.command-execute .wo-output-select .ant-select-content', { hasText: 'subsidy-2024-03.csv' }).or(engineer.locator('.command-execute .wo-output-select .ant-select-selection-item', { hasText: 'subsidy-2024-03.csv' })).first().waitFor();
    await tidy(engineer);
    await screenshot(engineer, 'wo-data-04-execute', { fullPage: false });
  });
  await stateIs(engineer, '已执行');
  const execution = engineer.locator('.wo-execution');
  assert.match((await execution.locator('.wo-counts').textContent()) ?? '', /1,187.*1,187/);
  assert.match((await execution.textContent()) ?? '', /subsidy-2024-03\.csv/);
  assert.match((await execution.locator('.wo-digest').textContent()) ?? '', /^[0-9a-f]{64}$/);
  await runCommand(engineer, 'deliver', () => engineer.fill('#method', '加密压缩包当面交付刘敏，解压密码电话告知。'));
  await stateIs(engineer, '已交付');

  // 5. The welfare office confirms; access ends; the form prints as PDF.
  const office = await newPage(browser);
  await signIn(office, env.baseUrl, people.office);
  await office.goto(orderUrl);
  await stateIs(office, '已交付');
  await runCommand(office, 'confirm', () => office.fill('#comment', '已收到明细，核对无误。'));
  await stateIs(office, '已关闭');
  await office.locator('.wo-grants-card', { hasText: '已收回' }).waitFor();
  assert.equal(await slaStateOf(office, '提出需求后响应'), '已达成');
  for (const ev of ['登记', '提交审批', '审批通过', '数据访问授权', '登记执行', '交付结果', '需求方确认', '数据访问授权收回']) {
    await office.locator('.timeline-panel .event-what', { hasText: ev }).first().waitFor();
  }
  const [download] = await Promise.all([office.waitForEvent('download'), office.click('.wo-print-button')]);
  assert.equal(download.suggestedFilename(), `工单-${number}.pdf`);
  const pdf = readFileSync((await download.path()) ?? '');
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  await tidy(office);
  await screenshot(office, 'wo-data-05-closed');

  // 6. The auditor sees the whole trail in the audit log.
  // (auditors sign in with a second factor; the password and the code are sent through the page's own session)
  const auditor = await newPage(browser);
  const first = await auditor.request.post(`${env.baseUrl}/api/auth/login`, { data: { username: people.auditor.username, password: people.auditor.password } });
  assert.equal(((await first.json()) as { stage: string }).stage, 'secondFactor');
  const second = await auditor.request.post(`${env.baseUrl}/api/auth/login/second-factor`, { data: { code: totpCode(auditorSecret, new Date()) } });
  assert.equal(second.status(), 200);
  await auditor.goto(`${env.baseUrl}/audit`);
  await auditor.locator('.ant-table-row').first().waitFor();
  for (const action of ['登记工单', '工单提交审批', '工单审批通过', '授予数据访问权限', '登记数据处理执行', '交付结果', '需求方确认', '收回数据访问权限', '打印工单']) {
    await auditor.locator('.ant-table-row', { hasText: action }).first().waitFor();
  }
  const approvalRow = auditor.locator('.ant-table-row', { hasText: '工单审批通过' }).first();
  assert.match((await approvalRow.textContent()) ?? '', /陈春梅/);
  await tidy(auditor);
  await screenshot(auditor, 'wo-data-06-audit');

  // 7. A request the agency raised 45 minutes ago and the vendor acknowledges only now: the response is late.
  const late = await office.request.post(`${env.baseUrl}/api/contracts/${contract.id}/work-orders`, {
    data: {
      kind: 'dataWorkOrder',
      subtype: 'query',
      title: '查询 2024 年 3 月新增重度残疾人护理补贴人数',
      systemKey: 'S1',
      requestedAt: new Date(Date.now() - 45 * 60_000).toISOString(),
      details: { purpose: '月度统计', legalBasis: '处内统计需要' },
    },
  });
  assert.equal(late.status(), 201);
  const lateId = ((await late.json()) as { id: string }).id;
  await engineer.goto(`${env.baseUrl}/work-orders/${lateId}`);
  await stateIs(engineer, '草稿');
  await runCommand(engineer, 'acknowledge', () => engineer.fill('#note', '已受理，待需求方补全表和字段后提交审批。'));
  await engineer.locator('.sla-panel .sla-row', { hasText: '提出需求后响应' }).locator('.sla-state', { hasText: '已超时' }).waitFor();
  await engineer.locator('.wo-header .ant-tag', { hasText: '已超时' }).waitFor();
  await tidy(engineer);
  await screenshot(engineer, 'wo-data-07-late-response');

  for (const p of [engineer, lead, office, auditor]) await p.context().close();
});

test('an unmasked export is requested on the form, approved after re-authentication, and downloaded once by the executor with a watermark', { timeout: 120_000 }, async () => {
  // a fault whose description holds a citizen's ID number: the platform shows it masked
  const citizenId = '11010519491231002X';
  const office = await newPage(browser);
  await signIn(office, env.baseUrl, people.office);
  const incident = await office.request.post(`${env.baseUrl}/api/contracts/${contract.id}/incidents`, {
    data: { title: '补贴发放查询失败', description: `群众（身份证 ${citizenId}）反映补贴到账查询失败`, systemKey: 'S1', channel: 'phone', reporterName: '街道民政科', reportedAt: new Date().toISOString(), levelKey: 'P1' },
  });
  assert.equal(incident.status(), 201, await incident.text());

  // 1. The engineer asks for the one unmasked export of today's faults on the extraction form.
  const engineer = await newPage(browser);
  await signIn(engineer, env.baseUrl, people.engineer);
  await engineer.goto(`${env.baseUrl}/contracts/${contract.id}/work-orders/new?kind=dataWorkOrder`);
  await engineer.waitForSelector('.wo-form-dataWorkOrder');
  await pickOption(engineer, '#subtype', '数据提取');
  await engineer.locator('#systemKey').click();
  await engineer.locator(`.ant-select-tree-node-content-wrapper[title="${WELFARE}"]`).click();
  await pickTime(engineer, '#requestedAt', beijingAt(-5));
  await engineer.fill('#title', '导出今日补贴类故障的报告人明细');
  await pickOption(engineer, '#requesterUserId', '刘敏');
  await pickOption(engineer, '#assigneeUserId', '孙建华');
  await pickTime(engineer, '#windowStart', beijingAt(-1));
  await pickTime(engineer, '#windowEnd', beijingAt(120));
  await engineer.fill('#purpose', '逐一回访今日报告补贴查询故障的群众。');
  await engineer.fill('#legalBasis', '市社会福利管理处回访工作安排。');
  await engineer.fill('#tables_0_name', 'INCIDENTS');
  await engineer.fill('#rowEstimate', '10');
  await engineer.locator('.wo-export-scope-edit label', { hasText: '申请明文导出故障单' }).click();
  const today = beijingAt(0).slice(0, 10);
  await engineer.locator('#exportDays').click();
  await engineer.locator('#exportDays').fill(today);
  await engineer.keyboard.press('Enter');
  await engineer.locator('.wo-export-scope-edit .ant-picker-input input').nth(1).fill(today);
  await engineer.keyboard.press('Enter');
  await tidy(engineer);
  await screenshot(engineer, 'wo-export-01-form');
  await engineer.click('.wo-submit-button');
  await engineer.waitForURL(/\/work-orders\/[0-9a-f-]{36}$/);
  await stateIs(engineer, '待审批');
  const orderId = engineer.url().split('/').pop() ?? '';
  await engineer.locator('.wo-export-scope', { hasText: today }).waitFor();
  const stored = (await (await engineer.request.get(`${env.baseUrl}/api/work-orders/${orderId}`)).json()) as { workOrder: { version: number; details: { exportScope?: { reportedFrom: string; reportedTo: string } } } };
  const scope = stored.workOrder.details.exportScope;
  assert.ok(scope, 'the export scope was saved with the order');
  assert.equal(new Date(scope.reportedTo).getTime() - new Date(scope.reportedFrom).getTime(), 24 * 3_600_000, 'one whole day in Beijing time');

  // 2. Before approval there is no export button; the agency lead approves (with her password).
  assert.equal(await engineer.locator('.wo-unmasked-export-button').count(), 0);
  const lead = await newPage(browser);
  await signIn(lead, env.baseUrl, people.lead);
  await lead.request.post(`${env.baseUrl}/api/auth/reauth`, { data: { password: people.lead.password } });
  const approved = await lead.request.post(`${env.baseUrl}/api/work-orders/${orderId}/commands`, { data: { version: stored.workOrder.version, command: { type: 'approve', comment: '同意，仅用于回访。' } } });
  assert.equal(approved.status(), 200, await approved.text());

  // 3. The engineer downloads the export once, after confirming his password.
  await engineer.reload();
  await stateIs(engineer, '已批准');
  await engineer.locator('.wo-unmasked-export-button').click();
  await engineer.waitForSelector('.reauth-modal #reauth-password');
  await engineer.fill('#reauth-password', people.engineer.password);
  const [download] = await Promise.all([engineer.waitForEvent('download'), engineer.locator('.reauth-modal .ant-btn-primary').click()]);
  const file = readFileSync((await download.path()) ?? '');
  assert.equal(file.subarray(0, 2).toString('latin1'), 'PK', 'an Excel (zip) file');
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(file as unknown as ArrayBuffer);
  const text = book.worksheets.flatMap((s) => s.getSheetValues().flat().map(String)).join('\n');
  assert.ok(text.includes(citizenId), 'the original ID number, not the masked one');
  assert.match(text, /孙建华/, 'watermarked with the person who exported');
  await stateIs(engineer, '已执行');
  assert.equal(await engineer.locator('.wo-unmasked-export-button').count(), 0, 'once only');
  await tidy(engineer);
  await screenshot(engineer, 'wo-export-02-executed');
  for (const p of [engineer, lead, office]) await p.context().close();
});
