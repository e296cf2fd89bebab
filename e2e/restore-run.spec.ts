import { expect, test, type Locator, type Page } from '@playwright/test';
import { INACTIVE_JOB, signedIn, startNowFromScheduledJobs } from './support/operator-ui';
import { addDirectoryPeople, addIdentityUsers, configureDirectoryConnection, identityOf, removeDirectoryPeople, withDatabase } from './support/operator-fixture';

// "Restore users changed by this run" (issue 16) in the browser against the real app, worker,
// PostgreSQL, Redis and slapd: an administrator previews the restore (every restore, conflict and
// irreversible change, with counts), confirms it (the confirmation names the counts) and reads the
// result on the restore run's page; the people are back as they were, except what cannot be undone
// (a revoked certificate, listed with its credential) and the people changed after the run
// (skipped and listed as conflicts).
test.describe.configure({ mode: 'serial' });

const ANA = 'rr.ana'; // restored: three credentials (one a temporary card: its certificate is revoked by the run), two roles
const BO = 'rr.bo'; // a role granted by hand after the run: a conflict
const CY = 'rr.cy'; // given name (which the run changed) changed by hand after the run: a conflict
const NEW = 'rr.new'; // in the directory only: created by the run, kept (inactive)
const PEOPLE = [ANA, BO, CY, NEW];
// Only this spec's people, whatever other specs left in the shared directory.
const FILTER = '(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*)(uid=rr.*))';

let savedOptions: unknown;
let syncRunId = 0;
let previewRunId = 0;
let restoreRunId = 0;

type UserRow = { username: string; state: string; given_name: string; surname: string; email: string; employee_number: string; ldap_dn: string | null; source: string };

/** The fixture people as stored, by natural keys (no ids, no timestamps). */
async function fingerprint(usernames: string[]) {
  return withDatabase(async (db) => {
    const users = (
      await db.query(
        `SELECT username, state::text, given_name, surname, email, employee_number, ldap_dn, source::text FROM users WHERE username = ANY($1) ORDER BY username`,
        [usernames],
      )
    ).rows as UserRow[];
    const credentials = (
      await db.query(
        `SELECT u.username, c.type::text, c.state::text, c.label FROM credentials c JOIN users u ON u.id = c.user_id WHERE u.username = ANY($1) ORDER BY 1, 2, 4`,
        [usernames],
      )
    ).rows;
    const certificates = (
      await db.query(
        `SELECT ce.serial, ce.state::text, ce.revocation_reason::text AS reason FROM certificates ce JOIN credentials c ON c.id = ce.credential_id JOIN users u ON u.id = c.user_id
         WHERE u.username = ANY($1) ORDER BY 1`,
        [usernames],
      )
    ).rows;
    const roles = (
      await db.query(`SELECT u.username, r.name FROM user_roles ur JOIN users u ON u.id = ur.user_id JOIN roles r ON r.id = ur.role_id WHERE u.username = ANY($1) ORDER BY 1, 2`, [usernames])
    ).rows;
    return { users, credentials, certificates, roles };
  });
}

function summaryValue(page: Page, testId: string): Locator {
  return page.getByTestId('restore-summary').getByTestId(testId);
}

function counter(page: Page, id: string): Locator {
  return page.getByTestId(`counter-${id}`);
}

function item(page: Page, username: string): Locator {
  return page.getByTestId('run-item').filter({ has: page.getByRole('link', { name: username, exact: true }) });
}

async function csvOf(page: Page, link: Locator): Promise<string> {
  const download = page.waitForEvent('download');
  await link.click();
  let text = '';
  for await (const chunk of await (await download).createReadStream()) text += chunk.toString();
  return text;
}

test.beforeAll(async () => {
  savedOptions = await withDatabase(async (db) => (await db.query(`SELECT options FROM batch_jobs WHERE key = $1`, [INACTIVE_JOB])).rows[0]?.options);
  await withDatabase((db) =>
    db.query(`UPDATE batch_jobs SET options = $2 WHERE key = $1`, [INACTIVE_JOB, JSON.stringify({ filter: FILTER, threshold: { maxUsers: null, maxPercent: null } })]),
  );
  await configureDirectoryConnection();
  await addDirectoryPeople([
    { uid: ANA, givenName: 'Ana', sn: 'Restore', locked: true },
    { uid: BO, givenName: 'Bo', sn: 'Restore', locked: true },
    { uid: CY, givenName: 'Cy', sn: 'Restore', locked: true },
    { uid: NEW, givenName: 'New', sn: 'Restore', locked: true },
  ]);
  await addIdentityUsers([
    { username: ANA, credentialTypes: ['CARD', 'TEMPORARY_CARD', 'MOBILE_ID'], roles: ['Employee', 'VPN access'] },
    { username: BO, credentialTypes: ['CARD'], roles: ['Employee'] },
    { username: CY, credentialTypes: ['SOFT_TOKEN'], roles: ['Employee'] },
  ]);
});

