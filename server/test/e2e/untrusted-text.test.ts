/**
 * Browser test: text a user types is shown as text (security check 16, the
 * stored XSS corpus). `<script>`, `<img onerror>`, `<svg onload>`,
 * `<iframe srcdoc>`, `<details ontoggle>`, `javascript:` and `data:text/html`
 * links, and CSS `expression(…)` in `style=` and `<style>`, typed into an
 * incident's and a service request's title and description, render inert on
 * the detail pages, the incident board and list and the work-order list: no
 * dialog opens, no handler sets its global flag, no element, handler
 * attribute or URL is injected, and the text reads exactly as typed.
 *
 * The pages run with the content security policy bypassed, so that these
 * tests judge the rendering alone (the policy is a second layer, and would
 * otherwise block the handlers even if the text were rendered as HTML). A
 * first test renders the same corpus as HTML on purpose and checks that every
 * detector trips there, so the checks can fail; it also shows that the
 * policy by itself stops the handlers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { buildContract } from '../helpers/factories.ts';
import { withWorkOrders } from '../workorders/workorder-fixtures.ts';
import { launchChromium, newPage, screenshot, signIn, WAIT_MS } from './browser.ts';
import { createPerson, requireWebDist, startE2eApp, type E2eApp } from './e2e-app.ts';

/** What an active payload runs: sets the global `__xss_<name>` and opens a dialog. */
const fire = (name: string, scope = ''): string => `${scope}__xss_${name}=1;${scope}alert('${name}')`;

const TITLE = '<script>alert(1)</script><img src=x onerror=alert(2)> 补卡失败';
const DESCRIPTION = ['[点此查看日志](javascript:alert(3))', '<a href="javascript:alert(4)">详情</a>', 'javascript:alert(5)', '<iframe src="javascript:alert(6)"></iframe>'].join('\n');

const CORPUS_TITLE = `<img src=x onerror="${fire('tImg')}"><svg onload="${fire('tSvg')}"></svg><details open ontoggle="${fire('tDetails')}"></details> 门户网站无法访问`;
const CORPUS_DESCRIPTION = [
  `<img src=x onerror="${fire('img')}">`,
  `<svg onload="${fire('svg')}"></svg>`,
  `<iframe srcdoc="<script>${fire('srcdoc', 'parent.')}</script>"></iframe>`,
  `<details open ontoggle="${fire('details')}">展开</details>`,
  `<a href="data:text/html,<script>alert('data')</script>">下载日志</a>`,
  '[日志](data:text/html;base64,PHNjcmlwdD5hbGVydCgnZGF0YScpPC9zY3JpcHQ+)',
  `<div style="width:expression(alert('css'));background:url(javascript:alert('css'))">样式</div>`,
  `<style>body{background:expression(alert('style'))}</style>`,
].join('\n');

/** The flags the corpus's handlers set when they run. */
const CORPUS_FLAGS = ['details', 'img', 'srcdoc', 'svg', 'tDetails', 'tImg', 'tSvg'].map((n) => `__xss_${n}`);

/** Time for late handlers (a failed image load, a frame, a toggle event) to run; the control shows it is enough. */
const SETTLE_MS = 800;

/** What the text could have injected, by selector. */
const SELECTORS = {
  'img onerror': 'img[onerror]',
  'svg onload': 'svg[onload], svg [onload]',
  'frame or object': 'iframe, frame, object, embed',
  'details ontoggle': 'details[ontoggle]',
  'javascript: URL': '[href^="javascript:" i], [src^="javascript:" i], [action^="javascript:" i], [formaction^="javascript:" i]',
  'data: URL': '[href^="data:" i], [src^="data:text" i]',
  'CSS in a style attribute': '[style*="expression" i], [style*="javascript:" i]',
};

/** Runs in the page: the flags that were set and how many of each kind of injected thing it holds. */
const PROBE = `(() => {
  const found = {};
  for (const [name, selector] of Object.entries(${JSON.stringify(SELECTORS)})) found[name] = document.querySelectorAll(selector).length;
  const withText = (tag, re) => [...document.querySelectorAll(tag)].filter((e) => re.test(e.textContent ?? '')).length;
  found['script element'] = withText('script', /alert\\(|__xss_/);
  found['style element'] = withText('style', /expression\\(|javascript:/i);
  found['on* attribute'] = [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length;
  return { fired: Object.keys(window).filter((k) => k.startsWith('__xss_')).sort(), found };
})()`;
const ZProbe = z.object({ fired: z.array(z.string()), found: z.record(z.string(), z.number()) });
type Probe = z.infer<typeof ZProbe>;

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

