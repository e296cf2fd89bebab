import { expect, test } from '@playwright/test';
import { BATCH_JOBS } from '@/lib/seed/batch-jobs';
import { jobScheduler } from './support/job-scheduler';
import { e2eAccounts, signIn } from './support/accounts';
import { withDatabase } from './support/operator-fixture';

// The vendor's documented steps for "Synchronize inactive LDAP Users to Identity Manager", on a
// job exactly as a new installation seeds it, and nothing else:
//   1. Log in to Identity Manager Admin.
//   2. Home > Batch Synchronization.
//   3. Select "Synchronize inactive LDAP Users to Identity Manager".
//   4. Type the cron expression in Expression and click Save.
// They must leave the job scheduled: the admin page shows the next run, BullMQ's job scheduler
// holds the expression, and the operator sees the next execution after Clear cache.
test.describe.configure({ mode: 'serial' });

const accounts = e2eAccounts();
const JOB = 'inactive-ldap-users';
const PROCESS = 'Synchronize inactive LDAP Users to Identity Manager';
const EXPRESSION = '30 2 * * 1-5';


/** The job's row back to what the seed of a new installation writes (lib/seed/batch-jobs.ts). */
async function asFreshlySeeded() {
  const seeded = BATCH_JOBS.find((j) => j.key === JOB)!;
  await withDatabase((db) =>
    db.query(`UPDATE batch_jobs SET cron_expression = NULL, time_zone = 'UTC', paused = DEFAULT, options = $2 WHERE key = $1`, [JOB, JSON.stringify(seeded.options)]),
  );
}

test.beforeAll(asFreshlySeeded);
// The worker must not fire the job during other specs.
test.afterAll(asFreshlySeeded);

test("the vendor's four steps alone schedule the job; the operator sees its next execution after Clear cache", async ({ browser }) => {
  test.setTimeout(90_000);
  const admin = await (await browser.newContext()).newPage();

  // 1. Log in to Identity Manager Admin.
  await signIn(admin, accounts.admin.username, accounts.admin.password);
  await expect(admin).toHaveURL(/\/admin$/);
  // 2. Home > Batch Synchronization.
  await admin.getByRole('main').getByRole('link', { name: /Batch Synchronization/ }).click();
  // 3. Select the job.
  await admin.getByRole('link', { name: PROCESS }).click();
  // 4. Type the cron expression in Expression and click Save.
  await admin.getByLabel('Expression', { exact: true }).fill(EXPRESSION);
  await admin.getByRole('button', { name: 'Save' }).click();

  // What the scheduler will do, in the scheduler's own words (read from Redis) and on the page.
  await expect(admin.getByTestId('save-message')).toContainText('Saved and scheduled: the next run is');
  await expect.poll(async () => (await jobScheduler(JOB))?.pattern).toBe(EXPRESSION);
  const scheduler = (await jobScheduler(JOB))!;
  expect(scheduler.tz ?? 'UTC').toBe('UTC');
  const next = new Date(scheduler.next!);
  expect(next.getUTCHours()).toBe(2);
  expect(next.getUTCMinutes()).toBe(30);
  expect([1, 2, 3, 4, 5]).toContain(next.getUTCDay());
  await expect(admin.getByTestId('admin-next-run')).toContainText('02:30:00');
  await expect(admin.getByRole('region', { name: 'Status' })).not.toContainText('paused');

  // The operator: Scheduled jobs, Clear cache, the next execution BullMQ will fire.
  const operator = await (await browser.newContext()).newPage();
  await signIn(operator, accounts.operator.username, accounts.operator.password);
  await expect(operator).toHaveURL(/\/operator$/);
  await operator.getByRole('navigation', { name: 'Identity Manager Operator' }).getByRole('link', { name: 'Scheduled jobs' }).click();
  await operator.getByRole('button', { name: 'Clear cache' }).click();
  await expect(operator.getByRole('status').filter({ hasText: 'Cache cleared' })).toBeVisible();
  const nextExecution = operator.getByTestId(`next-execution-${JOB}`);
  await expect(nextExecution).toContainText(EXPRESSION);
  await expect(nextExecution.locator('time')).toHaveAttribute('datetime', next.toISOString());
  await admin.context().close();
  await operator.context().close();
});
