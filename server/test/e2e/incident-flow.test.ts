/**
 * Browser end-to-end test of the incident flow, as new users would click it:
 * an agency project lead reports a serious fault at a social-security-card
 * outlet (a level that needs the agency leader's instruction, with a
 * phone-then-SMS report-up); the desk acknowledges it and records that the
 * report-up call was not answered, so the SMS goes out (to a local fake
 * gateway); the engineer tries to go on site and is refused until the
 * leader records an instruction; then arrives and resolves; the desk calls
 * back; the detail page shows every target met or breached.
 *
 * Needs the built web app (web/dist) and /usr/bin/chromium. Screenshots go
 * to server/.test-data/e2e-shots/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { addContact } from '../../src/contacts/contact.service.ts';
import { buildContract, type Plain } from '../helpers/factories.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';
import { createPerson, requireWebDist, startE2eApp, type E2eApp } from './e2e-app.ts';

type Person = Awaited<ReturnType<typeof createPerson>>;

let env: E2eApp;
let browser: Browser;
let contract: { id: string; code: string };
let people: { lead: Person; leader: Person; desk: Person; engineer: Person };
const shots: string[] = [];

/** Beijing wall-clock time `minutesAgo` minutes ago, as the date picker takes it ("2026-11-24 14:05"). */
function beijingMinutesAgo(minutesAgo: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(Date.now() - minutesAgo * 60_000))
      .map((p) => [p.type, p.value]),
  );
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}`;
}

before(async () => {
  requireWebDist((m) => process.stderr.write(`⚠ ${m}\n`));
  env = await startE2eApp();
  const c = await buildContract(env.db, (doc) => {
    const meta = doc['contract'] as Plain;
    meta['name'] = '社会保障卡应用系统运行维护服务（浏览器测试）';
    const systems = doc['systems'] as Plain[];
    const s1 = systems[0];
    const s2 = systems[1];
    if (s1) s1['name'] = '社保卡服务网点系统';
    if (s2) s2['name'] = '社保卡呼叫中心系统';
    const levels = doc['severityLevels'] as Plain[];
    const p1 = levels[0];
    if (p1) {
      p1['name'] = '一般故障';
      p1['rank'] = 2;
    }
    levels.unshift({
      key: 'APP-SERIOUS',
      name: '严重故障',
      rank: 1,
      definition: '系统软件出现影响系统整体处理的重大故障性问题。处理：组织专家处理，并报信息中心领导批示；领导不同意处理的，不得擅自处理。',
      criteria: [{ metric: 'businessSeriouslyAffected', op: 'eq', value: true, label: '系统软件出现影响系统整体处理的重大故障性问题' }],
      requiresLeaderApproval: { approver: '信息中心领导' },
      targets: [
        { kind: 'respond', name: '响应', within: { amount: 30, unit: 'minutes' } },
        { kind: 'arrive', name: '到场', within: { amount: 2, unit: 'hours' } },
        { kind: 'resolve', name: '恢复业务', within: { amount: 8, unit: 'hours' } },
        { kind: 'reportUp', name: '报告信息中心领导', within: { amount: 10, unit: 'minutes' }, notify: [{ position: '信息中心领导', side: 'agency', channels: ['phone', 'sms'] }] },
      ],
    });
  });
  contract = c;
  const parties = (await env.db.selectFrom('contract_versions').select('definition').where('contract_id', '=', c.id).executeTakeFirstOrThrow()).definition as { parties: { side: string; name: string }[] };
  const agencyOrg = parties.parties.find((p) => p.side === 'agency')?.name ?? '某市人力资源和社会保障局';
  const vendorOrg = parties.parties.find((p) => p.side === 'vendor')?.name ?? '某信息技术有限公司';
  people = {
    lead: await createPerson(env.db, c.id, { displayName: '陈春梅', organisationName: agencyOrg, side: 'agency' }, ['agencyProjectLead']),
    leader: await createPerson(env.db, c.id, { displayName: '杨俊杰', organisationName: agencyOrg, side: 'agency' }, ['agencyLeader']),
    desk: await createPerson(env.db, c.id, { displayName: '徐静怡', organisationName: vendorOrg, side: 'vendor' }, ['deskAgent']),
    engineer: await createPerson(env.db, c.id, { displayName: '孙建华', organisationName: vendorOrg, side: 'vendor' }, ['engineer']),
  };
  await addContact(env.db, null, c.id, { position: '信息中心领导', name: '刘主任', side: 'agency', phone: '13800000011', priority: 1 }, new Date());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await env?.close();
});

/** Opens the contract's incident board the way a user would: contract list → contract → 故障. */
async function openBoard(page: Page): Promise<void> {
  await page.goto(`${env.baseUrl}/contracts`);
  await page.locator('.ant-table-row', { hasText: contract.code }).click();
  await page.locator('.contract-nav a', { hasText: '故障' }).click();
  await page.waitForURL(/\/incidents$/);
  await page.waitForSelector('.board, .table-card');
}

/** Opens a command's modal, optionally fills it, submits, and waits for it to close. */
async function runCommand(page: Page, command: string, fill?: () => Promise<void>): Promise<void> {
  await page.click(`button[data-command="${command}"]`);
  await page.waitForSelector(`.command-${command}`);
  await fill?.();
  await page.locator(`.command-${command} .ant-modal-footer .ant-btn-primary`).click();
  await page.waitForSelector(`.command-${command}`, { state: 'detached' });
}

async function statusIs(page: Page, text: string): Promise<void> {
  await page.locator('.incident-badges .status-tag', { hasText: text }).waitFor();
}

test('an agency user reports a serious fault; desk, engineer, leader and desk take it to callback; every deadline ends met or breached', { timeout: 90_000 }, async () => {
  // 1. The agency project lead reports the fault; the phone call came in 20 minutes ago.
  const lead = await newPage(browser);
  await signIn(lead, env.baseUrl, people.lead);
  await openBoard(lead);
  await lead.click('button:has-text("登记故障")');
  await lead.waitForSelector('.incident-form');
  await lead.locator('#reportedAt').click();
  const firstReport = beijingMinutesAgo(20);
  await lead.locator('#reportedAt').fill(firstReport);
  await lead.keyboard.press('Enter');
  await lead.locator('#channel').click();
  await lead.locator('.ant-select-item-option[title="电话"]').click();
  await lead.fill('#reporterName', '王芳');
  await lead.fill('#reporterOrg', '朝阳区劲松街道社保所');
  await lead.fill('#reporterContact', '010-87771234');
  await lead.fill('#title', '劲松街道社保所无法办理补卡业务');
  await lead.fill('#description', '上午 9 点起，网点系统提交补卡申请时提示“服务调用超时”，窗口排队 30 余人，挂失、补换卡均无法办理。');
  await lead.locator('#systemKey').click();
  await lead.locator('.ant-select-tree-node-content-wrapper[title="社保卡服务网点系统"]').click();
  await lead.fill('#site', '朝阳区劲松街道社保所 2 号窗口');
  await lead.locator('.ant-radio-button-wrapper', { hasText: '城区' }).click();
  await lead.getByText('业务受到严重影响', { exact: true }).click();
  shots.push(await screenshot(lead, '01-report-form'));
  await lead.click('button:has-text("提交登记")');
  await lead.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);
  await lead.locator('.incident-header .level-tag', { hasText: '严重故障' }).waitFor();
  await lead.locator('.approval-banner', { hasText: '须经甲方领导批示后方可处置' }).waitFor();
  const incidentUrl = lead.url();
  const number = (await lead.locator('.incident-number.big').textContent())?.trim() ?? '';
  assert.match(number, /^GZ\d{4}-\d{6}$/);
  // the clock started at the first report time, not when the form was sent
  assert.equal((await lead.locator('.fact', { hasText: '首次报告时间' }).locator('.strong').textContent())?.slice(0, 16), firstReport);
  shots.push(await screenshot(lead, '02-reported-needs-instruction'));

  // the report-up job: phone first, so the desk is asked to call
  await env.runJobs();

  // 2. The desk sees it on the board, acknowledges it, and records the unanswered call: the SMS goes out.
  const desk = await newPage(browser);
  await signIn(desk, env.baseUrl, people.desk);
  await openBoard(desk);
  const card = desk.locator('.incident-card', { hasText: number });
  await card.waitFor();
  assert.match((await card.locator('.countdown').textContent()) ?? '', /已超时|剩余/);
  shots.push(await screenshot(desk, '03-board'));
  await card.click();
  await desk.waitForURL(incidentUrl);
  await runCommand(desk, 'acknowledge');
  await statusIs(desk, '已响应');
  const notice = desk.locator('.notice', { hasText: '信息中心领导' });
  await notice.locator('.notice-status', { hasText: '等待电话结果' }).waitFor();
  const smsBefore = env.gateway.calls.filter((c) => c.path === '/sms').length;
  await notice.locator('button', { hasText: '未接通' }).click();
  await notice.locator('.notice-status', { hasText: '已送达' }).waitFor();
  const sms = env.gateway.calls.filter((c) => c.path === '/sms').slice(smsBefore);
  assert.equal(sms.length, 1, 'one SMS reached the gateway');
  assert.equal(sms[0]?.body['to'], '13800000011');
  assert.match(String(sms[0]?.body['text']), new RegExp(number));
  assert.match(String(sms[0]?.body['text']), /严重故障/);
  shots.push(await screenshot(desk, '04-desk-acknowledged-sms-sent'));

  // 3. The engineer tries to go on site and is refused: the leader has not given an instruction.
  const engineer = await newPage(browser);
  await signIn(engineer, env.baseUrl, people.engineer);
  await engineer.goto(incidentUrl);
  await engineer.click('button[data-command="arrive"]');
  await engineer.locator('.command-arrive .ant-modal-footer .ant-btn-primary').click();
  const refusal = engineer.locator('.command-arrive .command-error');
  await refusal.waitFor();
  assert.match((await refusal.textContent()) ?? '', /须经甲方领导批示后方可到场/);
  shots.push(await screenshot(engineer, '05-engineer-refused', { fullPage: false }));
  await engineer.keyboard.press('Escape');
  await engineer.waitForSelector('.command-arrive', { state: 'detached' });
  await statusIs(engineer, '已响应');

  // 4. The agency leader records the instruction.
  const leader = await newPage(browser);
  await signIn(leader, env.baseUrl, people.leader);
  await leader.goto(incidentUrl);
  await runCommand(leader, 'leaderApproval', () => leader.fill('#instruction', '同意处理。先做好数据备份，恢复后报告处理结果。'));
  await leader.locator('.approval-done', { hasText: '同意处理' }).waitFor();
  assert.equal(await leader.locator('.approval-banner').count(), 0);
  shots.push(await screenshot(leader, '06-leader-instruction'));

  // 5. The engineer arrives and resolves.
  await engineer.reload();
  await runCommand(engineer, 'arrive', () => engineer.fill('#note', '已到达劲松街道社保所。'));
  await statusIs(engineer, '已到场');
  await runCommand(engineer, 'resolve', () => engineer.fill('#resolution', '网点前置机连接池耗尽，重启前置服务并扩大连接池后恢复；已抽查补卡业务办理正常。'));
  await statusIs(engineer, '已解决');

  // 6. The desk calls the reporter back: satisfied (4 of 5).
  await desk.reload();
  await runCommand(desk, 'callback', async () => {
    await desk.locator('.command-callback .ant-rate-star').nth(3).click();
    await desk.fill('#note', '王芳确认补卡业务已恢复。');
  });
  await statusIs(desk, '已回访');

  // 7. Every target ended: response, arrival and resolution met; the report-up (10 minutes from the first report) breached.
  const rows = desk.locator('.sla-panel .sla-row');
  assert.equal(await rows.count(), 4);
  const stateOf = async (name: string) => (await desk.locator('.sla-panel .sla-row', { hasText: name }).locator('.sla-state').textContent())?.trim();
  assert.equal(await stateOf('响应'), '已达成');
  assert.equal(await stateOf('到场'), '已达成');
  assert.equal(await stateOf('恢复业务'), '已达成');
  assert.equal(await stateOf('报告信息中心领导'), '已超时');
  await desk.locator('.timeline-panel .event', { hasText: '回访' }).waitFor();
  assert.ok((await desk.locator('.timeline-panel .event').count()) >= 6);
  shots.push(await screenshot(desk, '07-callback-sla-met-breached'));

  // the board now shows it among the called-back tickets
  await openBoard(desk);
  await desk.locator('.board-column.status-callbackDone .incident-card', { hasText: number }).waitFor();
  shots.push(await screenshot(desk, '08-board-after'));
  for (const p of [lead, desk, engineer, leader]) await p.context().close();
});
