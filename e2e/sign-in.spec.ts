import { expect, test, type Page } from '@playwright/test';
import { e2eAccounts, signIn } from './support/accounts';

const accounts = e2eAccounts();

const signInForm = (page: Page) => page.locator('form').filter({ has: page.getByRole('button', { name: 'Sign in' }) });

test('the administrator signs in, lands on Identity Manager Admin, and signs out', async ({ page, context }) => {
  await signIn(page, accounts.admin.username, accounts.admin.password);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Home' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Identity Manager Admin' }).getByRole('link', { name: 'Batch Synchronization' })).toBeVisible();
  await expect(page.getByText('Administrator', { exact: true })).toBeVisible();

  const [cookie] = (await context.cookies()).filter((c) => c.name === 'idm_session');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Lax');

  // An administrator may open the operator face too.
  await page.getByRole('link', { name: 'Open Identity Manager Operator' }).click();
  await expect(page).toHaveURL(/\/operator$/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin$/);
});

test('the operator signs in, lands on Identity Manager Operator, and is refused /admin', async ({ page }) => {
  await signIn(page, accounts.operator.username.toUpperCase(), accounts.operator.password);
  await expect(page).toHaveURL(/\/operator$/);
  const nav = page.getByRole('navigation', { name: 'Identity Manager Operator' });
  await expect(nav.getByRole('link', { name: 'Scheduled jobs' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Users' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Home' })).toHaveAttribute('aria-current', 'page');
  // The operator console does not label its navigation "ADMIN" (the vendor's tab name).
  await expect(nav).not.toContainText(/admin/i);
  await expect(page.getByRole('link', { name: /Identity Manager Admin/ })).toHaveCount(0);

  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'You do not have access to this page' })).toBeVisible();

  await page.goto('/operator');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
});

test('a wrong password shows the generic message, and sign-in returns to the page asked for', async ({ page }) => {
  await page.goto('/operator?view=recent');
  await expect(page).toHaveURL(/\/login\?next=%2Foperator%3Fview%3Drecent$/);
  await page.getByLabel('Username').fill(accounts.operator.username);
  await page.getByLabel('Password').fill('certainly not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(signInForm(page).getByRole('alert')).toHaveText(/The username or password is incorrect/);
  await expect(page.getByLabel('Username')).toHaveValue(accounts.operator.username);

  await page.getByLabel('Password').fill(accounts.operator.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/operator\?view=recent$/);
});
