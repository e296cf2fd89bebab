import { expect, test, type Browser, type Page } from '@playwright/test';
import { jobScheduler } from './support/job-scheduler';
import { e2eAccounts } from './support/accounts';
import { withDatabase } from './support/operator-fixture';

// The vendor's steps, word for word: log in to Identity Manager Admin; Home > Batch
// Synchronization; select the job; type a cron expression in Expression; click Save.
test.describe.configure({ mode: 'serial' });

const accounts = e2eAccounts();
const JOB = 'inactive-ldap-users';
const PROCESS = 'Synchronize inactive LDAP Users to Identity Manager';

async function signInAsAdministrator(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  await page.goto('/login');
  await page.getByLabel('Username').fill(accounts.admin.username);
  await page.getByLabel('Password').fill(accounts.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  return page;
}

async function storedJob() {
  return withDatabase(async (db) => {
    const { rows } = await db.query(`SELECT cron_expression, time_zone, paused, version FROM batch_jobs WHERE key = $1`, [JOB]);
    return rows[0] as { cron_expression: string | null; time_zone: string; paused: boolean; version: number };
  });
}


const form = (page: Page) => page.locator('form').filter({ has: page.getByRole('button', { name: 'Save' }) });
const expression = (page: Page) => page.getByLabel('Expression', { exact: true });
const saveMessage = (page: Page) => page.getByTestId('save-message');

async function openJob(page: Page) {
  await page.goto(`/admin/batch-synchronization/${JOB}`);
  await expect(page.getByRole('heading', { level: 1, name: PROCESS })).toBeVisible();
}

test.afterAll(async ({ browser }) => {
  // Leave the job as the seed made it (no schedule): the worker must not fire it during other specs.
  const page = await signInAsAdministrator(browser);
  await openJob(page);
  await expression(page).fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(page)).toContainText('Saved');
  expect(await jobScheduler(JOB)).toBeUndefined();
  await page.context().close();
});

