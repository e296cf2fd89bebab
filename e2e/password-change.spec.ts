import { expect, test, type Locator } from '@playwright/test';
import { e2eAccounts, signIn } from './support/accounts';

const accounts = e2eAccounts();

async function changePassword(form: Locator, current: string, chosen: string, again = chosen) {
  await form.getByLabel('Current password').fill(current);
  await form.getByLabel('New password', { exact: true }).fill(chosen);
  await form.getByLabel('New password again').fill(again);
  await form.getByRole('button', { name: 'Change password' }).click();
}

test('a new account must choose its own password before anything else, then changes it from the header', async ({ page }) => {
  const username = `e2e.newcomer.${Date.now().toString(36)}`;
  const initial = 'initial passphrase for e2e';
  const chosen = 'the passphrase I chose myself';
  const later = 'and another one a bit later';

  // The administrator creates the account; a new account must change its initial password.
  await signIn(page, accounts.admin.username, accounts.admin.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto('/admin/accounts');
  const create = page.getByRole('form', { name: 'Create account' });
  await create.getByLabel('Username').fill(username);
  await create.getByLabel(/Initial password/).fill(initial);
  await create.getByRole('button', { name: 'Create account' }).click();
  await expect(create.getByRole('status')).toContainText(`Account "${username}" created`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  // First sign-in lands on the change page, and no other page is served meanwhile.
  await signIn(page, username, initial);
  await expect(page).toHaveURL(/\/account\/password$/);
  await expect(page.getByText('An administrator asked')).toBeVisible();
  await page.goto('/operator/scheduled-jobs');
  await expect(page).toHaveURL(/\/account\/password$/);

  const form = page.getByRole('form', { name: 'Change password' });
  await changePassword(form, initial, chosen, `${chosen}?`);
  await expect(form.getByText('The two new passwords differ.')).toBeVisible();

  await changePassword(form, initial, chosen);
  await expect(page).toHaveURL(/\/operator$/);

  // Any signed-in person changes their own password from the header.
  await page.getByRole('link', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/account\/password$/);
  await changePassword(form, chosen, later);
  await expect(page).toHaveURL(/\/operator$/);
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, username, chosen);
  await expect(page.locator('form').filter({ has: page.getByRole('button', { name: 'Sign in' }) }).getByRole('alert')).toHaveText(/incorrect/);
  await signIn(page, username, later);
  await expect(page).toHaveURL(/\/operator$/);
});