/** A page with every dialog recorded (and dismissed). `bypassCsp`: ignore the content security policy. */
async function openPage(bypassCsp: boolean): Promise<{ page: Page; dialogs: string[] }> {
  let page: Page;
  if (bypassCsp) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', bypassCSP: true });
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    page = await context.newPage();
    page.on('pageerror', (e) => process.stderr.write(`[browser] page error: ${e.message}\n`));
  } else {
    page = await newPage(browser);
  }
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, dialogs };
}

/** Lets late handlers run, then probes the page. */
async function probe(page: Page): Promise<Probe> {
  await page.waitForTimeout(SETTLE_MS);
  return ZProbe.parse(await page.evaluate(PROBE));
}

/** Nothing the text could have injected is in the page, and nothing ran. */
async function assertInert(page: Page, dialogs: string[], where: string): Promise<void> {
  const p = await probe(page);
  assert.deepEqual(p.fired, [], `${where}: no handler ran`);
  for (const [name, n] of Object.entries(p.found)) assert.equal(n, 0, `${where}: no ${name}`);
  assert.deepEqual(dialogs, [], `${where}: no dialog opened`);
}

/** Reports an incident on system 测试系统一 through the form and waits for its detail page. */
async function reportIncident(page: Page, contractId: string, title: string, description: string): Promise<void> {
  await page.goto(`${env.baseUrl}/contracts/${contractId}/incidents/new`);
  await page.waitForSelector('.incident-form');
  await page.fill('#title', title);
  await page.fill('#description', description);
  await page.locator('#systemKey').click();
  await page.locator('.ant-select-tree-node-content-wrapper[title="测试系统一"]').click();
  await page.locator('.level-radio', { hasText: '一级故障' }).click();
  await page.click('button:has-text("提交登记")');
  await page.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);
  await page.locator('.incident-title').waitFor();
}

test('control: the corpus rendered as HTML trips every detector, and the content security policy alone stops its handlers', { timeout: 45_000 }, async () => {
  const html = [TITLE, DESCRIPTION, CORPUS_TITLE, CORPUS_DESCRIPTION].join('\n');
  const render = async (page: Page): Promise<void> => {
    await page.goto(`${env.baseUrl}/sign-in`);
    await page.waitForSelector('#username');
    await page.setContent(`<!doctype html><html><body><div class="xss-control">${html}</div></body></html>`);
  };

  // without the policy: every handler runs and every kind of injected thing is found
  const open = await openPage(true);
  await render(open.page);
  const bare = await probe(open.page);
  assert.deepEqual(bare.fired, CORPUS_FLAGS, 'each active payload sets its flag');
  for (const [name, n] of Object.entries(bare.found)) assert.ok(n > 0, `the ${name} detector trips`);
  for (const name of ['1', '2', 'img', 'svg', 'srcdoc', 'details', 'tImg']) assert.ok(open.dialogs.includes(name), `dialog ${name} opened (${open.dialogs.join(', ')})`);
  assert.notEqual(await open.page.locator('.xss-control').textContent(), html, 'rendered as HTML, the text no longer reads as typed');
  await open.page.context().close();

  // with the policy: the same HTML is in the page, but no handler runs
  const guarded = await openPage(false);
  await render(guarded.page);
  const csp = await probe(guarded.page);
  assert.deepEqual(csp.fired, [], 'the policy blocks inline handlers and srcdoc scripts');
  assert.deepEqual(guarded.dialogs, [], 'the policy blocks every dialog');
  assert.ok((csp.found['img onerror'] ?? 0) > 0, 'the elements are there all the same');
  await guarded.page.context().close();
});