test('Home > Batch Synchronization > the job: an invalid expression is refused, a valid one is saved and scheduled', async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await signInAsAdministrator(browser);

  // Home > Batch Synchronization, in one click.
  await page.getByRole('main').getByRole('link', { name: /Batch Synchronization/ }).click();
  await expect(page).toHaveURL(/\/admin\/batch-synchronization$/);
  const breadcrumb = page.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(breadcrumb).toHaveText(/Home\s*>\s*Batch Synchronization/);
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: PROCESS }) });
  await expect(row).toContainText('UsersAddonLDAPBatchSyncSynchronizeActiveLDAPUsersToIDMUsers');
  await expect(row.getByRole('cell').nth(1)).toHaveText('Not scheduled');

  // Select Synchronize inactive LDAP Users to Identity Manager.
  await page.getByRole('link', { name: PROCESS }).click();
  await expect(page.getByRole('heading', { level: 1, name: PROCESS })).toBeVisible();
  await expect(breadcrumb).toHaveText(/Home\s*>\s*Batch Synchronization\s*>\s*Synchronize inactive LDAP Users to Identity Manager/);
  const details = page.getByRole('complementary', { name: 'About this job' });
  await expect(details).toContainText(/Component\s*Identity Manager Admin/);
  await expect(details).toContainText(/Process start\s*Batch synchronization/);
  await expect(details).toContainText(/Executable for\s*Administrator/);
  await expect(page.getByRole('table', { name: /End states/ })).toContainText('Temporary card and related certificates');

  // An invalid expression: its message at the field as you type, without moving the form, and nothing saved.
  const before = await storedJob();
  const saveButton = page.getByRole('button', { name: 'Save' });
  const saveTop = (await saveButton.boundingBox())!.y;
  await expression(page).fill('61 2 * * *');
  const fieldMessage = page.locator('#cron-expression-message');
  await expect(fieldMessage).toHaveText('minute must be 0-59 (got 61)');
  await expect(expression(page)).toHaveAttribute('aria-invalid', 'true');
  await expect(expression(page)).toHaveAttribute('aria-describedby', /cron-expression-message/);
  expect((await saveButton.boundingBox())!.y).toBe(saveTop);
  await saveButton.click();
  await expect(saveMessage(page)).toContainText('Nothing was saved');
  await expect(fieldMessage).toHaveText('minute must be 0-59 (got 61)');
  await expect(expression(page)).toBeFocused();
  expect(await storedJob()).toEqual(before);

  // A preset fills the field; the schedule reads in words.
  await page.getByRole('button', { name: 'Weekdays at 06:00' }).click();
  await expect(expression(page)).toHaveValue('0 6 * * 1-5');
  await expect(page.getByTestId('schedule-in-words')).toHaveText('At 06:00, Monday through Friday');

  // Type the expression in Expression and click Save.
  await expression(page).fill('15 4 * * 1-5');
  await page.getByLabel('Time zone').selectOption('Europe/Berlin');
  await expect(page.getByTestId('schedule-in-words')).toHaveText('At 04:15, Monday through Friday');
  await saveButton.click();
  await expect(saveMessage(page)).toContainText(/Saved and scheduled: the next run is \w{3}, \d{2} \w{3} \d{4}, 04:15:00/);
  await expect(saveMessage(page)).toContainText('Operators see the change in Identity Manager Operator after they click Clear cache');

  // The README's picture of the job page: `UPDATE_SCREENSHOTS=1 npx playwright test e2e/admin-batch-synchronization.spec.ts`.
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: 'docs/job-page.png', fullPage: true });

  const saved = await storedJob();
  expect(saved).toMatchObject({ cron_expression: '15 4 * * 1-5', time_zone: 'Europe/Berlin', paused: false, version: before.version + 1 });
  const scheduler = await jobScheduler(JOB);
  expect(scheduler).toMatchObject({ pattern: '15 4 * * 1-5', tz: 'Europe/Berlin' });

  const audit = await withDatabase((db) =>
    db.query(`SELECT actor, details FROM audit_events WHERE action = 'job.schedule.saved' AND target = $1 ORDER BY id DESC LIMIT 1`, [JOB]),
  );
  expect(audit.rows[0]).toMatchObject({
    actor: accounts.admin.username,
    details: { before: { cronExpression: before.cron_expression, paused: false }, after: { cronExpression: '15 4 * * 1-5', timeZone: 'Europe/Berlin', paused: false } },
  });

  // Visible after reload, and in the list.
  await page.reload();
  await expect(expression(page)).toHaveValue('15 4 * * 1-5');
  await expect(page.getByLabel('Time zone')).toHaveValue('Europe/Berlin');
  await expect(page.getByRole('checkbox', { name: 'Pause schedule' })).not.toBeChecked();
  await breadcrumb.getByRole('link', { name: 'Batch Synchronization' }).click();
  await expect(row).toContainText('At 04:15, Monday through Friday');
  await expect(row.getByRole('cell').nth(1)).toHaveText('Scheduled');
  await page.context().close();
});

test('Pause schedule keeps the expression, lists no runs that will not happen, says so on Save, and Resume schedules again', async ({ browser }) => {
  const page = await signInAsAdministrator(browser);
  await openJob(page);
  const pause = page.getByRole('checkbox', { name: 'Pause schedule' });
  await expression(page).fill('');
  await expect(pause).toBeDisabled(); // nothing to pause without an expression
  await expression(page).fill('45 3 * * *');
  await expect(page.getByRole('list', { name: /Next five runs/ }).locator('time')).toHaveCount(5);

  await pause.check();
  await expect(page.getByRole('list', { name: /Next five runs/ })).toHaveText('None while the schedule is paused.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(page)).toContainText('The schedule is paused: the scheduler will not start this job');
  expect(await storedJob()).toMatchObject({ cron_expression: '45 3 * * *', paused: true });
  expect(await jobScheduler(JOB)).toBeUndefined();
  await page.reload();
  await expect(page.getByTestId('admin-next-run')).toHaveText('None: the schedule is paused');
  await expect(page.getByRole('region', { name: 'Status' })).toContainText(/45 3 \* \* \* \(.+\), paused/);

  await page.getByRole('checkbox', { name: 'Pause schedule' }).uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(page)).toContainText('Saved and scheduled: the next run is');
  expect(await jobScheduler(JOB)).toMatchObject({ pattern: '45 3 * * *' });
  await page.context().close();
});

