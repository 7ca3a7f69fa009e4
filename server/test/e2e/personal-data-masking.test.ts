/**
 * Browser test: personal data typed into a ticket is shown masked everywhere
 * the pages reach (security check 24). An ID number with a valid GB 11643
 * check digit, a mobile number, a Luhn-valid bank card number and the
 * reporter's name are typed through the forms into an incident and a
 * service request (服务请求); a comment carrying the same numbers is added to
 * each. The incident detail (with its timeline), board, list and keyword
 * search, and the work-order detail (with its timeline) and list then hold
 * only the masked forms: in the page's full HTML and in every JSON answer
 * the page received. The incident list's Excel export, downloaded through the
 * button after re-authentication, holds no full value either.
 *
 * Also check 16 for the free text besides title and description: a comment
 * typed with HTML in it reads as literal text in both timelines, and nothing
 * it carries runs or is injected (the content security policy is bypassed, so
 * the rendering alone is judged).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import ExcelJS from 'exceljs';
import { buildContract } from '../helpers/factories.ts';
import { withWorkOrders } from '../workorders/workorder-fixtures.ts';
import { launchChromium, screenshot, signIn, WAIT_MS } from './browser.ts';
import { createPerson, requireWebDist, startE2eApp, type E2eApp } from './e2e-app.ts';

// Fictitious values that pass their checksums (no real person or card).
const ID = '110101198003081234';
const MOBILE = '13812341234';
const CARD = '6222023000071234';
const NAME = '张三丰';

/** What each full value must be shown as. */
const MASKED = { id: '110101********1234', mobile: '138****1234', card: '6222 **** **** 1234', name: '张*丰' };
const FULL = [ID, MOBILE, CARD, NAME];

const TITLE = `市民补卡失败，身份证 ${ID}`;
const DESCRIPTION = `来电人手机 ${MOBILE}，退款银行卡 ${CARD}，社保卡补卡进度查询失败`;
const COMMENT = `已回拨 ${MOBILE} 核实，身份证 ${ID}，银行卡 ${CARD}`;
const WO_TITLE = `社保卡信息更正，身份证 ${ID}`;
const WO_DESCRIPTION = `联系人手机 ${MOBILE}，退款银行卡 ${CARD}，请核对参保信息`;

/** A comment typed with HTML in it (check 16): must read as typed, and nothing in it may run. */
const HTML_COMMENT = '<img src=x onerror="window.__xss_note=1"><script>window.__xss_note=2</script><a href="javascript:window.__xss_note=3">附件</a> 备注完毕';

let env: E2eApp;
let browser: Browser;

