/**
 * Browser end-to-end tests of the two-step approvals of work orders:
 *
 * - a change (变更): a vendor engineer raises a database change; the vendor
 *   project manager approves it, the agency project lead returns it from the
 *   approvals inbox with a reason; the engineer edits the rollback plan and
 *   resubmits (a second round, which starts again at the first step); both
 *   approve; the engineer starts it inside the window and completes it with
 *   the result and its verification;
 * - a content item (内容发布): drafted by the desk, reviewed by the vendor's
 *   editor, approved by the agency, published.
 *
 * Needs the built web app (web/dist) and /usr/bin/chromium. Screenshots go
 * to server/.test-data/e2e-shots/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { buildContract, type Plain } from '../helpers/factories.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';
import { createPerson, requireWebDist, startE2eApp, type E2eApp } from './e2e-app.ts';
import { beijingAt, decideInInbox, openWorkOrders, pickOption, pickTime, runCommand, stateIs, tidy } from './workorder-pages.ts';

type Person = Awaited<ReturnType<typeof createPerson>>;

let env: E2eApp;
let browser: Browser;
let contract: { id: string; code: string };
let people: { engineer: Person; pm: Person; lead: Person; desk: Person; editor: Person };

const WELFARE = '社会福利服务管理平台-残疾人两项补贴管理系统';

before(async () => {
  requireWebDist((m) => process.stderr.write(`⚠ ${m}\n`));
  env = await startE2eApp({ snapshotWeb: true });
  const c = await buildContract(env.db, (doc) => {
    const meta = doc['contract'] as Plain;
    meta['name'] = '民政信息系统运维服务（第7包，变更与内容测试）';
    const systems = doc['systems'] as Plain[];
    const s1 = systems[0];
    const s2 = systems[1];
    if (s1) s1['name'] = WELFARE;
    if (s2) s2['name'] = '民政门户网站';
  });
  contract = c;
  const parties = (await env.db.selectFrom('contract_versions').select('definition').where('contract_id', '=', c.id).executeTakeFirstOrThrow()).definition as { parties: { side: string; name: string }[] };
  const agencyOrg = parties.parties.find((p) => p.side === 'agency')?.name ?? '某市民政局';
  const vendorOrg = parties.parties.find((p) => p.side === 'vendor')?.name ?? '某信息技术有限公司';
  people = {
    engineer: await createPerson(env.db, c.id, { displayName: '孙建华', organisationName: vendorOrg, side: 'vendor' }, ['engineer']),
    pm: await createPerson(env.db, c.id, { displayName: '李强', organisationName: vendorOrg, side: 'vendor' }, ['vendorProjectManager']),
    lead: await createPerson(env.db, c.id, { displayName: '陈春梅', organisationName: agencyOrg, side: 'agency' }, ['agencyProjectLead']),
    desk: await createPerson(env.db, c.id, { displayName: '徐静怡', organisationName: vendorOrg, side: 'vendor' }, ['deskAgent']),
    editor: await createPerson(env.db, c.id, { displayName: '王芳', organisationName: vendorOrg, side: 'vendor' }, ['vendorTeamLead']),
  };
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await env?.close();
});

test('a change is approved by the vendor PM, returned by the agency with a reason, resubmitted, approved by both, started and completed', { timeout: 120_000 }, async () => {
  // 1. The engineer raises the change.
  const engineer = await newPage(browser);
  await signIn(engineer, env.baseUrl, people.engineer);
  await openWorkOrders(engineer, env.baseUrl, contract.code, '变更');
  await engineer.click('.wo-new-button');
  await engineer.waitForSelector('.wo-form-change');
  await pickOption(engineer, '#subtype', '数据库变更');
  await engineer.locator('#systemKey').click();
  await engineer.locator(`.ant-select-tree-node-content-wrapper[title="${WELFARE}"]`).click();
  await engineer.fill('#title', '调整补贴系统数据库连接池参数');
  await engineer.fill('#description', '月初补贴发放高峰期间多次出现“获取数据库连接超时”，需扩大连接池。');
  await pickTime(engineer, '#windowStart', beijingAt(-10));
  await pickTime(engineer, '#windowEnd', beijingAt(240));
  await engineer.fill('#reason', '发放高峰并发办理时连接池（最大 50）耗尽，街道窗口办理超时。');
  await engineer.locator('.wo-form-change .ant-radio-button-wrapper', { hasText: '中' }).click();
  await engineer.fill('#risks', '参数调整需重启应用服务，约 5 分钟业务中断；连接数增大可能增加数据库负载。');
  await engineer.fill('#method', '修改应用服务器数据源配置并滚动重启两台应用服务器。');
  await engineer.fill('#tools', '堡垒机、WebLogic 控制台');
  await engineer.fill('#steps_0', '在堡垒机上备份当前数据源配置文件');
  await engineer.click('.wo-add-step');
  await engineer.fill('#steps_1', '将最大连接数由 50 调整为 120，超时由 30 秒调整为 60 秒');
  await engineer.click('.wo-add-step');
  await engineer.fill('#steps_2', '依次重启应用服务器 1、2，观察连接池使用率');
  await engineer.fill('#rollbackPlan', '恢复备份的配置文件并重启应用服务。');
  await engineer.locator('.wo-backup-check').click();
  await engineer.fill('#backupNote', '配置文件已备份至堡垒机 /backup/ds-20241124.xml');
  await engineer.fill('#verificationPlan', '抽查 3 个街道窗口办理补贴申请，连接池使用率低于 70%。');
  await engineer.locator('.wo-rules-card', { hasText: '乙方项目经理审核' }).waitFor();
  await tidy(engineer);
  await screenshot(engineer, 'wo-change-01-form');
  await engineer.click('.wo-submit-button');
  await engineer.waitForURL(/\/work-orders\/[0-9a-f-]{36}$/);
  await stateIs(engineer, '待审批');
  const orderUrl = engineer.url();
  const number = (await engineer.locator('.wo-number').textContent())?.trim() ?? '';
  assert.match(number, /^BG\d{4}-\d{6}$/);
  await engineer.locator('.wo-pending', { hasText: '乙方项目经理审核' }).waitFor();
  assert.equal(await engineer.locator('.wo-header button[data-command="start"]').count(), 0, 'nothing to start before approval');

  // 2. The vendor project manager approves the first step on the order's page.
  const pm = await newPage(browser);
  await signIn(pm, env.baseUrl, people.pm);
  await pm.goto(orderUrl);
  await runCommand(pm, 'approve', () => pm.fill('#comment', '方案可行，请在窗口内实施。'));
  await pm.locator('.wo-pending', { hasText: '甲方项目负责人确认' }).waitFor();
  await stateIs(pm, '待审批');

  // 3. The agency project lead returns it from the inbox, with a reason.
  const lead = await newPage(browser);
  await signIn(lead, env.baseUrl, people.lead);
  const reason = '回退方案未说明回退后如何验证，请补充回退验证步骤和回退所需时间。';
  await decideInInbox(lead, number, 'reject', reason);

  // 4. The engineer sees why, edits the rollback plan and resubmits: a second round from the first step.
  await engineer.reload();
  await stateIs(engineer, '已退回');
  const returned = engineer.locator('.wo-returned');
  assert.match((await returned.textContent()) ?? '', /陈春梅/);
  assert.match((await returned.textContent()) ?? '', /回退方案未说明回退后如何验证/);
  await engineer.locator('.wo-approval-panel .wo-decision.rejected', { hasText: reason }).waitFor();
  await tidy(engineer);
  await screenshot(engineer, 'wo-change-02-returned');
  await engineer.click('.wo-edit-button');
  await engineer.waitForURL(/\/edit$/);
  await engineer.locator('.wo-returned', { hasText: '回退方案未说明' }).waitFor();
  await engineer.fill('#rollbackPlan', '恢复备份的配置文件并滚动重启应用服务（约 10 分钟）；回退后抽查 3 个街道窗口办理补贴申请，确认办理正常。');
  await tidy(engineer);
  await screenshot(engineer, 'wo-change-03-edit');
  await engineer.click('.wo-submit-button');
  await engineer.waitForURL(orderUrl);
  await stateIs(engineer, '待审批');
  await engineer.locator('.wo-approval-panel', { hasText: '第 2 轮' }).waitFor();
  await engineer.locator('.wo-pending', { hasText: '乙方项目经理审核' }).waitFor();
  await engineer.locator('.wo-earlier .wo-decision.rejected', { hasText: reason }).waitFor();

  // 5. Both approve the second round (the agency on the order's page this time).
  await pm.reload();
  await runCommand(pm, 'approve', () => pm.fill('#comment', '已补充回退验证，同意。'));
  await lead.goto(orderUrl);
  await lead.locator('.wo-pending', { hasText: '甲方项目负责人确认' }).waitFor();
  await runCommand(lead, 'approve', () => lead.fill('#comment', '同意在窗口内实施，完成后报告结果。'));
  await stateIs(lead, '已批准');
  const steps = lead.locator('.wo-approval-steps .wo-step-status');
  assert.deepEqual(await steps.allTextContents(), ['已批准', '已批准']);

  // 6. The engineer starts inside the window and completes with the result and its verification.
  await engineer.reload();
  await stateIs(engineer, '已批准');
  await runCommand(engineer, 'start', () => engineer.fill('#note', '已通过堡垒机登录，开始实施。'));
  await stateIs(engineer, '实施中');
  await runCommand(engineer, 'complete', async () => {
    await engineer.locator('.command-complete .ant-radio-button-wrapper', { hasText: '成功' }).click();
    await engineer.fill('#resultNote', '最大连接数已调整为 120、超时 60 秒，两台应用服务器已重启，业务中断 4 分钟。');
    await engineer.fill('#verification', '抽查劲松、双井、垡头 3 个街道窗口办理补贴申请均正常，连接池使用率峰值 46%。');
  });
  await stateIs(engineer, '已完成');
  const result = engineer.locator('.wo-change-result');
  assert.match((await result.locator('.wo-result-tag').textContent()) ?? '', /成功/);
  assert.match((await result.textContent()) ?? '', /连接池使用率峰值 46%/);
  for (const ev of ['提交审批', '审批通过', '退回', '修改', '开始实施', '完成变更']) await engineer.locator('.timeline-panel .event-what', { hasText: ev }).first().waitFor();
  await tidy(engineer);
  await screenshot(engineer, 'wo-change-04-completed');

  for (const p of [engineer, pm, lead]) await p.context().close();
});

test('a content item goes from draft through editor review and agency approval to publication', { timeout: 90_000 }, async () => {
  // 1. The desk drafts a notice for the portal and saves it as a draft first.
  const desk = await newPage(browser);
  await signIn(desk, env.baseUrl, people.desk);
  await openWorkOrders(desk, env.baseUrl, contract.code, '内容发布');
  await desk.click('.wo-new-button');
  await desk.waitForSelector('.wo-form-content');
  await pickOption(desk, '#subtype', '通知公告');
  await desk.fill('#title', '关于调整社会救助窗口服务时间的通知');
  await desk.locator('.wo-form-content .ant-radio-button-wrapper', { hasText: '网站' }).click();
  // submitting without a text is stopped in the form, mirroring the server's rule
  await desk.click('.wo-submit-button');
  await desk.locator('.ant-form-item-explain-error', { hasText: '提交审批前须填写正文' }).waitFor();
  await desk.click('.wo-draft-button');
  await desk.waitForURL(/\/work-orders\/[0-9a-f-]{36}$/);
  await stateIs(desk, '草稿');
  const orderUrl = desk.url();
  const number = (await desk.locator('.wo-number').textContent())?.trim() ?? '';
  assert.match(number, /^NR\d{4}-\d{6}$/);
  // the server's own check: a draft without a text cannot be submitted
  await desk.click('.wo-header button[data-command="submit"]');
  await desk.locator('.command-submit .ant-modal-footer .ant-btn-primary').click();
  await desk.locator('.command-submit .command-error', { hasText: '内容发布须填写正文' }).waitFor();
  await desk.keyboard.press('Escape');
  await desk.waitForSelector('.command-submit', { state: 'detached' });
  await desk.click('.wo-edit-button');
  await desk.waitForURL(/\/edit$/);
  await desk.fill('#body', '自 12 月 1 日起，各区社会救助窗口服务时间调整为工作日 8:30—17:30，中午不休息。');
  await desk.click('.wo-submit-button');
  await desk.waitForURL(orderUrl);
  await stateIs(desk, '待审批');
  await desk.locator('.wo-pending', { hasText: '乙方编辑审核' }).waitFor();

  // 2. The vendor's editor reviews and the agency approves, both from their inboxes.
  const editor = await newPage(browser);
  await signIn(editor, env.baseUrl, people.editor);
  await decideInInbox(editor, number, 'approve', '文字已校对。');
  const lead = await newPage(browser);
  await signIn(lead, env.baseUrl, people.lead);
  await decideInInbox(lead, number, 'approve', '同意发布。');

  // 3. The desk publishes it.
  await desk.reload();
  await stateIs(desk, '已批准');
  await runCommand(desk, 'publish');
  await stateIs(desk, '已发布');
  await desk.locator('.wo-outcome-card', { hasText: '徐静怡' }).waitFor();
  assert.deepEqual(await desk.locator('.wo-approval-steps .wo-step-status').allTextContents(), ['已批准', '已批准']);
  await tidy(desk);
  await screenshot(desk, 'wo-content-01-published');

  // 4. The contract's list of all kinds shows it with its kind and state.
  await openWorkOrders(desk, env.baseUrl, contract.code);
  await desk.locator('.wo-row', { hasText: number }).locator('.wo-state-tag', { hasText: '已发布' }).waitFor();
  await desk.locator('.wo-row', { hasText: number }).locator('.wo-kind-tag', { hasText: '内容发布' }).waitFor();
  await tidy(desk);
  await screenshot(desk, 'wo-list-all-kinds');

  for (const p of [desk, editor, lead]) await p.context().close();
});
