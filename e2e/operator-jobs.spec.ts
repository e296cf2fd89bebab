import { expect, test, type Page } from '@playwright/test';
import { e2eAccounts } from './support/accounts';
import { INACTIVE_JOB, INACTIVE_PROCESS, signedIn } from './support/operator-ui';
import {
  addDirectoryPeople,
  addIdentityUsers,
  configureDirectoryConnection,
  identityOf,
  lockDirectoryPeople,
  withDatabase,
} from './support/operator-fixture';

// Scheduled jobs, Clear cache, Start now, the run page and the threshold, against the real app,
// worker, PostgreSQL, Redis and slapd started by e2e/global-setup.ts. The tests build on each
// other (the second run sees what the first one did), so they run in order.
test.describe.configure({ mode: 'serial' });

const accounts = e2eAccounts();
const JOB = INACTIVE_JOB;
const PROCESS = INACTIVE_PROCESS;

function jobRow(page: Page) {
  return page.getByRole('row').filter({ has: page.getByRole('link', { name: PROCESS }) });
}

async function startNow(page: Page, options: { dryRun?: boolean } = {}) {
  const dialog = page.getByRole('dialog', { name: `Start ${PROCESS} now?` });
  // The button opens the dialog once the page is hydrated: click again until it has.
  await expect(async () => {
    await jobRow(page).getByRole('button', { name: `Start now: ${PROCESS}` }).click();
    await expect(dialog).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  if (options.dryRun) await dialog.getByRole('checkbox', { name: /Dry run/ }).check();
  await dialog.getByRole('button', { name: 'Start', exact: true }).click();
  return dialog;
}

/** The operator navigation marks the entry the page belongs to, and only that one. */
async function expectCurrentNavEntry(page: Page, label: string) {
  const nav = page.getByRole('navigation', { name: 'Identity Manager Operator' });
  await expect(nav.getByRole('link', { name: label })).toHaveAttribute('aria-current', 'page');
  await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
}

function counter(page: Page, key: string) {
  return page.getByTestId(`counter-${key}`).locator('dd');
}

test.beforeAll(async () => {
  await configureDirectoryConnection();
  await addDirectoryPeople([
    { uid: 'ann.locked', givenName: 'Ann', sn: 'Locked', locked: true },
    { uid: 'ben.locked', givenName: 'Ben', sn: 'Locked', locked: true },
    { uid: 'cid.new', givenName: 'Cid', sn: 'New', locked: true },
    { uid: 'dan.active', givenName: 'Dan', sn: 'Active', locked: false },
    { uid: 'eve.active', givenName: 'Eve', sn: 'Active', locked: false },
    { uid: 'fay.active', givenName: 'Fay', sn: 'Active', locked: false },
  ]);
  await addIdentityUsers([
    { username: 'ann.locked', credentialTypes: ['CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN'], roles: ['Employee', 'VPN access'] },
    { username: 'ben.locked', credentialTypes: ['CARD'], roles: ['Employee'] },
    { username: 'dan.active', credentialTypes: ['CARD'], roles: ['Employee'] },
    { username: 'eve.active', credentialTypes: ['MOBILE_ID'], roles: ['Employee'] },
    { username: 'fay.active', credentialTypes: ['SOFT_TOKEN'], roles: ['Employee'] },
  ]);
  // The administrator's safety threshold for this job: stop above 2 deactivations (an absolute
  // number, so that other specs' users do not move a percentage).
  await withDatabase((db) => db.query(`UPDATE batch_jobs SET options = $2 WHERE key = $1`, [JOB, JSON.stringify({ threshold: { maxUsers: 2, maxPercent: null } })]));
});

test('the operator sees the scheduled jobs, and an administrator\'s new schedule only after Clear cache', async ({ browser }) => {
  test.setTimeout(90_000);
  const operator = await signedIn(browser, 'operator');
  await operator.getByRole('navigation', { name: 'Identity Manager Operator' }).getByRole('link', { name: 'Scheduled jobs' }).click();
  await expect(operator.getByRole('heading', { name: 'Scheduled jobs' })).toBeVisible();
  await expect(jobRow(operator)).toContainText('UsersAddonLDAPBatchSyncSynchronizeActiveLDAPUsersToIDMUsers');
  await expect(operator.getByRole('link', { name: 'Synchronize active LDAP Users to Identity Manager' })).toBeVisible();
  // Start from a known cache generation, then look at the page once so the view is cached.
  await operator.getByRole('button', { name: 'Clear cache' }).click();
  await expect(operator.getByRole('status').filter({ hasText: 'Cache cleared' })).toBeVisible();
  await operator.reload();
  await expect(operator.getByTestId(`next-execution-${JOB}`)).not.toContainText('20 4 * * *');

  const admin = await signedIn(browser, 'admin');
  await admin.goto(`/admin/batch-synchronization/${JOB}`);
  await admin.getByLabel('Expression', { exact: true }).fill('20 4 * * *');
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin.getByTestId('save-message')).toContainText(/saved/i, { timeout: 30_000 });

  await operator.reload();
  await expect(operator.getByTestId(`next-execution-${JOB}`)).not.toContainText('20 4 * * *');
  await expect(operator.getByText(/Configuration changed at .+ by admin; click Clear cache to see it\./)).toBeVisible();

  await operator.getByRole('button', { name: 'Clear cache' }).click();
  await expect(operator.getByTestId(`next-execution-${JOB}`)).toContainText('20 4 * * *');
  await expect(operator.getByText(/Configuration changed at/)).toHaveCount(0);
  const audited = await withDatabase((db) => db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'cache.cleared' AND actor = $1`, [accounts.operator.username]));
  expect(audited.rows[0].n).toBeGreaterThanOrEqual(2);
});

test('Start now runs the synchronization; the run page shows its progress and ends with the expected counters', async ({ browser }) => {
  test.setTimeout(90_000);
  const operator = await signedIn(browser, 'operator');
  await operator.goto('/operator/scheduled-jobs');
  await startNow(operator);
  await expect(operator).toHaveURL(/\/operator\/runs\/\d+$/);
  // A run is part of Scheduled jobs, not of Home.
  await expectCurrentNavEntry(operator, 'Scheduled jobs');
  await expect(operator.getByRole('progressbar', { name: 'Entries read' })).toBeVisible();
  await expect(operator.getByTestId('run-status')).toContainText('Succeeded', { timeout: 45_000 });
  await expect(operator.getByRole('progressbar', { name: 'Entries read' })).toHaveAttribute('aria-valuenow', '100');
  await expect(operator.getByTestId('entries-read')).toContainText('3');
  await expect(counter(operator, 'created')).toHaveText('1');
  await expect(counter(operator, 'updated')).toHaveText('2');
  await expect(counter(operator, 'unchanged')).toHaveText('0');
  await expect(counter(operator, 'failed')).toHaveText('0');
  await expect(counter(operator, 'credentialsChanged')).toHaveText('6');
  await expect(counter(operator, 'certificatesChanged')).toHaveText('6');
  await expect(counter(operator, 'rolesWithdrawn')).toHaveText('3');
  // Which kind of run it was (issue 17) and the watermark it recorded, from the directory's clock.
  await operator.reload();
  await expect(operator.getByTestId('run-kind')).toContainText('Full run');
  await expect(operator.getByTestId('run-kind')).toContainText(/Watermark recorded: modifyTimestamp \d{14}Z/);

  // The per-user changes: search, filter, and the before -> after of Ann.
  await expect(operator.getByTestId('run-item')).toHaveCount(3);
  await operator.getByLabel('Search username or DN').fill('ann');
  await operator.getByRole('button', { name: 'Apply' }).click();
  await expect(operator.getByTestId('run-item')).toHaveCount(1);
  const ann = operator.getByTestId('run-item');
  await expect(ann).toContainText('State: active');
  await expect(ann).toContainText('Temporary card');
  await expect(ann).toContainText('locked');
  await expect(ann).toContainText('revoked');
  await expect(ann).toContainText('Employee, VPN access');
  await operator.getByLabel('Search username or DN').fill('');
  await operator.getByLabel('Outcome').selectOption('CREATED');
  await operator.getByRole('button', { name: 'Apply' }).click();
  await expect(operator.getByTestId('run-item')).toHaveCount(1);
  await expect(operator.getByTestId('run-item')).toContainText('cid.new');

  const download = operator.waitForEvent('download');
  await operator.getByRole('link', { name: 'Export CSV' }).click();
  const csv = await (await download).createReadStream();
  let text = '';
  for await (const chunk of csv) text += chunk.toString();
  expect(text.split('\r\n').filter(Boolean)).toHaveLength(2);
  expect(text).toContain('CREATED,cid.new,');

  // The user page shows Ann inactive, every credential and certificate in its end state, no roles.
  await operator.goto('/operator/users/ann.locked');
  await expect(operator.getByText('This user has no roles.')).toBeVisible();
  await expect(operator.locator('[data-state="ACTIVE"], [data-state="VALID"]')).toHaveCount(0);
  const annNow = await identityOf('ann.locked');
  expect(annNow).toEqual({
    state: 'INACTIVE',
    roles: 0,
    credentials: [
      { type: 'CARD', state: 'INACTIVE', certificates: ['ON_HOLD'] },
      { type: 'TEMPORARY_CARD', state: 'LOCKED', certificates: ['REVOKED'] },
      { type: 'VIRTUAL_SMART_CARD', state: 'INACTIVE', certificates: ['ON_HOLD'] },
      { type: 'MOBILE_ID', state: 'INACTIVE', certificates: ['ON_HOLD'] },
      { type: 'SOFT_TOKEN', state: 'INACTIVE', certificates: ['ON_HOLD'] },
    ],
  });

  // The job page lists the run in its history.
  await operator.goto(`/operator/jobs/${JOB}`);
  await expectCurrentNavEntry(operator, 'Scheduled jobs');
  await expect(operator.getByRole('heading', { name: 'Run history' })).toBeVisible();
  await expect(operator.getByRole('img', { name: /Duration and users changed/ })).toBeVisible();
});

test('a second Start now while a run is active is refused with a link to the active run', async ({ browser }) => {
  test.setTimeout(60_000);
  const workerPid = Number(process.env.E2E_WORKER_PID);
  const operator = await signedIn(browser, 'operator');
  // Freeze the worker: the run stays queued for as long as this test needs it active.
  process.kill(workerPid, 'SIGSTOP');
  try {
    await operator.goto('/operator/scheduled-jobs');
    await startNow(operator, { dryRun: true });
    await expect(operator).toHaveURL(/\/operator\/runs\/\d+$/);
    const activeRunId = operator.url().split('/').pop();
    await expect(operator.getByTestId('run-status')).toContainText('Queued');
    await expect(operator.getByTestId('run-status')).toContainText('Dry run');

    await operator.goto('/operator/scheduled-jobs');
    const dialog = await startNow(operator);
    await expect(dialog.getByRole('alert')).toContainText('is already queued');
    await dialog.getByRole('link', { name: `Open the active run #${activeRunId}` }).click();
    await expect(operator).toHaveURL(new RegExp(`/operator/runs/${activeRunId}$`));

    await operator.getByRole('button', { name: 'Cancel run' }).click();
    await expect(operator.getByTestId('run-status')).toContainText('Cancelled');
  } finally {
    process.kill(workerPid, 'SIGCONT');
  }
});

test('over the threshold: a dry run previews it, a real run stops and lists who would be deactivated, the confirmed run shows its total', async ({ browser }) => {
  test.setTimeout(150_000);
  await lockDirectoryPeople(['dan.active', 'eve.active', 'fay.active']);
  const operator = await signedIn(browser, 'operator');

  // A dry run is a preview: the threshold does not stop it, and it says what a real run would do.
  await operator.goto('/operator/scheduled-jobs');
  await startNow(operator, { dryRun: true });
  await expect(operator).toHaveURL(/\/operator\/runs\/\d+$/);
  await expect(operator.getByTestId('run-status')).toContainText('Succeeded', { timeout: 45_000 });
  await expect(operator.getByTestId('run-status')).toContainText('Dry run');
  const preview = operator.getByRole('alert').filter({ hasText: 'A real run would stop at the threshold' });
  await expect(preview).toContainText(/would deactivate 3 of \d+ active users \(\d+\.\d%\), above the job's safety threshold \(2 users \/ no % limit\)/);
  await expect(counter(operator, 'updated')).toHaveText('3');
  expect((await identityOf('dan.active'))?.state).toBe('ACTIVE');

  // The real run stops before writing and lists the people it would deactivate.
  await operator.goto('/operator/scheduled-jobs');
  await startNow(operator);
  await expect(operator).toHaveURL(/\/operator\/runs\/\d+$/);
  const stoppedRun = operator.url();
  const stoppedRunId = stoppedRun.split('/').pop();
  await expect(operator.getByTestId('run-status')).toContainText('Threshold exceeded', { timeout: 45_000 });
  await expect(operator.getByTestId('would-deactivate')).toHaveText('3');
  await expect(operator.getByText(/Nothing was changed/).first()).toBeVisible();
  expect((await identityOf('dan.active'))?.state).toBe('ACTIVE');
  await operator.getByRole('link', { name: 'See the 3 users who would be deactivated' }).click();
  await expect(operator.getByLabel('Outcome')).toHaveValue('DEACTIVATED');
  await expect(operator.getByTestId('run-item')).toHaveCount(3);
  for (const uid of ['dan.active', 'eve.active', 'fay.active']) await expect(operator.getByTestId('run-item').filter({ hasText: uid })).toHaveCount(1);
  await operator.getByLabel('Search username or DN').fill('eve');
  await operator.getByRole('button', { name: 'Apply' }).click();
  await expect(operator).toHaveURL(/outcome=DEACTIVATED/);
  await expect(operator.getByTestId('run-item')).toHaveCount(1);
  await expect(operator.getByTestId('run-item')).toContainText('State: active');
  await expect(operator.getByRole('region', { name: 'Progress' })).toContainText('the changes it would make (nothing is written)');
  const download = operator.waitForEvent('download');
  await operator.getByRole('link', { name: 'Download them as CSV' }).click();
  let csv = '';
  for await (const chunk of await (await download).createReadStream()) csv += chunk.toString();
  const lines = csv.split('\r\n').filter(Boolean);
  expect(lines).toHaveLength(4);
  for (const uid of ['dan.active', 'eve.active', 'fay.active']) expect(csv).toContain(`,UPDATED,${uid},`);

  // Confirmed: the new run says which run it confirms and knows its total before the worker takes it.
  const workerPid = Number(process.env.E2E_WORKER_PID);
  process.kill(workerPid, 'SIGSTOP');
  try {
    await operator.getByRole('checkbox', { name: /these 3 users are to be deactivated/ }).check();
    await operator.getByRole('button', { name: 'Confirm and run' }).click();
    await expect(operator).not.toHaveURL(stoppedRun);
    await expect(operator).toHaveURL(/\/operator\/runs\/\d+$/);
    await expect(operator.getByText(`confirms run #${stoppedRunId}, stopped at the threshold`)).toBeVisible();
    await expect(operator.getByTestId('entries-read')).toHaveText('0 of 6');
  } finally {
    process.kill(workerPid, 'SIGCONT');
  }
  await expect(operator.getByTestId('run-status')).toContainText('Succeeded', { timeout: 45_000 });
  await expect(operator.getByTestId('entries-read')).toHaveText('6 of 6');
  await expect(counter(operator, 'updated')).toHaveText('3');
  await expect(counter(operator, 'unchanged')).toHaveText('3');
  expect((await identityOf('dan.active'))?.state).toBe('INACTIVE');
});