before(async () => {
  requireWebDist((m) => process.stderr.write(`⚠ ${m}\n`));
  env = await startE2eApp({ snapshotWeb: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await env?.close();
});

/**
 * A page that keeps every JSON answer of the API it receives (read in a route
 * handler before the page gets it, so no answer is lost to a navigation); the
 * content security policy is bypassed (check 16 judges the rendering alone).
 */
async function openPage(): Promise<{ page: Page; dialogs: string[]; posted: string[]; json: () => { url: string; body: string }[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true, bypassCSP: true });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const bodies: { url: string; body: string }[] = [];
  const posted: string[] = [];
  await context.route('**/api/**', async (route) => {
    posted.push(route.request().postData() ?? '');
    // a request the page dropped (it navigated away) reaches it neither way
    const res = await route.fetch().catch(() => null);
    if (!res) return route.abort().catch(() => undefined);
    const body = await res.body();
    if ((res.headers()['content-type'] ?? '').includes('json')) bodies.push({ url: route.request().url(), body: body.toString('utf8') });
    // the page may have navigated away meanwhile
    await route.fulfill({ response: res, body }).catch(() => undefined);
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => process.stderr.write(`[browser] page error: ${e.message}\n`));
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, dialogs, posted, json: () => bodies.splice(0) };
}

/** The full values found in a text. */
function fullValuesIn(text: string): string[] {
  return FULL.filter((v) => text.includes(v));
}

/** The page's HTML shows the masked forms and no full value. */
async function assertMaskedPage(page: Page, where: string, masked: string[]): Promise<void> {
  const html = await page.content();
  assert.deepEqual(fullValuesIn(html), [], `${where}: no full value in the HTML`);
  for (const m of masked) assert.ok(html.includes(m), `${where}: the HTML shows ${m}`);
}

/** Every JSON answer so far holds no full value; returns their paths. */
function assertMaskedJson(json: () => { url: string; body: string }[], where: string): string[] {
  const bodies = json();
  for (const b of bodies) assert.deepEqual(fullValuesIn(b.body), [], `${where}: no full value in ${b.url}`);
  return bodies.map((b) => new URL(b.url).pathname);
}

/** Checks the JSON answers so far once the page is quiet. */
async function settle(page: Page, json: () => { url: string; body: string }[], where: string): Promise<string[]> {
  await page.waitForLoadState('networkidle');
  return assertMaskedJson(json, where);
}

/** Nothing the HTML comment carried ran or was injected, and it reads as typed in the timeline. */
async function assertCommentInert(page: Page, where: string): Promise<void> {
  await page.locator('.event-value', { hasText: '备注完毕' }).waitFor();
  assert.ok((await page.locator('.event-value').allTextContents()).includes(HTML_COMMENT), `${where}: the comment reads as typed`);
  await page.waitForTimeout(500); // a failed image load fires its handler late
  assert.equal(await page.evaluate('typeof window.__xss_note'), 'undefined', `${where}: no handler ran`);
  assert.equal(await page.locator('img[onerror], [href^="javascript:" i]').count(), 0, `${where}: no element injected`);
}

test('ID, mobile, bank card and name typed into an incident and a service request are masked in the pages, their JSON, the timelines and the Excel export', { timeout: 90_000 }, async () => {
  const contract = await buildContract(env.db, withWorkOrders);
  const lead = await createPerson(env.db, contract.id, { displayName: '陈春梅', organisationName: `某市测试局${contract.code}`, side: 'agency' }, ['agencyProjectLead']);
  const { page, dialogs, posted, json } = await openPage();
  await signIn(page, env.baseUrl, lead);

  // 1. report the incident through the form, with the name and mobile in the reporter fields
  await page.goto(`${env.baseUrl}/contracts/${contract.id}/incidents/new`);
  await page.waitForSelector('.incident-form');
  await page.fill('#reporterName', NAME);
  await page.fill('#reporterContact', MOBILE);
  await page.fill('#title', TITLE);
  await page.fill('#description', DESCRIPTION);
  await page.locator('#systemKey').click();
  await page.locator('.ant-select-tree-node-content-wrapper[title="测试系统一"]').click();
  await page.locator('.level-radio', { hasText: '一级故障' }).click();
  await page.click('button:has-text("提交登记")');
  await page.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);
  const incidentId = page.url().split('/').pop() ?? '';
  await page.locator('.incident-title').waitFor();
  await settle(page, json, 'incident form');
  assert.deepEqual(fullValuesIn(posted.join('\n')), FULL, 'the form sent every full value (so their absence below means masking)');

  // 2. a comment with the same numbers, and one with HTML, through the API as this user
  const detail = (await (await page.request.get(`${env.baseUrl}/api/incidents/${incidentId}`)).json()) as { incident: { version: number } };
  let version = detail.incident.version;
  for (const text of [COMMENT, HTML_COMMENT]) {
    const res = await page.request.post(`${env.baseUrl}/api/incidents/${incidentId}/commands`, { data: { version, command: { type: 'comment', text } } });
    assert.equal(res.status(), 200, await res.text());
    version = ((await res.json()) as { version: number }).version;
  }

  // 3. the detail page with its timeline
  await page.reload();
  await page.locator('.incident-title').waitFor();
  await page.locator('.event-value', { hasText: MASKED.card }).waitFor();
  assert.equal(await page.locator('.incident-title').textContent(), `市民补卡失败，身份证 ${MASKED.id}`);
  assert.equal(await page.locator('.incident-description').textContent(), `来电人手机 ${MASKED.mobile}，退款银行卡 ${MASKED.card}，社保卡补卡进度查询失败`);
  assert.ok((await page.locator('.event-value').allTextContents()).includes(`已回拨 ${MASKED.mobile} 核实，身份证 ${MASKED.id}，银行卡 ${MASKED.card}`), 'the timeline shows the comment masked');
  await assertMaskedPage(page, 'incident detail', Object.values(MASKED));
  await assertCommentInert(page, 'incident timeline');
  await screenshot(page, 'masking-01-incident-detail');
  const seen = await settle(page, json, 'incident detail');
  assert.ok(seen.includes(`/api/incidents/${incidentId}`), 'the detail JSON was read');

  // 4. board, list and keyword search
  await page.locator('.contract-nav a', { hasText: '故障' }).click();
  await page.locator('.incident-card', { hasText: '市民补卡失败' }).waitFor();
  await assertMaskedPage(page, 'incident board', [MASKED.id]);
  await page.locator('.ant-segmented-item', { hasText: '列表' }).click();
  await page.locator('.ant-table-row', { hasText: '市民补卡失败' }).waitFor();
  await assertMaskedPage(page, 'incident list', [MASKED.id, MASKED.name]);
  await page.fill('.filter-q input', '补卡');
  await page.keyboard.press('Enter');
  await page.waitForURL(/q=/);
  await page.locator('.ant-table-row', { hasText: '市民补卡失败' }).waitFor();
  await assertMaskedPage(page, 'incident search', [MASKED.id, MASKED.name]);
  const listed = await settle(page, json, 'incident board, list and search');
  assert.ok(listed.includes(`/api/contracts/${contract.id}/incidents`), 'the list JSON was read');

  // 5. the Excel export of the list, after confirming the password
  await page.locator('button', { hasText: '导出 Excel' }).click();
  await page.waitForSelector('.reauth-modal #reauth-password');
  await page.fill('#reauth-password', lead.password);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.reauth-modal .ant-btn-primary').click()]);
  const file = readFileSync((await download.path()) ?? '');
  assert.equal(file.subarray(0, 2).toString('latin1'), 'PK', 'an Excel (zip) file');
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(file as unknown as ArrayBuffer);
  const cells = book.worksheets.flatMap((s) => s.getSheetValues().flat().map(String)).join('\n');
  assert.ok(cells.includes('市民补卡失败'), 'the export holds the incident');
  assert.deepEqual(fullValuesIn(cells), [], 'no full value in the Excel export');
  assert.ok(cells.includes(MASKED.id), 'the export shows the masked ID number');

  await settle(page, json, 'export');
  // 6. a service request through the form, with the mobile in its contact field, and the same comments
  await page.goto(`${env.baseUrl}/contracts/${contract.id}/work-orders/new?kind=serviceRequest`);
  await page.waitForSelector('.wo-form-serviceRequest');
  await page.fill('#title', WO_TITLE);
  await page.fill('#description', WO_DESCRIPTION);
  await page.fill('#contact', MOBILE);
  await page.click('.wo-submit-button');
  await page.waitForURL(/\/work-orders\/[0-9a-f-]{36}$/);
  const orderId = page.url().split('/').pop() ?? '';
  await page.locator('.wo-description').waitFor();
  await settle(page, json, 'work-order form');
  const order = (await (await page.request.get(`${env.baseUrl}/api/work-orders/${orderId}`)).json()) as { workOrder: { version: number } };
  version = order.workOrder.version;
  for (const text of [COMMENT, HTML_COMMENT]) {
    const res = await page.request.post(`${env.baseUrl}/api/work-orders/${orderId}/commands`, { data: { version, command: { type: 'comment', text } } });
    assert.equal(res.status(), 200, await res.text());
    version = ((await res.json()) as { version: number }).version;
  }
  await page.reload();
  await page.locator('.wo-description').waitFor();
  await page.locator('.event-value', { hasText: MASKED.card }).waitFor();
  assert.equal(await page.locator('.incident-title').textContent(), `社保卡信息更正，身份证 ${MASKED.id}`);
  // the description's own text (a reveal button follows it for those allowed to reveal)
  assert.equal(await page.locator('.wo-description').evaluate((e) => e.firstChild?.textContent), `联系人手机 ${MASKED.mobile}，退款银行卡 ${MASKED.card}，请核对参保信息`);
  await assertMaskedPage(page, 'work-order detail', [MASKED.id, MASKED.mobile, MASKED.card]);
  await assertCommentInert(page, 'work-order timeline');
  await screenshot(page, 'masking-02-work-order-detail');
  const woSeen = await settle(page, json, 'work-order detail');
  assert.ok(woSeen.includes(`/api/work-orders/${orderId}`), 'the work-order JSON was read');

  // 7. the work-order list
  await page.goto(`${env.baseUrl}/contracts/${contract.id}/work-orders`);
  await page.locator('.ant-table-row', { hasText: '社保卡信息更正' }).waitFor();
  await assertMaskedPage(page, 'work-order list', [MASKED.id]);
  await settle(page, json, 'work-order list');
  assert.deepEqual(dialogs, [], 'no dialog opened');
  await page.context().close();
});
