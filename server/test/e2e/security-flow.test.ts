/**
 * Browser test of the sign-in security flows: an auditor (second factor
 * required) binds an authenticator at the first sign-in and saves the
 * recovery codes; the audit export asks for the password and code again and
 * then downloads; the account page shows the state; the next sign-in takes a
 * recovery code.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { buildContract, nextSecondFactorCode, rememberSecondFactor } from '../helpers/factories.ts';
import { totpCode } from '../../src/auth/totp.ts';
import { createPerson, requireWebDist, startE2eApp, type E2eApp } from './e2e-app.ts';
import { launchChromium, newPage, screenshot, signOutViaMenu } from './browser.ts';

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

test('an auditor binds an authenticator at first sign-in, re-authenticates to export the audit log, and signs in later with a recovery code', { timeout: 90_000 }, async () => {
  const contract = await buildContract(env.db);
  const auditor = await createPerson(env.db, contract.id, { displayName: '周雅琴', organisationName: `某市审计处${contract.code}`, side: 'agency' }, ['auditor']);
  const page = await newPage(browser);

  // 1. password → forced enrolment
  await page.goto(`${env.baseUrl}/sign-in`);
  await page.fill('#username', auditor.username);
  await page.fill('#password', auditor.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('.sign-in-enrolment .totp-qr canvas');
  await page.locator('text=绑定验证器').first().waitFor();
  const secret = (await page.locator('.totp-secret-text').innerText()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await screenshot(page, 'security-01-enrol');
  await page.locator('.totp-enrol .ant-otp input').first().click();
  await page.keyboard.type(totpCode(secret, new Date()));

  // 2. recovery codes, shown once
  await page.waitForSelector('.recovery-code-list li');
  const codes = await page.locator('.recovery-code-list li').allInnerTexts();
  assert.equal(codes.length, 10);
  rememberSecondFactor(auditor.username, secret, codes);
  await screenshot(page, 'security-02-recovery-codes');
  await page.click('.recovery-saved');
  await page.waitForURL(/\/contracts/);
  for (const close of await page.locator('.ant-notification-notice-close').all()) await close.click().catch(() => undefined);

  // 3. the audit export asks for the password and a fresh code, then downloads
  await page.goto(`${env.baseUrl}/audit`);
  await page.waitForSelector('.audit-export');
  await page.click('.audit-export');
  await page.waitForSelector('.reauth-modal #reauth-password');
  await page.fill('#reauth-password', auditor.password);
  await page.fill('#reauth-code', await nextSecondFactorCode(env.app, auditor));
  await screenshot(page, 'security-03-reauth', { fullPage: false });
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.reauth-modal .ant-btn-primary').click()]);
  assert.match(download.suggestedFilename(), /^审计日志-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const exported = await env.db.selectFrom('audit_log').select('actor_user_id').where('action', '=', 'audit.exported').where('actor_user_id', '=', auditor.id).execute();
  assert.equal(exported.length, 1);

  // 4. the account page
  await page.goto(`${env.baseUrl}/account`);
  await page.locator('.two-factor-state', { hasText: '已启用' }).waitFor();
  await page.locator('.ant-tag', { hasText: '当前设备' }).waitFor();
  await page.locator('.ant-tag', { hasText: '安全策略要求必须启用' }).waitFor();
  await screenshot(page, 'security-04-account');

  // 5. sign out; the next sign-in takes a recovery code
  await signOutViaMenu(page, 'security-sign-out');
  await page.waitForSelector('.sign-in-password #username');
  await page.fill('#username', auditor.username);
  await page.fill('#password', auditor.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('.second-factor');
  await screenshot(page, 'security-05-second-factor');
  await page.click('.use-recovery');
  await page.fill('#recovery-code', codes[3] ?? '');
  await page.locator('.sign-in-card button[type=submit]').click();
  // back where the user was before signing out
  await page.waitForURL(/\/account/);
  const method = await env.db.selectFrom('audit_log').select('after').where('entity_id', '=', auditor.id).where('action', '=', 'auth.signIn').orderBy('seq', 'desc').executeTakeFirstOrThrow();
  assert.equal((method.after as { method?: string }).method, 'password+recoveryCode');
});
