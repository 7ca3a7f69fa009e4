/**
 * Page helpers of the work-order browser tests: Beijing wall-clock values for
 * the date pickers, antd select / date-picker input, opening a contract's
 * work orders, running a command through its modal, and waiting for a state.
 */
import type { Page } from 'playwright-core';

/** Beijing wall-clock time `offsetMinutes` from now, as the date pickers take it ("2026-11-24 14:05"). */
export function beijingAt(offsetMinutes: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(Date.now() + offsetMinutes * 60_000))
      .map((p) => [p.type, p.value]),
  );
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}`;
}

/**
 * Opens a select and picks the option with `text` from its (visible)
 * dropdown. A dropdown that stays open after the click (seen once on a
 * loaded machine) is closed with Escape; the form's own checks then show
 * whether the pick took.
 */
export async function pickOption(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: text }).click();
  const dropdown = page.locator('.ant-select-dropdown:visible').first();
  try {
    await dropdown.waitFor({ state: 'hidden', timeout: 3_000 });
  } catch {
    await page.keyboard.press('Escape');
    await dropdown.waitFor({ state: 'hidden' });
  }
}

/** Types a Beijing wall-clock time into a date picker and confirms it. */
export async function pickTime(page: Page, selector: string, value: string): Promise<void> {
  await page.locator(selector).click();
  await page.locator(selector).fill(value);
  await page.keyboard.press('Enter');
}

/** Contract list → contract → 工单 (→ a kind's tab), the way a user gets there. */
export async function openWorkOrders(page: Page, baseUrl: string, contractCode: string, kindTab?: string): Promise<void> {
  await page.goto(`${baseUrl}/contracts`);
  await page.locator('.ant-table-row', { hasText: contractCode }).click();
  await page.locator('.contract-nav a', { hasText: '工单' }).click();
  await page.waitForURL(/\/work-orders$/);
  await page.waitForSelector('.table-card, .ant-empty');
  if (kindTab) await page.locator('.wo-kind-tabs .ant-tabs-tab', { hasText: kindTab }).click();
}

/** Opens a command's modal from the order's header, fills it, submits, and waits for it to close. */
export async function runCommand(page: Page, command: string, fill?: () => Promise<void>): Promise<void> {
  await page.click(`.wo-header button[data-command="${command}"]`);
  await page.waitForSelector(`.command-${command}`);
  await fill?.();
  await page.locator(`.command-${command} .ant-modal-footer .ant-btn-primary`).click();
  await page.waitForSelector(`.command-${command}`, { state: 'detached' });
}

/** Waits until the order's header shows the state `text`. */
export async function stateIs(page: Page, text: string): Promise<void> {
  await page.locator('.wo-header .wo-state-tag', { hasText: text }).waitFor();
}

/** Decides the inbox row of `number` (approve or reject with `comment`) and waits for the dialog to close. */
export async function decideInInbox(page: Page, number: string, decision: 'approve' | 'reject', comment: string): Promise<void> {
  await page.locator('.nav-approvals').click();
  await page.waitForURL(/\/approvals$/);
  const row = page.locator('.inbox-row', { hasText: number });
  await row.locator(`button[data-inbox="${decision}"]`).click();
  await page.waitForSelector(`.inbox-${decision}`);
  await page.fill(`.inbox-${decision} #comment`, comment);
  await page.locator(`.inbox-${decision} .ant-modal-footer .ant-btn-primary`).click();
  await page.waitForSelector(`.inbox-${decision}`, { state: 'detached' });
  await row.waitFor({ state: 'detached' });
}

/** Closes notifications, hides passing toasts and moves the pointer off the page's controls, for a clean screenshot. */
export async function tidy(page: Page): Promise<void> {
  for (const close of await page.locator('.ant-notification-notice-close').all()) await close.click().catch(() => undefined);
  await page.addStyleTag({ content: '.ant-message { display: none !important; }' });
  await page.mouse.move(2, 890);
}
