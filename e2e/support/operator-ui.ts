import { expect, type Browser, type Page } from '@playwright/test';
import { e2eAccounts } from './accounts';

// What the administrator and the operator do in the browser, the way the product's users do it.

export const INACTIVE_JOB = 'inactive-ldap-users';
export const INACTIVE_PROCESS = 'Synchronize inactive LDAP Users to Identity Manager';

/** A new browser context signed in as the demo administrator or operator. */
export async function signedIn(browser: Browser, who: 'admin' | 'operator'): Promise<Page> {
  const accounts = e2eAccounts();
  const page = await (await browser.newContext()).newPage();
  await page.goto('/login');
  await page.getByLabel('Username').fill(accounts[who].username);
  await page.getByLabel('Password').fill(accounts[who].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(who === 'admin' ? /\/admin$/ : /\/operator$/);
  return page;
}

/**
 * Operator > Scheduled jobs > Start now for the process, confirmed in its dialog; resolves on the
 * run page with the run's id.
 */
export async function startNowFromScheduledJobs(page: Page, processName = INACTIVE_PROCESS): Promise<number> {
  await page.getByRole('navigation', { name: 'Identity Manager Operator' }).getByRole('link', { name: 'Scheduled jobs' }).click();
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: processName }) });
  const dialog = page.getByRole('dialog', { name: `Start ${processName} now?` });
  // The button opens the dialog once the page is hydrated: click again until it has.
  await expect(async () => {
    await row.getByRole('button', { name: `Start now: ${processName}` }).click();
    await expect(dialog).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await dialog.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page).toHaveURL(/\/operator\/runs\/\d+$/);
  return Number(page.url().split('/').pop());
}

/** Admin > API tokens > Create token for a role; the token as shown once. */
export async function createApiTokenInAdmin(page: Page, name: string, role: 'OPERATOR' | 'ADMINISTRATOR'): Promise<string> {
  await page.getByRole('navigation', { name: 'Identity Manager Admin' }).getByRole('link', { name: 'API tokens' }).click();
  const form = page.getByRole('form', { name: 'Create API token' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Role').selectOption(role);
  await form.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('New API token').inputValue();
  expect(token).toMatch(/^idm_/);
  return token;
}
