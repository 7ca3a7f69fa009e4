/**
 * Signs in to a running Yunwei server with Debian's chromium and saves PNG
 * screenshots of the main pages, for visual review.
 *
 *   cd server && node --import tsx ../web/e2e/screenshots.ts \
 *     --base http://127.0.0.1:8093 --user sbk-agency-lead --password '…' --out /tmp/shots
 *
 * The civil-affairs price table is taken as `mz-agency-lead` and the audit
 * page as `mz-auditor`. Their passwords come from --mz-password and
 * --auditor-password, or from the demo credentials file the server writes
 * (--credentials, default $YUNWEI_DATA_DIR/demo-credentials.json or
 * /tmp/yw-web/demo-credentials.json).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://127.0.0.1:8093' },
    user: { type: 'string', default: 'sbk-agency-lead' },
    password: { type: 'string' },
    out: { type: 'string', default: '/tmp/shots' },
    'mz-user': { type: 'string', default: 'mz-agency-lead' },
    'mz-password': { type: 'string' },
    'auditor-user': { type: 'string', default: 'mz-auditor' },
    'auditor-password': { type: 'string' },
    credentials: { type: 'string' },
    lang: { type: 'string', default: 'zh-CN' },
  },
});

interface DemoCredential {
  username: string;
  password: string;
}

function isCredential(v: unknown): v is DemoCredential {
  return typeof v === 'object' && v !== null && 'username' in v && 'password' in v && typeof v.username === 'string' && typeof v.password === 'string';
}

function loadCredentials(): DemoCredential[] {
  const candidates = [args.credentials, process.env.YUNWEI_DATA_DIR && join(process.env.YUNWEI_DATA_DIR, 'demo-credentials.json'), '/tmp/yw-web/demo-credentials.json'];
  for (const file of candidates) {
    if (!file || !existsSync(file)) continue;
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const list: unknown[] = Array.isArray(parsed) ? parsed : [];
    return list.filter(isCredential);
  }
  return [];
}

const demo = loadCredentials();
function passwordOf(username: string, given: string | undefined): string {
  const found = given ?? demo.find((c) => c.username === username)?.password;
  if (!found) throw new Error(`No password for ${username}: pass it on the command line or point --credentials at demo-credentials.json`);
  return found;
}

const base = (args.base ?? '').replace(/\/$/, '');
const out = args.out ?? '/tmp/shots';
mkdirSync(out, { recursive: true });

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  await context.addInitScript((lang: string) => window.localStorage.setItem('yunwei.lang', lang), args.lang ?? 'zh-CN');
  return context.newPage();
}

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.waitForTimeout(400); // let antd transitions settle
  const file = join(out, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  console.log(`saved ${file}`);
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/contracts/);
  await page.waitForSelector('.ant-notification-notice');
}

async function closeNotifications(page: Page): Promise<void> {
  for (const close of await page.$$('.ant-notification-notice-close')) await close.click();
  await page.waitForSelector('.ant-notification-notice', { state: 'detached' }).catch(() => undefined);
}

/** Opens a contract by code from the list, then a tab. */
async function openContractTab(page: Page, code: string, tab: string): Promise<void> {
  await page.goto(`${base}/contracts`);
  await page.waitForSelector('.ant-table-row');
  await page.click(`.ant-table-row:has-text("${code}")`);
  await page.waitForSelector('.contract-header');
  const url = page.url().replace(/\/contracts\/([^/]+).*$/, `/contracts/$1/${tab}`);
  await page.goto(url);
  await page.waitForSelector('.contract-header');
  await page.waitForSelector('.tab-panel');
}

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    // 1. Sign-in page, then the contract list as the main user.
    const user = args.user ?? 'sbk-agency-lead';
    const page = await newPage(browser);
    await page.goto(`${base}/sign-in`);
    await page.waitForSelector('#username');
    await shot(page, '01-sign-in', false);
    await signIn(page, user, passwordOf(user, args.password));
    await page.waitForSelector('.ant-table-row');
    await shot(page, '02-signed-in-notification', false);
    await closeNotifications(page);
    await shot(page, '03-contract-list');

    // 2. Contract detail tabs of the main user's first contract.
    await page.click('.ant-table-row >> nth=0');
    await page.waitForSelector('.contract-header');
    const detailUrl = page.url().replace(/\/contracts\/([^/]+).*$/, '/contracts/$1');
    await page.waitForSelector('.price-chart canvas');
    await shot(page, '04-detail-overview');
    for (const [tab, name] of [
      ['severity', '06-detail-severity'],
      ['obligations', '07-detail-obligations'],
      ['penalties', '08-detail-penalties'],
      ['kpis', '10-detail-kpis'],
      ['systems', '11-detail-systems'],
      ['windows', '12-detail-windows'],
      ['acceptance', '13-detail-acceptance'],
      ['assumptions', '14-detail-assumptions'],
      ['versions', '15-detail-versions'],
      ['members', '16-detail-members'],
    ] as const) {
      await page.goto(`${detailUrl}/${tab}`);
      await page.waitForSelector('.tab-panel');
      if (tab === 'members') await page.waitForSelector('.tab-panel .ant-table-row');
      await shot(page, name);
    }
    // the contract's incident board, and the working calendar
    await page.goto(`${detailUrl}/incidents`);
    await page.waitForSelector('.board');
    await shot(page, '17-incident-board');
    await page.goto(`${base}/calendar`);
    await page.waitForSelector('.year-grid');
    await shot(page, '18-calendar');
    await page.context().close();

    // 3. The civil-affairs price table (full breakdown).
    const mzUser = args['mz-user'] ?? 'mz-agency-lead';
    const mz = await newPage(browser);
    await signIn(mz, mzUser, passwordOf(mzUser, args['mz-password']));
    await closeNotifications(mz);
    await openContractTab(mz, 'BJ-MZ-2023-P7', 'price-items');
    await shot(mz, '05-detail-price-items');
    await openContractTab(mz, 'BJ-MZ-2023-P7', 'overview');
    await mz.waitForSelector('.price-chart canvas');
    await shot(mz, '05b-mz-overview');
    await mz.context().close();

    // 4. The audit page as an auditor, with the chain verified and a row expanded.
    const auditorUser = args['auditor-user'] ?? 'mz-auditor';
    const auditor = await newPage(browser);
    await signIn(auditor, auditorUser, passwordOf(auditorUser, args['auditor-password']));
    await closeNotifications(auditor);
    await auditor.click('.app-nav >> text=审计日志').catch(() => auditor.goto(`${base}/audit`));
    await auditor.waitForURL(/\/audit/);
    await auditor.waitForSelector('.ant-table-row');
    await auditor.click('button:has-text("校验审计链")').catch(() => undefined);
    await auditor.waitForSelector('.verify-result').catch(() => undefined);
    await auditor.click('.ant-table-row-expand-icon >> nth=0');
    await shot(auditor, '09-audit');
    await auditor.context().close();
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
