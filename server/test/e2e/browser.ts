/**
 * Launching Debian's chromium for the browser tests (playwright-core drives
 * the system browser; no browser is downloaded), plus the few page helpers
 * every browser test needs: a Beijing-time, Chinese-language page, signing
 * in through the real sign-in form, and saving screenshots.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian installs chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free headless chromium (CI containers run as root). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots of the browser tests (under .test-data, which git ignores). */
export const SHOTS_DIR = join(import.meta.dirname, '..', '..', '.test-data', 'e2e-shots');

/** Default bound of every wait and action, in milliseconds. */
export const WAIT_MS = 10_000;

/** Launch chromium, or fail with a message that says what to install. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `浏览器测试需要 Debian 的 chromium，但 ${CHROMIUM_PATH} 不存在。请先安装：apt-get install chromium fonts-noto-cjk（Browser tests need Debian's chromium at ${CHROMIUM_PATH}.)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A fresh page (own cookies) in Chinese, on Beijing time, with every wait bounded. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => process.stderr.write(`[browser] page error: ${e.message}\n`));
  return page;
}

/** Sign in through the sign-in form and wait for the contract list. */
export async function signIn(page: Page, baseUrl: string, user: { username: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/contracts/);
  // the "last sign-in" notification covers the header's right side: close it
  for (const close of await page.locator('.ant-notification-notice-close').all()) await close.click().catch(() => undefined);
}

/**
 * Save a screenshot as `<SHOTS_DIR>/<name>.png` (the whole page, or only the
 * viewport when a modal is open); returns its path.
 */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const file = join(SHOTS_DIR, `${name}.png`);
  const fullPage = opts.fullPage ?? true;
  // the sticky header would be painted mid-page in a full-page shot taken while scrolled
  if (fullPage) await page.evaluate('window.scrollTo(0, 0)');
  await page.waitForTimeout(300); // let antd transitions settle
  await page.screenshot({ path: file, fullPage });
  return file;
}

/**
 * Sign out through the user menu (opened by a click) and wait for the
 * sign-in page. The menu opens with an animation; on a loaded machine a click
 * can land while it is still moving, so a click that leads nowhere is made
 * once more (the screenshot `<name>-retry` shows the page when that happens).
 */
export async function signOutViaMenu(page: Page, name = 'sign-out'): Promise<void> {
  for (const close of await page.locator('.ant-notification-notice-close').all()) await close.click().catch(() => undefined);
  for (let attempt = 1; ; attempt++) {
    const item = page.locator('.ant-dropdown-menu-item', { hasText: '退出登录' });
    if (!(await item.isVisible())) await page.click('.user-button');
    await item.waitFor({ state: 'visible' });
    await item.click();
    try {
      await page.waitForURL((u) => u.pathname === '/sign-in', { waitUntil: 'commit', timeout: attempt === 1 ? 5_000 : WAIT_MS });
      return;
    } catch (e) {
      if (attempt > 1) throw e;
      await screenshot(page, `${name}-retry`, { fullPage: false });
    }
  }
}
