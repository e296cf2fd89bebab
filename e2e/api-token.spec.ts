import { expect, test } from '@playwright/test';
import { e2eAccounts } from './support/accounts';

const accounts = e2eAccounts();

// An administrator creates an operator API token in the admin UI, copies it (shown once), and a
// script uses it against REST API v1; after revocation the same token is refused.
test('an administrator creates a token in the admin UI, a script uses it, revocation stops it', async ({ page, request }) => {
  await page.goto('/login');
  await page.getByLabel('Username').fill(accounts.admin.username);
  await page.getByLabel('Password').fill(accounts.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);

  await page.getByRole('navigation', { name: 'Identity Manager Admin' }).getByRole('link', { name: 'API tokens' }).click();
  await expect(page).toHaveURL(/\/admin\/api-tokens$/);
  const name = `e2e-scheduler-${Date.now()}`;
  const form = page.getByRole('form', { name: 'Create API token' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Role').selectOption('OPERATOR');
  await form.getByRole('button', { name: 'Create token' }).click();

  const tokenField = page.getByLabel('New API token');
  await expect(tokenField).toBeVisible();
  const token = await tokenField.inputValue();
  expect(token).toMatch(/^idm_[A-Za-z0-9_-]{43}$/);
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('Operator');
  await expect(row).toContainText(token.slice(0, 12));
  await expect(row).not.toContainText(token);

  // A script, outside the browser: no cookies, only the token.
  const jobs = await request.get('/api/v1/jobs', { headers: { authorization: `Bearer ${token}` } });
  expect(jobs.status()).toBe(200);
  const body = (await jobs.json()) as { jobs: Array<{ key: string }> };
  expect(body.jobs.map((j) => j.key)).toContain('inactive-ldap-users');
  const forbidden = await request.put('/api/v1/jobs/inactive-ldap-users/schedule', {
    headers: { authorization: `Bearer ${token}` },
    data: { expression: '0 2 * * *', timeZone: 'UTC' },
  });
  expect(forbidden.status()).toBe(403);

  // Shown once: a reload shows the prefix only, with the last use recorded.
  await page.reload();
  await expect(page.getByLabel('New API token')).toHaveCount(0);
  // The last-used column shows a time instead of the dash of a token never used.
  await expect(page.getByRole('row').filter({ hasText: name })).not.toContainText('—');
  expect(await page.content()).not.toContain(token);

  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(page.getByRole('row').filter({ hasText: name })).toContainText('Revoked');
  const refused = await request.get('/api/v1/jobs', { headers: { authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
});
