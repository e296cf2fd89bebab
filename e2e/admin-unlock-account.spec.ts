import { expect, test } from '@playwright/test';
import { e2eAccounts, signIn } from './support/accounts';
import { withDatabase } from './support/operator-fixture';

// An account guessed at from this browser's address is delayed, even for its right password; the
// administrator clicks Unlock under Admin > Application accounts; the audit log shows the delay
// and the unlock; the user signs in.
const accounts = e2eAccounts();

test('an administrator unlocks an account delayed by wrong passwords; both are audited and the user signs in', async ({ browser }) => {
  test.setTimeout(90_000);
  const username = `e2e.unlock.${Date.now() % 1_000_000}`;
  const password = 'Unlock-e2e: correct horse battery';

  const adminPage = await (await browser.newContext()).newPage();
  await signIn(adminPage, accounts.admin.username, accounts.admin.password);
  await expect(adminPage).toHaveURL(/\/admin$/);
  await adminPage.getByRole('navigation', { name: 'Identity Manager Admin' }).getByRole('link', { name: 'Application accounts' }).click();
  const create = adminPage.getByRole('form', { name: 'Create account' });
  await create.getByLabel('Username').fill(username);
  await create.getByLabel('Initial password (12+ characters)').fill(password);
  await create.getByRole('button', { name: 'Create account' }).click();
  const row = adminPage.getByRole('row').filter({ hasText: username });
  await expect(row).toBeVisible();

  // Five wrong passwords from the user's browser: the account is delayed, and from this address
  // even the right password is refused.
  const userPage = await (await browser.newContext()).newPage();
  for (let i = 0; i < 5; i++) {
    await signIn(userPage, username, `wrong password ${i}`);
    await expect(userPage.locator('form').getByRole('alert')).toContainText('The username or password is incorrect');
  }
  await signIn(userPage, username, password);
  await expect(userPage.locator('form').getByRole('alert')).toContainText('temporarily locked');
  await expect(userPage).toHaveURL(/\/login/);

  await adminPage.reload();
  await expect(row).toContainText(/sign-in delayed until .* \(5 failed\)/);
  await row.getByRole('button', { name: `Unlock ${username}` }).click();
  await expect(row.getByRole('button', { name: `Unlock ${username}` })).toHaveCount(0);
  await expect(row).not.toContainText('sign-in delayed');
  const { rows } = await withDatabase((db) => db.query(`SELECT failed_sign_ins, locked_until FROM accounts WHERE username = $1`, [username]));
  expect(rows[0]).toEqual({ failed_sign_ins: 0, locked_until: null });

  // The audit log: the delay (by the account, from the guessing address) and the unlock (by the administrator).
  await adminPage.getByRole('navigation', { name: 'Identity Manager Admin' }).getByRole('link', { name: 'Audit log' }).click();
  const events = adminPage.getByRole('row').filter({ hasText: `account:${username}` });
  await expect(events.filter({ hasText: 'auth.account.locked' })).toHaveCount(1);
  await expect(events.filter({ hasText: 'account.unlocked' }).filter({ hasText: accounts.admin.username })).toHaveCount(1);

  // The user signs in (a new account must choose its own password first).
  await signIn(userPage, username, password);
  await expect(userPage).toHaveURL(/\/account\/password/);
  await userPage.context().close();
  await adminPage.context().close();
});