test('a script tag and javascript: links typed into an incident render as inert text', { timeout: 45_000 }, async () => {
  const contract = await buildContract(env.db);
  const reporter = await createPerson(env.db, contract.id, { displayName: '陈春梅', organisationName: `某市测试局${contract.code}`, side: 'agency' }, ['agencyProjectLead']);
  const { page, dialogs } = await openPage(true);
  await signIn(page, env.baseUrl, reporter);
  await reportIncident(page, contract.id, TITLE, DESCRIPTION);

  // detail: the title and the description read exactly as typed
  assert.equal(await page.locator('.incident-title').textContent(), TITLE);
  assert.equal(await page.locator('.incident-description').textContent(), DESCRIPTION);
  await assertInert(page, dialogs, 'incident detail');
  await screenshot(page, '09-untrusted-text-detail');

  // board and list
  await page.locator('.contract-nav a', { hasText: '故障' }).click();
  await page.locator('.incident-card', { hasText: '补卡失败' }).waitFor();
  assert.equal(await page.locator('.incident-card-title').first().textContent(), TITLE);
  await assertInert(page, dialogs, 'incident board');
  await page.locator('.ant-segmented-item', { hasText: '列表' }).click();
  await page.locator('.ant-table-row', { hasText: '补卡失败' }).waitFor();
  await assertInert(page, dialogs, 'incident list');
  await screenshot(page, '10-untrusted-text-list');

  // keyword search finds it by its Chinese words, still as text
  await page.fill('.filter-q input', '补卡');
  await page.keyboard.press('Enter');
  await page.waitForURL(/q=/);
  await page.locator('.ant-table-row', { hasText: '补卡失败' }).waitFor();
  await assertInert(page, dialogs, 'incident search');
  await page.context().close();
});

test('img onerror, svg onload, iframe srcdoc, details ontoggle, data: links and CSS expressions typed into an incident and a service request render as inert text', { timeout: 60_000 }, async () => {
  const contract = await buildContract(env.db, withWorkOrders);
  const lead = await createPerson(env.db, contract.id, { displayName: '陈春梅', organisationName: `某市测试局${contract.code}`, side: 'agency' }, ['agencyProjectLead']);
  const { page, dialogs } = await openPage(true);
  await signIn(page, env.baseUrl, lead);

  // an incident: detail, board and list
  await reportIncident(page, contract.id, CORPUS_TITLE, CORPUS_DESCRIPTION);
  assert.equal(await page.locator('.incident-title').textContent(), CORPUS_TITLE);
  assert.equal(await page.locator('.incident-description').textContent(), CORPUS_DESCRIPTION);
  await assertInert(page, dialogs, 'incident detail');
  await screenshot(page, '11-xss-corpus-incident');
  await page.locator('.contract-nav a', { hasText: '故障' }).click();
  await page.locator('.incident-card', { hasText: '门户网站无法访问' }).waitFor();
  assert.equal(await page.locator('.incident-card-title').first().textContent(), CORPUS_TITLE);
  await assertInert(page, dialogs, 'incident board');
  await page.locator('.ant-segmented-item', { hasText: '列表' }).click();
  await page.locator('.ant-table-row', { hasText: '门户网站无法访问' }).waitFor();
  await assertInert(page, dialogs, 'incident list');

  // a service request (服务请求): detail and list
  await page.goto(`${env.baseUrl}/contracts/${contract.id}/work-orders/new?kind=serviceRequest`);
  await page.waitForSelector('.wo-form-serviceRequest');
  await page.fill('#title', CORPUS_TITLE);
  await page.fill('#description', CORPUS_DESCRIPTION);
  await page.click('.wo-submit-button');
  await page.waitForURL(/\/work-orders\/[0-9a-f-]{36}$/);
  await page.locator('.wo-description').waitFor();
  assert.equal(await page.locator('.incident-title').textContent(), CORPUS_TITLE);
  assert.equal(await page.locator('.wo-description').textContent(), CORPUS_DESCRIPTION);
  await assertInert(page, dialogs, 'work-order detail');
  await screenshot(page, '12-xss-corpus-work-order');
  await page.goto(`${env.baseUrl}/contracts/${contract.id}/work-orders`);
  const row = page.locator('.ant-table-row', { hasText: '门户网站无法访问' });
  await row.waitFor();
  assert.equal(await row.locator('a.strong-link').textContent(), CORPUS_TITLE);
  await assertInert(page, dialogs, 'work-order list');
  await page.context().close();
});
