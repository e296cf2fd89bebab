import { expect, test, type Browser, type Page } from '@playwright/test';
import { hashPassword } from '@/lib/auth/password';
import { e2eAccounts, signIn } from './support/accounts';
import { INACTIVE_JOB, INACTIVE_PROCESS, signedIn, startNowFromScheduledJobs } from './support/operator-ui';
import { addDirectoryPeople, addIdentityUsers, configureDirectoryConnection, identityOf, removeDirectoryPeople, withDatabase } from './support/operator-fixture';

// Four-eyes on mass deactivation (issue 16): the job's rule for who may confirm a run stopped at
// the threshold, in the browser against the real app, worker, PostgreSQL, Redis and slapd.
test.describe.configure({ mode: 'serial' });

const accounts = e2eAccounts();
const SECOND_ADMIN = { username: 'bea.second', password: 'Copper-Meadow-Violin-7391' };
const PEOPLE = ['fe.amy', 'fe.bo', 'fe.cy'];
let savedOptions: unknown;
/** The run the second administrator confirmed: it deactivated PEOPLE, the restore test puts them back. */
let confirmedRunId = 0;

async function setOptions(options: object) {
  await withDatabase((db) => db.query(`UPDATE batch_jobs SET options = $2 WHERE key = $1`, [INACTIVE_JOB, JSON.stringify(options)]));
}

async function signedInAs(browser: Browser, username: string, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, username, password);
  await expect(page).toHaveURL(/\/admin$/);
  return page;
}

async function runStoppedAtThreshold(page: Page): Promise<number> {
  await page.goto('/operator'); // an administrator opens Identity Manager Operator too
  const runId = await startNowFromScheduledJobs(page);
  await expect(page.getByTestId('run-status')).toContainText('Threshold exceeded', { timeout: 45_000 });
  await expect(page.getByTestId('would-deactivate')).toHaveText('3');
  return runId;
}

test.beforeAll(async () => {
  savedOptions = await withDatabase(async (db) => (await db.query(`SELECT options FROM batch_jobs WHERE key = $1`, [INACTIVE_JOB])).rows[0]?.options);
  await configureDirectoryConnection();
  await addDirectoryPeople(PEOPLE.map((uid) => ({ uid, givenName: uid, sn: 'FourEyes', locked: true })));
  await addIdentityUsers(PEOPLE.map((username) => ({ username, credentialTypes: ['CARD' as const], roles: ['Employee'] })));
  const hash = await hashPassword(SECOND_ADMIN.password);
  await withDatabase((db) =>
    db.query(`INSERT INTO accounts (username, password_hash, role) VALUES ($1, $2, 'ADMINISTRATOR') ON CONFLICT (username) DO NOTHING`, [SECOND_ADMIN.username, hash]),
  );
});

test.afterAll(async () => {
  await setOptions((savedOptions as object | undefined) ?? {});
  await removeDirectoryPeople(PEOPLE);
});

test('an operator cannot confirm when the job\'s rule says administrator', async ({ browser }) => {
  test.setTimeout(120_000);
  await setOptions({ threshold: { maxUsers: 1, maxPercent: null }, confirmationRule: 'ADMINISTRATOR' });
  const operator = await signedIn(browser, 'operator');
  await runStoppedAtThreshold(operator);
  const alert = operator.getByRole('alert').filter({ hasText: 'Threshold exceeded' });
  await expect(alert.getByTestId('confirmation-requirement')).toHaveText('Needs confirmation by an administrator.');
  await expect(alert.getByTestId('confirmation-refused')).toContainText("You cannot confirm it. This job's rule is that only an administrator may confirm");
  await expect(operator.getByRole('button', { name: 'Confirm and run' })).toHaveCount(0);
  expect((await identityOf('fe.amy'))?.state).toBe('ACTIVE');
});