test('an expression that never fires is refused at the field and on Save; the scheduler keeps the saved one', async ({ browser }) => {
  const page = await signInAsAdministrator(browser);
  await openJob(page);
  await expression(page).fill('0 1 * * *');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(page)).toContainText('Saved and scheduled');
  const before = await storedJob();

  await expression(page).fill('0 0 31 2,4 *');
  await expect(page.locator('#cron-expression-message')).toContainText('this schedule never fires');
  await expect(page.getByRole('list', { name: /Next five runs/ })).toHaveText('—');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(page)).toContainText('Nothing was saved');
  expect(await storedJob()).toEqual(before);
  expect(await jobScheduler(JOB)).toMatchObject({ pattern: '0 1 * * *' });
  await page.context().close();
});

test('a time zone change moves the next run times', async ({ browser }) => {
  const page = await signInAsAdministrator(browser);
  await openJob(page);
  await expression(page).fill('0 2 * * *');
  await page.getByLabel('Time zone').selectOption('UTC');
  const runs = page.getByRole('list', { name: /Next five runs/ }).locator('time');
  await expect(runs).toHaveCount(5);
  for (const time of await runs.all()) await expect(time).toHaveAttribute('datetime', /T02:00:00\.000Z$/);
  await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
  await expect(page.getByRole('list', { name: 'Next five runs in Asia/Tokyo' })).toBeVisible();
  // 02:00 in Tokyo is 17:00 UTC the day before.
  for (const time of await runs.all()) await expect(time).toHaveAttribute('datetime', /T17:00:00\.000Z$/);
  await expect(runs.first()).toContainText('02:00:00');
  await page.context().close();
});

test('a stale save is refused and does not overwrite the other administrator\'s change', async ({ browser }) => {
  const first = await signInAsAdministrator(browser);
  const second = await signInAsAdministrator(browser);
  await openJob(first);
  await openJob(second);

  await expression(first).fill('10 5 * * *');
  await first.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(first)).toContainText('Saved');

  await expression(second).fill('40 5 * * *');
  await second.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(second)).toContainText('Not saved');
  await expect(saveMessage(second)).toContainText(`${accounts.admin.username} changed this schedule`);
  await expect(form(second).getByRole('alert').filter({ hasText: 'Reload the page' })).toBeVisible();

  expect(await storedJob()).toMatchObject({ cron_expression: '10 5 * * *' });
  expect(await jobScheduler(JOB)).toMatchObject({ pattern: '10 5 * * *' });
  await first.context().close();
  await second.context().close();
});

test('Run mode: delta runs with a full run every 3 days are saved, shown again, and a wrong period is refused', async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await signInAsAdministrator(browser);
  await openJob(page);
  const options = async () => withDatabase(async (db) => (await db.query(`SELECT options FROM batch_jobs WHERE key = $1`, [JOB])).rows[0].options);
  const days = form(page).getByLabel('Full run at least every (days)');
  await expect(form(page).getByLabel('Full runs')).toBeChecked();
  await expect(days).toHaveValue('7');

  await form(page).getByLabel('Delta runs').check();
  await days.fill('0');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(page)).toContainText('Nothing was saved');
  await expect(form(page).getByText('Enter a whole number from 1 to 366.')).toBeVisible();

  await days.fill('3');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(page)).toContainText('Saved');
  expect(await options()).toMatchObject({ runMode: 'delta', fullRunEvery: { runs: null, days: 3 } });
  await page.reload();
  await expect(form(page).getByLabel('Delta runs')).toBeChecked();
  await expect(days).toHaveValue('3');

  // Back to full runs: the other specs expect the seeded behaviour.
  await form(page).getByLabel('Full runs').check();
  await days.fill('7');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(page)).toContainText('Saved');
  expect(await options()).toMatchObject({ runMode: 'full' });
  await page.context().close();
});