test.afterAll(async () => {
  await withDatabase(async (db) => {
    await db.query(`UPDATE batch_jobs SET options = $2 WHERE key = $1`, [INACTIVE_JOB, JSON.stringify(savedOptions ?? {})]);
    const users = `SELECT id FROM users WHERE username = ANY($1)`;
    await db.query(`DELETE FROM certificates WHERE credential_id IN (SELECT id FROM credentials WHERE user_id IN (${users}))`, [PEOPLE]);
    await db.query(`DELETE FROM credentials WHERE user_id IN (${users})`, [PEOPLE]);
    await db.query(`DELETE FROM users WHERE username = ANY($1)`, [PEOPLE]); // user_roles go with them
  });
  await removeDirectoryPeople(PEOPLE);
});

test('an administrator previews, confirms and reads the restore of a run; conflicts are skipped, revoked certificates listed', async ({ browser }) => {
  test.setTimeout(180_000);
  const before = await fingerprint([ANA, BO, CY]);
  const admin = await signedIn(browser, 'admin');

  // The run to restore: it deactivates Ana, Bo and Cy and creates New.
  await admin.goto('/operator');
  syncRunId = await startNowFromScheduledJobs(admin);
  await expect(admin.getByTestId('run-status')).toContainText('Succeeded', { timeout: 45_000 });
  await expect(counter(admin, 'created').locator('dd')).toHaveText('1');
  await expect(counter(admin, 'updated').locator('dd')).toHaveText('3');
  expect((await identityOf(ANA))?.state).toBe('INACTIVE');

  // After the run, two of them are changed again by hand.
  await withDatabase(async (db) => {
    await db.query(`INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r WHERE u.username = $1 AND r.name = 'Employee'`, [BO]);
    await db.query(`UPDATE users SET given_name = 'Cyrus' WHERE username = $1`, [CY]);
  });
  const afterRun = await fingerprint([ANA, BO, CY, NEW]);

  // Preview: a dry restore run lists every restore, conflict and irreversible change, with counts.
  const restoreSection = admin.getByRole('region', { name: 'Restore', exact: true });
  await restoreSection.getByRole('button', { name: 'Restore users changed by this run' }).click();
  await expect(admin).not.toHaveURL(new RegExp(`/runs/${syncRunId}$`));
  await expect(admin).toHaveURL(/\/operator\/runs\/\d+$/);
  previewRunId = Number(admin.url().split('/').pop());
  await expect(admin.getByTestId('run-status')).toContainText('Completed with errors', { timeout: 45_000 });
  await expect(admin.getByTestId('run-status')).toContainText('Dry run');
  await expect(admin.getByRole('heading', { name: `Preview: restore of run #${syncRunId} (nothing written)` })).toBeVisible();
  await expect(summaryValue(admin, 'restore-restored')).toHaveText('1');
  await expect(summaryValue(admin, 'restore-conflicts')).toHaveText('2');
  await expect(summaryValue(admin, 'restore-irreversible')).toHaveText('1');
  await expect(summaryValue(admin, 'restore-kept')).toHaveText('1');
  // The live panel counts in the restore's words, not the sync's.
  const progress = admin.getByRole('region', { name: 'Progress' });
  await expect(counter(admin, 'restored')).toHaveText(/To restore\s*1/);
  await expect(counter(admin, 'conflicts')).toHaveText(/Conflicts \(skipped\)\s*2/);
  await expect(counter(admin, 'irreversible')).toHaveText(/Irreversible\s*1/);
  await expect(counter(admin, 'unchanged')).toHaveText(/Unchanged \(kept, already restored\)\s*1/);
  await expect(counter(admin, 'rolesGranted')).toHaveText(/Roles to grant again\s*2/);
  await expect(progress).not.toContainText('Roles withdrawn');
  await expect(progress).not.toContainText('Created');
  await expect(admin.getByRole('progressbar', { name: 'Users checked' })).toHaveAttribute('aria-valuenow', '100');
  await expect(admin.getByText('What to do: Some users changed after the run: the restore will skip them')).toBeVisible();

  // Every person the run changed is listed, each with what the restore does.
  await expect(admin.getByTestId('run-item')).toHaveCount(4);
  await expect(item(admin, ANA)).toContainText('To restore');
  await expect(item(admin, ANA)).toContainText('State: inactive→active');
  await expect(item(admin, ANA)).toContainText('Employee, VPN access');
  const anaIrreversible = item(admin, ANA).getByRole('list', { name: 'Cannot be undone' });
  await expect(anaIrreversible).toHaveText(`Certificate E2E-${ANA}-1 of Temporary card TEMPORARY_CARD of ${ANA} stays revoked (cessationOfOperation): re-issue the credential`);
  await expect(item(admin, BO)).toContainText('Conflict');
  await expect(item(admin, BO)).toContainText(`Conflict: a role was granted after run #${syncRunId}; skipped, not overwritten.`);
  await expect(item(admin, CY)).toContainText(`Conflict: the user's state or attributes changed after run #${syncRunId}; skipped, not overwritten.`);
  await expect(item(admin, NEW)).toContainText(`Created by run #${syncRunId}: kept, inactive (a restore deletes nobody).`);
  await admin.getByRole('link', { name: 'See the 2 conflicts' }).click();
  await expect(admin.getByLabel('Outcome')).toHaveValue('FAILED');
  await expect(admin.getByTestId('run-item')).toHaveCount(2);
  await expect(admin.getByLabel('Outcome').locator('option', { hasText: 'Deactivated' })).toHaveCount(0);
  expect(await fingerprint([ANA, BO, CY, NEW])).toEqual(afterRun); // a preview writes nothing

  // Confirm: the confirmation names the counts of the preview.
  const confirm = admin.getByRole('form', { name: 'Confirm the restore' });
  await confirm
    .getByRole('checkbox', {
      name: `Restore 1 users changed by run #${syncRunId}. 2 changed since are skipped, 1 revoked certificates stay revoked, 1 users are left as they are.`,
    })
    .check();
  await confirm.getByRole('button', { name: 'Restore 1 users' }).click();
  await expect(admin).not.toHaveURL(new RegExp(`/runs/${previewRunId}$`));
  await expect(admin).toHaveURL(/\/operator\/runs\/\d+$/);
  restoreRunId = Number(admin.url().split('/').pop());

  // Result: the restore run's page shows its counters and items.
  await expect(admin.getByTestId('run-status')).toContainText('Completed with errors', { timeout: 45_000 });
  await expect(admin.getByTestId('run-status')).not.toContainText('Dry run');
  await expect(admin.getByRole('heading', { name: `Restore of run #${syncRunId}` })).toBeVisible();
  await expect(summaryValue(admin, 'restore-restored')).toHaveText('1');
  await expect(summaryValue(admin, 'restore-conflicts')).toHaveText('2');
  await expect(summaryValue(admin, 'restore-irreversible')).toHaveText('1');
  await expect(counter(admin, 'restored')).toHaveText(/Restored\s*1/);
  await expect(counter(admin, 'conflicts')).toHaveText(/Conflicts \(skipped\)\s*2/);
  await expect(counter(admin, 'irreversible')).toHaveText(/Irreversible\s*1/);
  await expect(counter(admin, 'credentialsRestored')).toHaveText(/Credentials restored\s*3/);
  await expect(counter(admin, 'certificatesReleased')).toHaveText(/Certificates released\s*2/);
  await expect(counter(admin, 'rolesGranted')).toHaveText(/Roles granted again\s*2/);
  await expect(admin.getByText('What to do: The other users were restored. The conflicts (users changed after the run) were skipped')).toBeVisible();
  await expect(admin.getByRole('columnheader', { name: 'Roles granted again' })).toBeVisible();
  await expect(item(admin, ANA)).toContainText('Restored');
  await expect(item(admin, ANA).getByRole('list', { name: 'Cannot be undone' })).toContainText(`Certificate E2E-${ANA}-1 of Temporary card`);
  await expect(admin.getByLabel('Outcome').locator('option[value="FAILED"]')).toHaveText(/^Conflict/);
  await admin.getByLabel('Outcome').selectOption('FAILED');
  await admin.getByRole('button', { name: 'Apply' }).click();
  await expect(admin.getByTestId('run-item')).toHaveCount(2);
  await admin.getByRole('link', { name: 'Clear filter' }).click();
  await expect(admin.getByTestId('run-item')).toHaveCount(4);
  const csv = await csvOf(admin, admin.getByRole('link', { name: 'Download every item as CSV' }));
  const lines = csv.split('\r\n').filter(Boolean);
  expect(lines[0]).toBe('item,outcome,username,ldap_dn,external_id,user_id,user_changes,credential_changes,certificate_changes,roles_granted,irreversible,reason');
  expect(lines).toHaveLength(5);
  expect(lines.find((l) => l.includes(`,${ANA},`))).toMatch(new RegExp(`^\\d+,RESTORED,${ANA.replace('.', '\\.')},.*Employee; VPN access,Certificate E2E-${ANA.replace('.', '\\.')}-1 of Temporary card`));
  expect(lines.filter((l) => /^\d+,CONFLICT,/.test(l))).toHaveLength(2);

  // The people are back: Ana active with her attributes, credentials, released certificates and roles;
  // only the temporary card's certificate stays revoked. Bo, Cy (conflicts) and New stay as they were.
  const after = await fingerprint([ANA, BO, CY, NEW]);
  const only = (f: typeof before, username: string) => ({
    users: f.users.filter((u) => u.username === username),
    credentials: f.credentials.filter((c) => c.username === username),
    certificates: f.certificates.filter((c) => c.serial.startsWith(`E2E-${username}-`)),
    roles: f.roles.filter((r) => r.username === username),
  });
  const anaBefore = only(before, ANA);
  const revoked = `E2E-${ANA}-1`;
  expect(only(after, ANA)).toEqual({
    ...anaBefore,
    certificates: anaBefore.certificates.map((c) => (c.serial === revoked ? { ...c, state: 'REVOKED', reason: 'cessationOfOperation' } : c)),
    // The run linked Ana to her directory entry; the restore puts back the user as she was, link included.
    users: anaBefore.users,
  });
  expect(await identityOf(ANA)).toEqual({
    state: 'ACTIVE',
    roles: 2,
    credentials: [
      { type: 'CARD', state: 'ACTIVE', certificates: ['VALID'] },
      { type: 'TEMPORARY_CARD', state: 'ACTIVE', certificates: ['REVOKED'] },
      { type: 'MOBILE_ID', state: 'ACTIVE', certificates: ['VALID'] },
    ],
  });
  for (const username of [BO, CY, NEW]) expect(only(after, username)).toEqual(only(afterRun, username));

  // Ana's page shows her active again, with her roles.
  await admin.goto(`/operator/users/${ANA}`);
  await expect(admin.getByText('This user has no roles.')).toHaveCount(0);
  await expect(admin.getByText('VPN access').first()).toBeVisible();
});

