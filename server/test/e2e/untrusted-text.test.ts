/**
 * Browser test: text a user types is shown as text. A `<script>` tag, an
 * `<img onerror>` and `javascript:` links typed into an incident's title and
 * description render inert on the detail page, the board and the list: no
 * dialog opens, no element is injected and no `javascript:` href exists.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { buildContract } from '../helpers/factories.ts';
import { launchChromium, newPage, screenshot, signIn } from './browser.ts';
import { createPerson, requireWebDist, startE2eApp, type E2eApp } from './e2e-app.ts';

const TITLE = '<script>alert(1)</script><img src=x onerror=alert(2)> 补卡失败';
const DESCRIPTION = ['[点此查看日志](javascript:alert(3))', '<a href="javascript:alert(4)">详情</a>', 'javascript:alert(5)', '<iframe src="javascript:alert(6)"></iframe>'].join('\n');

let env: E2eApp;
let browser: Browser;

before(async () => {
  requireWebDist((m) => process.stderr.write(`⚠ ${m}\n`));
  env = await startE2eApp();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await env?.close();
});

/** Nothing the text could have injected is in the page. */
async function assertInert(page: Page): Promise<void> {
  assert.equal(await page.locator('[href^="javascript:" i], [src^="javascript:" i]').count(), 0, 'no javascript: URL in the DOM');
  assert.equal(await page.locator('img[src="x"], iframe').count(), 0, 'no injected element');
  assert.equal(await page.locator('script', { hasText: 'alert(' }).count(), 0, 'no injected script');
}

test('a script tag and javascript: links typed into an incident render as inert text', { timeout: 45_000 }, async () => {
  const contract = await buildContract(env.db);
  const reporter = await createPerson(env.db, contract.id, { displayName: '陈春梅', organisationName: `某市测试局${contract.code}`, side: 'agency' }, ['agencyProjectLead']);
  const page = await newPage(browser);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await signIn(page, env.baseUrl, reporter);
  await page.goto(`${env.baseUrl}/contracts/${contract.id}/incidents/new`);
  await page.waitForSelector('.incident-form');
  await page.fill('#title', TITLE);
  await page.fill('#description', DESCRIPTION);
  await page.locator('#systemKey').click();
  await page.locator('.ant-select-tree-node-content-wrapper[title="测试系统一"]').click();
  await page.locator('.level-radio', { hasText: '一级故障' }).click();
  await page.click('button:has-text("提交登记")');
  await page.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);

  // detail: the title and the description read exactly as typed
  await page.locator('.incident-title').waitFor();
  assert.equal(await page.locator('.incident-title').textContent(), TITLE);
  assert.equal(await page.locator('.incident-description').textContent(), DESCRIPTION);
  await assertInert(page);
  await screenshot(page, '09-untrusted-text-detail');

  // board and list
  await page.locator('.contract-nav a', { hasText: '故障' }).click();
  await page.locator('.incident-card', { hasText: '补卡失败' }).waitFor();
  assert.equal(await page.locator('.incident-card-title').first().textContent(), TITLE);
  await assertInert(page);
  await page.locator('.ant-segmented-item', { hasText: '列表' }).click();
  await page.locator('.ant-table-row', { hasText: '补卡失败' }).waitFor();
  await assertInert(page);
  await screenshot(page, '10-untrusted-text-list');

  // keyword search finds it by its Chinese words, still as text
  await page.fill('.filter-q input', '补卡');
  await page.keyboard.press('Enter');
  await page.waitForURL(/q=/);
  await page.locator('.ant-table-row', { hasText: '补卡失败' }).waitFor();
  await assertInert(page);

  await page.waitForTimeout(300); // a dialog from a late handler would show up by now
  assert.deepEqual(dialogs, [], 'no dialog opened');
  await page.context().close();
});