test('two-person rule: the administrator who changed the filter is refused, a different administrator confirms', async ({ browser }) => {
  test.setTimeout(180_000);
  await setOptions({ threshold: { maxUsers: 1, maxPercent: null } });
  const adminA = await signedIn(browser, 'admin');

  // Admin A chooses the two-person rule and changes the filter (same people, other text).
  await adminA.goto(`/admin/batch-synchronization/${INACTIVE_JOB}`);
  await expect(adminA.getByRole('heading', { level: 1, name: INACTIVE_PROCESS })).toBeVisible();
  const rules = adminA.getByRole('group', { name: 'Who may confirm a run stopped at the threshold' });
  await expect(rules.getByRole('radio', { name: /The operator who started the run/ })).toBeChecked(); // the default: today's behaviour
  await expect(async () => {
    await rules.getByRole('radio', { name: /A different administrator \(two-person rule\)/ }).check();
    await expect(rules.getByRole('radio', { name: /A different administrator/ })).toBeChecked({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await adminA.getByLabel('Filter', { exact: true }).fill('(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*)(uid=*))');
  await adminA.getByRole('button', { name: 'Save' }).click();
  await expect(adminA.getByTestId('save-message')).toContainText('Saved', { timeout: 30_000 });
  await adminA.reload();
  await expect(adminA.getByTestId('filter-changed')).toContainText(`by ${accounts.admin.username}`);

  // Admin A starts the run: it stops at the threshold, and A may not confirm it.
  const stoppedRunId = await runStoppedAtThreshold(adminA);
  const alert = adminA.getByRole('alert').filter({ hasText: 'Threshold exceeded' });
  await expect(alert.getByTestId('confirmation-requirement')).toHaveText(
    `Needs confirmation by a different administrator than ${accounts.admin.username} (two-person rule).`,
  );
  await expect(alert.getByTestId('confirmation-refused')).toContainText("you started this run and last changed the job's filter");
  await expect(adminA.getByRole('button', { name: 'Confirm and run' })).toHaveCount(0);
  expect((await identityOf('fe.amy'))?.state).toBe('ACTIVE');

  // Admin B confirms; both runs show who confirmed and when.
  const adminB = await signedInAs(browser, SECOND_ADMIN.username, SECOND_ADMIN.password);
  await adminB.goto(`/operator/runs/${stoppedRunId}`);
  await adminB.getByRole('checkbox', { name: /these 3 users are to be deactivated/ }).check();
  const before = new Date();
  await adminB.getByRole('button', { name: 'Confirm and run' }).click();
  await expect(adminB).not.toHaveURL(new RegExp(`/runs/${stoppedRunId}$`));
  await expect(adminB).toHaveURL(/\/operator\/runs\/\d+$/);
  confirmedRunId = Number(new URL(adminB.url()).pathname.split('/').pop());
  await expect(adminB.getByTestId('confirmed-by')).toHaveText(SECOND_ADMIN.username);
  await expect(adminB.getByTestId('run-status')).toContainText('Succeeded', { timeout: 45_000 });
  expect((await identityOf('fe.amy'))?.state).toBe('INACTIVE');

  await adminA.goto(`/operator/runs/${stoppedRunId}`);
  const record = adminA.getByTestId('confirmation-record');
  await expect(record).toContainText(`Confirmed by ${SECOND_ADMIN.username} at`);
  const { confirmed_at: confirmedAt } = await withDatabase(async (db) => (await db.query(`SELECT confirmed_at FROM batch_runs WHERE id = $1`, [stoppedRunId])).rows[0]);
  expect(new Date(confirmedAt).getTime()).toBeGreaterThanOrEqual(before.getTime() - 2_000);
  await expect(record.locator('time')).toHaveAttribute('datetime', new Date(confirmedAt).toISOString());
});

test('two-person rule on a restore above the threshold: the administrator who requests it is refused, a different one confirms', async ({ browser }) => {
  test.setTimeout(180_000);
  // Serial: the previous test confirmed a run that deactivated PEOPLE (a failure there stops this one).
  expect(confirmedRunId, 'the run the previous test confirmed').toBeGreaterThan(0);
  // The job still has the two-person rule and a threshold of 1 user: restoring 3 people is over it.
  const adminA = await signedIn(browser, 'admin');
  await adminA.goto(`/operator/runs/${confirmedRunId}`);
  await adminA.getByRole('button', { name: 'Restore users changed by this run' }).click();
  await expect(adminA.getByTestId('restore-summary')).toContainText('Preview: restore of');
  await expect(adminA.getByTestId('run-status')).toContainText('Succeeded', { timeout: 45_000 });
  await expect(adminA.getByRole('alert').filter({ hasText: 'The restore is over the threshold' })).toContainText('would restore 3 users');
  await expect(adminA.getByTestId('restore-needs-second-person')).toContainText('two-person rule');
  await adminA.getByRole('checkbox', { name: /Restore 3 users changed by run/ }).check();
  await adminA.getByRole('button', { name: 'Request the restore of 3 users' }).click();

  // The restore records what it would do and stops: nobody is restored, and A may not confirm it.
  await expect(adminA.getByTestId('run-status')).toContainText('Threshold exceeded', { timeout: 45_000 });
  const stoppedRestoreId = Number(new URL(adminA.url()).pathname.split('/').pop());
  const alert = adminA.getByRole('alert').filter({ hasText: 'Threshold exceeded' });
  await expect(alert).toContainText('this restore would restore 3 users');
  await expect(alert.getByTestId('confirmation-refused')).toContainText('you started this run');
  await expect(adminA.getByRole('button', { name: 'Confirm and run' })).toHaveCount(0);
  expect((await identityOf('fe.amy'))?.state).toBe('INACTIVE');

  // B confirms it on its page: the restore runs, confirmed by B, and the people are back.
  const adminB = await signedInAs(browser, SECOND_ADMIN.username, SECOND_ADMIN.password);
  await adminB.goto(`/operator/runs/${stoppedRestoreId}`);
  await adminB.getByRole('checkbox', { name: /these 3 users are to be restored/ }).check();
  await adminB.getByRole('button', { name: 'Confirm and run' }).click();
  await expect(adminB).not.toHaveURL(new RegExp(`/runs/${stoppedRestoreId}$`));
  await expect(adminB.getByTestId('confirmed-by')).toHaveText(SECOND_ADMIN.username);
  await expect(adminB.getByTestId('restore-summary')).toContainText(`Restore of run #${confirmedRunId}`);
  await expect(adminB.getByTestId('run-status')).toContainText('Succeeded', { timeout: 45_000 });
  for (const username of PEOPLE) expect((await identityOf(username))?.state).toBe('ACTIVE');
});