test('a run restored once cannot be restored again', async ({ browser }) => {
  test.setTimeout(60_000);
  expect(restoreRunId, 'the restore run of the test before (serial)').toBeGreaterThan(0);
  const admin = await signedIn(browser, 'admin');
  await admin.goto(`/operator/runs/${syncRunId}`);
  const restoreSection = admin.getByRole('region', { name: 'Restore', exact: true });
  // The form answers once the page is hydrated: press again until it has.
  await expect(async () => {
    await restoreSection.getByRole('button', { name: 'Restore users changed by this run' }).click();
    await expect(restoreSection.getByRole('status')).toContainText(`Run #${syncRunId} was already restored by run #${restoreRunId}`, { timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  await expect(admin).toHaveURL(new RegExp(`/runs/${syncRunId}$`));
});

test('an operator sees the restore run but cannot restore', async ({ browser }) => {
  test.setTimeout(60_000);
  expect(restoreRunId, 'the restore run of the first test (serial)').toBeGreaterThan(0);
  const operator = await signedIn(browser, 'operator');
  await operator.goto(`/operator/runs/${restoreRunId}`);
  await expect(counter(operator, 'restored')).toHaveText(/Restored\s*1/);
  await operator.goto(`/operator/runs/${syncRunId}`);
  await expect(operator.getByRole('button', { name: 'Restore users changed by this run' })).toHaveCount(0);
  // The job's run history names the restore as one and counts it in its own words.
  await operator.goto(`/operator/jobs/${INACTIVE_JOB}`);
  const history = operator.getByRole('table', { name: /^Runs of .*, newest first$/ });
  const restoreRow = history.getByRole('row').filter({ has: operator.getByRole('link', { name: `#${restoreRunId}`, exact: true }) });
  await expect(restoreRow).toContainText(`Restore of #${syncRunId}`);
  await expect(restoreRow).toContainText('1 restored');
  await expect(restoreRow).toContainText('conflicts');
});
