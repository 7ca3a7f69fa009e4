/**
 * Browser test of the sign-in page's return address (security check 21):
 * `?next=` is followed only to a path of the app itself. A page of the app
 * opened while signed out comes back after signing in, with its query; an
 * absolute URL, a protocol-relative one (`//`, `/\`, `/<tab>/`) or a
 * `javascript:` URL ends on the app's own contract list instead, both when
 * signing in through the form and when a signed-in user opens the link. Any
 * request to the foreign host is caught (and answered locally), so a
 * redirect there would be seen, not lost in a DNS error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { buildContract } from '../helpers/factories.ts';
import { launchChromium, newPage, screenshot } from './browser.ts';
import { createPerson, requireWebDist, startE2eApp, type E2eApp } from './e2e-app.ts';

const EVIL_HOST = 'evil.example';

/** Return addresses that lead off the app (the `\t` one: URL parsers drop tabs, leaving `//evil.example`). */
const FOREIGN = [`https://${EVIL_HOST}/`, `//${EVIL_HOST}`, `/\\${EVIL_HOST}`, `/\t/${EVIL_HOST}`, 'javascript:alert(1)'];

let env: E2eApp;
let browser: Browser;
let contract: { id: string; code: string };
let user: { username: string; password: string };

before(async () => {
  requireWebDist((m) => process.stderr.write(`⚠ ${m}\n`));
  env = await startE2eApp({ snapshotWeb: true });
  contract = await buildContract(env.db);
  user = await createPerson(env.db, contract.id, { displayName: '陈春梅', organisationName: `某市测试局${contract.code}`, side: 'agency' }, ['agencyProjectLead']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await env?.close();
});

/** The sign-in page with a return address (the last thing in the URL, as a link would carry it). */
function signInUrl(next: string): string {
  return `${env.baseUrl}/sign-in?next=${encodeURIComponent(next)}`;
}

/** A page whose requests to the foreign host and dialogs are recorded. */
async function watchedPage(): Promise<{ page: Page; foreign: string[]; dialogs: string[] }> {
  const page = await newPage(browser);
  const foreign: string[] = [];
  const dialogs: string[] = [];
  await page.context().route(
    (url) => url.hostname === EVIL_HOST,
    (route) => {
      foreign.push(route.request().url());
      void route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>evil</h1>' });
    },
  );
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, foreign, dialogs };
}

/** Fills the sign-in form the page shows and submits it. */
async function submitSignIn(page: Page): Promise<void> {
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
}

/** Waits until the page leaves the sign-in page (for the app or the foreign host) and asserts it is on the app's contract list. */
async function assertLandedOnContracts(page: Page, foreign: string[], dialogs: string[], next: string): Promise<void> {
  const label = JSON.stringify(next);
  await page.waitForURL((u) => u.hostname === EVIL_HOST || (u.pathname !== '/sign-in' && u.protocol === 'http:'));
  await page.waitForTimeout(300); // a late redirect would show up by now
  const url = new URL(page.url());
  assert.equal(url.origin, new URL(env.baseUrl).origin, `${label}: stays on the app's origin`);
  assert.equal(url.pathname, '/contracts', `${label}: ends on the contract list`);
  await page.locator('.ant-table-row', { hasText: contract.code }).waitFor();
  assert.deepEqual(foreign, [], `${label}: no request to ${EVIL_HOST}`);
  assert.deepEqual(dialogs, [], `${label}: no dialog opened`);
}

test('a page of the app opened while signed out is where the sign-in returns to, query included', { timeout: 30_000 }, async () => {
  const { page, foreign } = await watchedPage();
  const target = `/contracts/${contract.id}/incidents?view=list`;
  await page.goto(`${env.baseUrl}${target}`);
  await page.waitForURL((u) => u.pathname === '/sign-in');
  assert.equal(new URL(page.url()).searchParams.get('next'), target, 'the sign-in page remembers where the user was going');
  await submitSignIn(page);
  await page.waitForURL((u) => u.pathname !== '/sign-in');
  const url = new URL(page.url());
  assert.equal(`${url.origin}${url.pathname}${url.search}`, `${new URL(env.baseUrl).origin}${target}`);
  await page.locator('.ant-segmented-item-selected', { hasText: '列表' }).waitFor();
  assert.deepEqual(foreign, []);
  await page.context().close();
});

test('?next= with a foreign URL, a protocol-relative path or javascript: signs in to the contract list', { timeout: 60_000 }, async () => {
  let watched: Awaited<ReturnType<typeof watchedPage>> | undefined;
  for (const next of FOREIGN) {
    await watched?.page.context().close();
    watched = await watchedPage();
    await watched.page.goto(signInUrl(next));
    await submitSignIn(watched.page);
    await assertLandedOnContracts(watched.page, watched.foreign, watched.dialogs, next);
  }
  assert.ok(watched);
  await screenshot(watched.page, 'security-06-open-redirect-refused');

  // already signed in, the sign-in link sends the user on at once: the same rule applies
  for (const next of FOREIGN) {
    await watched.page.goto(signInUrl(next));
    await assertLandedOnContracts(watched.page, watched.foreign, watched.dialogs, next);
  }
  await watched.page.context().close();
});
