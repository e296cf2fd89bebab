import { expect, test, type Page } from '@playwright/test';
import { e2eAccounts } from './support/accounts';
import { configureDirectoryConnection, e2eDirectory, withDatabase, withDirectory } from './support/operator-fixture';

// "Overlap is caught when it is made": an administrator types a filter on the active job that
// also matches the locked (inactive) people, clicks Save, and is told how many people would fail
// in both jobs, with examples; Test connection on the LDAP connection page says the same.
test.describe.configure({ mode: 'serial' });

const accounts = e2eAccounts();
const dir = e2eDirectory();
const ACTIVE_JOB = 'active-ldap-users';
const ACTIVE_PROCESS = 'Synchronize active LDAP Users to Identity Manager';
// People of one department below their own OU, so that the typed filter matches only them
// whatever other specs put in the directory; removed again after the spec.
const DEPARTMENT = 'overlap-e2e';
const OU = `ou=${DEPARTMENT},${dir.baseDn}`;
const LOCKED = Array.from({ length: 7 }, (_, i) => `overlap.${String(i + 1).padStart(2, '0')}`);
const UNLOCKED = ['overlap.active1', 'overlap.active2'];
/** What the administrator types: the department, forgetting to leave out the locked accounts. */
const TYPED_FILTER = `(&(objectClass=inetOrgPerson)(departmentNumber=${DEPARTMENT}))`;

let savedOptions: unknown;

test.beforeAll(async () => {
  await configureDirectoryConnection();
  savedOptions = (await withDatabase((db) => db.query('SELECT options FROM batch_jobs WHERE key = $1', [ACTIVE_JOB]))).rows[0].options;
  await withDirectory(async (ldap) => {
    await ldap.add(OU, { objectClass: ['organizationalUnit'], ou: DEPARTMENT });
    for (const uid of [...LOCKED, ...UNLOCKED]) {
      await ldap.add(`uid=${uid},${OU}`, {
        objectClass: ['inetOrgPerson'],
        uid,
        cn: uid,
        sn: 'Overlap',
        departmentNumber: DEPARTMENT,
        ...(LOCKED.includes(uid) ? { pwdAccountLockedTime: '000001010000Z' } : {}),
      });
    }
  });
});

test.afterAll(async () => {
  // The active job's filter as it was: later specs run the jobs.
  await withDatabase((db) => db.query('UPDATE batch_jobs SET options = $2 WHERE key = $1', [ACTIVE_JOB, JSON.stringify(savedOptions ?? {})]));
  await withDirectory(async (ldap) => {
    for (const uid of [...LOCKED, ...UNLOCKED]) await ldap.del(`uid=${uid},${OU}`).catch(() => undefined);
    await ldap.del(OU).catch(() => undefined);
  });
});

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(accounts.admin.username);
  await page.getByLabel('Password').fill(accounts.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);
}

/** The overlap warning: an alert inside `scope` (Next's route announcer is an alert too). */
const overlapWarning = (scope: ReturnType<Page['locator']>) => scope.getByRole('alert').filter({ hasText: 'would fail in both jobs' });

test('Save warns when the active job\'s filter also matches the inactive people, with the count and examples, and saves', async ({ page }) => {
  await signIn(page);
  await page.getByRole('main').getByRole('link', { name: /Batch Synchronization/ }).click();
  await page.getByRole('link', { name: ACTIVE_PROCESS }).click();
  await expect(page.getByRole('heading', { level: 1, name: ACTIVE_PROCESS })).toBeVisible();

  await page.getByLabel('Filter', { exact: true }).fill(TYPED_FILTER);
  await page.getByRole('button', { name: 'Save' }).click();

  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Save' }) });
  await expect(page.getByTestId('save-message')).toContainText('Saved');
  const warning = overlapWarning(form);
  await expect(warning).toBeVisible();
  await expect(warning).toContainText(`Warning: ${LOCKED.length} people would fail in both jobs`);
  await expect(warning).toContainText(`both match these ${LOCKED.length} directory entries`);
  await expect(warning).toContainText('an active user among them is not deactivated');
  await expect(warning).toContainText('The settings were saved anyway');
  const examples = warning.getByRole('list', { name: 'People matched by both filters' }).getByRole('listitem');
  await expect(examples.filter({ hasText: `,${OU}` })).toHaveCount(5);
  for (const text of await examples.filter({ hasText: `,${OU}` }).allTextContents()) {
    const uid = text.match(/^(overlap\.\d\d) uid=/)?.[1];
    expect(LOCKED).toContain(uid);
    expect(text).toContain(`uid=${uid},${OU}`);
  }
  await expect(examples.filter({ hasText: 'and 2 more' })).toHaveCount(1);
  // What to do, with a filter that leaves out the inactive people.
  await expect(warning).toContainText('What to do: make the two filters exclude each other');
  await expect(warning).toContainText(`(&${TYPED_FILTER}(!(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))))`);

  // Saved all the same, and the audit event records the count.
  const stored = await withDatabase((db) => db.query('SELECT options FROM batch_jobs WHERE key = $1', [ACTIVE_JOB]));
  expect(stored.rows[0].options).toMatchObject({ filter: TYPED_FILTER });
  const audit = await withDatabase((db) =>
    db.query(`SELECT details FROM audit_events WHERE action = 'job.schedule.saved' AND target = $1 ORDER BY id DESC LIMIT 1`, [ACTIVE_JOB]),
  );
  expect(audit.rows[0].details).toMatchObject({ filterOverlap: { status: 'found', count: LOCKED.length, exact: true } });

  // The filter typed as the suggestion says: no warning any more.
  await page.getByLabel('Filter', { exact: true }).fill(`(&${TYPED_FILTER}(!(pwdAccountLockedTime=*)))`);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByTestId('filter-overlap')).toContainText('No person is matched by both jobs\' filters');
  await expect(overlapWarning(form)).toHaveCount(0);
  await page.getByLabel('Filter', { exact: true }).fill(TYPED_FILTER);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(overlapWarning(form)).toBeVisible();
});

test('Test connection on the LDAP connection page shows the overlap of the two jobs\' filters', async ({ page }) => {
  await signIn(page);
  await page.getByRole('main').getByRole('link', { name: /LDAP connection/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'LDAP connection' })).toBeVisible();
  // The stored bind password (the field left empty).
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.getByTestId('test-result');
  await expect(result).toContainText('Connected');
  const warning = overlapWarning(result);
  await expect(warning).toContainText(`Warning: ${LOCKED.length} people would fail in both jobs`);
  await expect(warning.getByRole('listitem').filter({ hasText: `,${OU}` })).toHaveCount(5);
  await expect(warning).not.toContainText('saved anyway');
});
