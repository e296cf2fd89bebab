import { expect, test, type Page } from '@playwright/test';
import { e2eAccounts } from './support/accounts';
import { e2eDirectory, withDatabase, withDirectory } from './support/operator-fixture';

// LDAP connection settings: Save (write-only bind password), Test connection against the test
// slapd, and the audit log of the change. The bind password must never reach the browser.
test.describe.configure({ mode: 'serial' });

const accounts = e2eAccounts();
const dir = e2eDirectory();
// Locked accounts (ppolicy) below their own OU, removed again after the spec so that other
// specs' counts of inactive people are not changed.
const OU = `ou=admin-e2e,${dir.baseDn}`;
const PEOPLE = Array.from({ length: 12 }, (_, i) => `locked.${String(i + 1).padStart(2, '0')}`);
const WRONG_PASSWORD = 'not-the-sync-password-e2e';

test.beforeAll(async () => {
  await withDirectory(async (ldap) => {
    await ldap.add(OU, { objectClass: ['organizationalUnit'], ou: 'admin-e2e' });
    for (const uid of PEOPLE) {
      await ldap.add(`uid=${uid},${OU}`, {
        objectClass: ['inetOrgPerson'],
        uid,
        cn: `Locked ${uid}`,
        sn: 'Locked',
        displayName: `Locked ${uid}`,
        mail: `${uid}@example.com`,
        pwdAccountLockedTime: '000001010000Z',
      });
    }
  });
});

test.afterAll(async () => {
  await withDirectory(async (ldap) => {
    for (const uid of PEOPLE) await ldap.del(`uid=${uid},${OU}`).catch(() => undefined);
    await ldap.del(OU).catch(() => undefined);
  });
});

/** Every text response the browser receives, to prove the password is in none of them. */
function recordResponses(page: Page): string[] {
  const bodies: string[] = [];
  page.on('response', async (response) => {
    const type = response.headers()['content-type'] ?? '';
    if (!/text|json|javascript|x-component/.test(type)) return;
    try {
      bodies.push(await response.text());
    } catch {
      /* redirects and aborted requests have no body */
    }
  });
  return bodies;
}

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(accounts.admin.username);
  await page.getByLabel('Password').fill(accounts.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);
}

const testResult = (page: Page) => page.getByTestId('test-result');

test('the administrator saves the connection, tests it, and the bind password never comes back', async ({ page }) => {
  const bodies = recordResponses(page);
  await signIn(page);
  await page.getByRole('main').getByRole('link', { name: /LDAP connection/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'LDAP connection' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toHaveText(/Home\s*>\s*LDAP connection/);

  await page.getByLabel('URLs').fill(dir.url);
  await page.getByLabel('Bind DN').fill(dir.syncDn);
  await page.getByLabel('Bind password').fill(dir.syncPassword);
  await page.getByLabel('Base DN').fill(dir.baseDn);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('save-message')).toContainText('Saved, with the new bind password');
  await expect(page.getByLabel('Bind password')).toHaveValue('');

  // Test connection with the stored password: the count and the first ten entries.
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(testResult(page)).toContainText('Connected');
  const matched = Number((await page.getByTestId('matched-count').textContent())?.match(/matches (\d+)/)?.[1]);
  expect(matched).toBeGreaterThanOrEqual(PEOPLE.length);
  await expect(testResult(page).getByRole('table').locator('tbody tr')).toHaveCount(10);

  // A wrong password: the directory's precise message, and nothing saved.
  await page.getByLabel('Bind password').fill(WRONG_PASSWORD);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('test-error')).toContainText(`The directory rejected the bind DN or password (${dir.syncDn})`);

  // Reload: the form shows that a password is stored, never the password.
  await page.reload();
  await expect(page.getByLabel('Bind password')).toHaveValue('');
  await expect(page.getByText('A password is stored. Leave empty to keep it; it is never shown.')).toBeVisible();
  await expect(page.getByLabel('Bind DN')).toHaveValue(dir.syncDn);

  // Save with a blank password keeps the stored one (the test still binds).
  await page.getByLabel('Operation timeout (ms)').fill('20000');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('save-message')).toContainText('the stored bind password was kept');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(testResult(page)).toContainText('Connected');

  // Another server: the form says so before anything is pressed, and neither Test connection nor
  // Save sends the stored password there (it is asked for again).
  await page.getByLabel('URLs').fill('ldap://127.0.0.1:1');
  await expect(page.locator('#bindPassword-help')).toContainText('Type the bind password again: the server address changed');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.locator('#bindPassword-error')).toContainText('Type the bind password again: the server address changed');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#bindPassword-error')).toContainText('Type the bind password again: the server address changed');
  await expect(page.getByTestId('save-message')).toContainText('Nothing was saved');

  // An invalid URL is refused at its field.
  await page.getByLabel('URLs').fill('http://ldap.example.com');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#urls-error')).toHaveText('Each URL must look like ldap://host:389 or ldaps://host:636.');
  await expect(page.getByLabel('URLs')).toBeFocused();

  const html = await page.content();
  expect(html).not.toContain(dir.syncPassword);
  expect(bodies.length).toBeGreaterThan(5);
  for (const body of bodies) {
    expect(body).not.toContain(dir.syncPassword);
    expect(body).not.toContain(WRONG_PASSWORD);
  }

  // The audit log shows both changes, without the password.
  const stored = await withDatabase((db) => db.query(`SELECT operation_timeout_ms, bind_password_encrypted FROM ldap_settings WHERE id = 1`));
  expect(stored.rows[0].operation_timeout_ms).toBe(20000);
  expect(stored.rows[0].bind_password_encrypted).not.toContain(dir.syncPassword);
  await page.getByRole('navigation', { name: 'Identity Manager Admin' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Action').selectOption('ldap.settings.changed');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/action=ldap\.settings\.changed/);
  const rows = page.getByRole('table', { name: /Audit events/ }).locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(accounts.admin.username);
  expect(await page.content()).not.toContain(dir.syncPassword);
});
