import { expect, test, type Page } from '@playwright/test';
import pg from 'pg';
import { e2eAccounts } from './support/accounts';

// An operator looks a person up: search by part of the email, open the user's page, and see the
// credentials with their certificates and states (the end states of the inactive outcome).

const accounts = e2eAccounts();
const USERNAME = 'e2e.lookup.hartmann';
/** Surname 王, given name 伟: one character each, so only a 1-character search finds them by name. */
const CJK_USERNAME = 'e2e.lookup.wwang';

async function seedPerson(): Promise<void> {
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    await db.query('BEGIN');
    // Idempotent: a re-run against the same database starts from the same person.
    await db.query(
      `DELETE FROM certificates WHERE credential_id IN (SELECT c.id FROM credentials c JOIN users u ON u.id = c.user_id WHERE u.username_key = $1)`,
      [USERNAME],
    );
    await db.query(`DELETE FROM credentials WHERE user_id IN (SELECT id FROM users WHERE username_key = $1)`, [USERNAME]);
    await db.query(`DELETE FROM users WHERE username_key = $1`, [USERNAME]);
    const user = await db.query<{ id: number }>(
      `INSERT INTO users (username, username_key, given_name, surname, display_name, email, employee_number, state, source, ldap_dn, ldap_external_id)
       VALUES ($1, $1, 'Lotte', 'Hartmann', 'Lotte Hartmann', 'lotte.hartmann@e2e.example', 'E2E-4242', 'INACTIVE', 'LDAP',
         'uid=e2e.lookup.hartmann,ou=people,dc=example,dc=com', 'e2e00000-0000-4000-8000-000000004242') RETURNING id`,
      [USERNAME],
    );
    const credentials = await db.query<{ id: number; type: string }>(
      `INSERT INTO credentials (user_id, type, state, label) VALUES ($1, 'CARD', 'INACTIVE', 'CARD-4242'), ($1, 'TEMPORARY_CARD', 'LOCKED', 'TMP-4242')
       RETURNING id, type`,
      [user.rows[0]!.id],
    );
    const card = credentials.rows.find((c) => c.type === 'CARD')!.id;
    const temporary = credentials.rows.find((c) => c.type === 'TEMPORARY_CARD')!.id;
    await db.query(
      `INSERT INTO certificates (credential_id, serial, subject, state, revocation_reason, revoked_at) VALUES
         ($1, 'E2E-SERIAL-CARD', 'CN=Lotte Hartmann', 'ON_HOLD', 'certificateHold', now()),
         ($2, 'E2E-SERIAL-TMP', 'CN=Lotte Hartmann (temporary)', 'REVOKED', 'privilegeWithdrawn', now())`,
      [card, temporary],
    );
    await db.query(`DELETE FROM users WHERE username_key = $1`, [CJK_USERNAME]);
    await db.query(
      `INSERT INTO users (username, username_key, given_name, surname, display_name, email, state, source)
       VALUES ($1, $1, '伟', '王', '王伟', 'wang.wei@e2e.example', 'ACTIVE', 'LDAP')`,
      [CJK_USERNAME],
    );
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await db.end();
  }
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test.beforeAll(seedPerson);

test('an operator searches for a user and sees credentials and certificates with their states', async ({ page }) => {
  await signIn(page, accounts.operator.username, accounts.operator.password);
  await expect(page).toHaveURL(/\/operator$/);
  await page.getByRole('navigation', { name: 'Identity Manager Operator' }).getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();

  // Part of the email, in capitals, typed and submitted with the keyboard.
  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill('HARTMANN@E2E');
  await search.press('Enter');
  await expect(page).toHaveURL(/\/operator\/users\?q=HARTMANN%40E2E/);
  const row = page.getByRole('row').filter({ hasText: USERNAME });
  await expect(row).toHaveCount(1);
  await expect(row.getByText('Inactive', { exact: true })).toBeVisible();

  // Wildcards are literal: "%" finds nobody rather than everybody.
  await search.fill('%%%');
  await search.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'No user matches this search.' })).toBeVisible();

  await search.fill('E2E-4242');
  await page.getByLabel('State').selectOption('INACTIVE');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: USERNAME }).click();

  await expect(page).toHaveURL(new RegExp(`/operator/users/${USERNAME.replace(/\./g, '\\.')}$`));
  await expect(page.getByRole('heading', { name: `Lotte Hartmann (${USERNAME})`, level: 1 })).toBeVisible();
  await expect(page.getByText('uid=e2e.lookup.hartmann,ou=people,dc=example,dc=com')).toBeVisible();

  const card = page.getByRole('listitem', { name: 'Credential Card CARD-4242' });
  await expect(card.getByText('Credential state')).toBeVisible();
  await expect(card.locator('[data-state="INACTIVE"]')).toHaveText('Inactive');
  await expect(card.getByRole('row').filter({ hasText: 'E2E-SERIAL-CARD' }).locator('[data-state]')).toHaveText('On hold');

  const temporary = page.getByRole('listitem', { name: 'Credential Temporary card TMP-4242' });
  await expect(temporary.locator('[data-state="LOCKED"]')).toHaveText('Locked');
  await expect(temporary.getByRole('row').filter({ hasText: 'E2E-SERIAL-TMP' }).locator('[data-state]')).toHaveText('Revoked');

  await expect(page.getByText('This user has no roles.')).toBeVisible();
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/operator\/users$/);
});

test('an operator finds 王伟 by typing 王 or 伟', async ({ page }) => {
  await signIn(page, accounts.operator.username, accounts.operator.password);
  await expect(page).toHaveURL(/\/operator$/);
  await page.goto('/operator/users');
  const search = page.getByRole('searchbox', { name: 'Search' });
  const results = page.getByRole('region', { name: 'Results' });
  for (const term of ['王', '伟']) {
    await search.fill(term);
    await search.press('Enter');
    await expect(page).toHaveURL(new RegExp(`/operator/users\\?q=${encodeURIComponent(term)}`));
    const row = results.getByRole('row').filter({ has: page.getByRole('link', { name: CJK_USERNAME }) });
    await expect(row).toHaveCount(1);
    await expect(row.getByRole('cell', { name: '王伟', exact: true })).toBeVisible();
  }
  // The middle of a name is no start: nobody is named "伟…".
  await search.fill('伟王');
  await search.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'No user matches this search.' })).toBeVisible();
});

test('an unknown username shows the not-found page', async ({ page }) => {
  await signIn(page, accounts.operator.username, accounts.operator.password);
  await expect(page).toHaveURL(/\/operator$/);
  const response = await page.goto('/operator/users/nobody-with-this-name');
  expect(response?.status()).toBe(404);
});
