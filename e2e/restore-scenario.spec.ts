import { expect, test, type Locator, type Page } from '@playwright/test';
import { INACTIVE_JOB, INACTIVE_PROCESS, signedIn, startNowFromScheduledJobs } from './support/operator-ui';
import { configureDirectoryConnection, withDatabase } from './support/operator-fixture';

// Issue 16's acceptance check: "A large generated directory deactivated by a deliberately wrong
// filter, then restored through the UI: every reversible change reversed, every irreversible one
// listed." Run by playwright.restore-scenario.config.ts on a directory of its own
// (e2e/restore-scenario-setup.ts): RESTORE_SCENARIO_PEOPLE people (default 300), every one an active
// Identity Manager user with 2-3 credentials, certificates and two roles.
//
//   npm run test:restore-scenario                                  # 300 people
//   RESTORE_SCENARIO_PEOPLE=20000 npm run test:restore-scenario    # the large one; prints its timings
//
// The Identity Manager before the wrong run is compared with the one after the restore by a
// fingerprint of natural keys (usernames, credential labels, certificate serials, role names); the
// only differences allowed are the certificates the wrong run revoked (temporary cards), and they
// must be exactly the ones the preview and the restore run list as irreversible.
test.describe.configure({ mode: 'serial' });

const PEOPLE = Number(process.env.RESTORE_SCENARIO_PEOPLE ?? 300);
// Forgot the lock condition: every person of the directory, the active ones too.
const WRONG_FILTER = '(&(objectClass=inetOrgPerson)(uid=*))';
// The site's active job selects its people by a status attribute the generated directory does not
// carry, so the two filters do not overlap. (Where they overlap, as with the presets' complementary
// filters, a person both match is an item failure of both jobs and is not deactivated: the wrong
// filter would then do no damage to restore.)
const ACTIVE_JOB_OPTIONS = {
  filterPreset: 'custom',
  filter: '(&(objectClass=inetOrgPerson)(employeeType=active))',
  uniqueIdAttribute: 'entryUUID',
  mapping: { username: 'uid', givenName: 'givenName', surname: 'sn', displayName: 'displayName', email: 'mail', employeeNumber: 'employeeNumber' },
};
const FINGERPRINT = {
  users: `SELECT username_key, state::text, source::text, ldap_external_id, ldap_dn, given_name, surname, display_name, email, employee_number FROM users`,
  credentials: `SELECT u.username_key, c.type::text, c.state::text, c.label FROM credentials c JOIN users u ON u.id = c.user_id`,
  certificates: `SELECT ce.serial, c.label AS credential, ce.state::text, ce.revocation_reason::text AS reason, ce.revoked_at IS NOT NULL AS revoked
                 FROM certificates ce JOIN credentials c ON c.id = ce.credential_id`,
  roles: `SELECT u.username_key, r.name FROM user_roles ur JOIN users u ON u.id = ur.user_id JOIN roles r ON r.id = ur.role_id`,
} as const;
type Part = keyof typeof FINGERPRINT;
const PARTS = Object.keys(FINGERPRINT) as Part[];

// Per person: a run page's waits grow with the directory (2 shared cores).
const WAIT = 60_000 + PEOPLE * 20;
let savedOptions: { inactive: unknown; active: unknown } | undefined;
const timings: Record<string, number> = {};

/** The fingerprint before the wrong run, kept in the scenario's own database (natural keys only, no ids or timestamps). */
async function keepFingerprint(): Promise<void> {
  await withDatabase(async (db) => {
    for (const part of PARTS) {
      await db.query(`DROP TABLE IF EXISTS scenario_before_${part}`);
      await db.query(`CREATE TABLE scenario_before_${part} AS ${FINGERPRINT[part]}`);
    }
  });
}

/** Rows of the fingerprint now that were not there before (`added`) and rows before that are gone (`removed`). */
async function fingerprintChanges(): Promise<Record<Part, { added: Record<string, unknown>[]; removed: Record<string, unknown>[] }>> {
  return withDatabase(async (db) => {
    const changes = {} as Record<Part, { added: Record<string, unknown>[]; removed: Record<string, unknown>[] }>;
    for (const part of PARTS) {
      const added = (await db.query(`${FINGERPRINT[part]} EXCEPT ALL SELECT * FROM scenario_before_${part} ORDER BY 1, 2`)).rows;
      const removed = (await db.query(`SELECT * FROM scenario_before_${part} EXCEPT ALL (${FINGERPRINT[part]}) ORDER BY 1, 2`)).rows;
      changes[part] = { added, removed };
    }
    return changes;
  });
}

/** RFC 4180, as lib/runs/run-items-csv.ts writes it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** The run page's "Download every item as CSV", parsed: one object per item by the header's names. */
async function downloadItems(page: Page): Promise<Record<string, string>[]> {
  const download = page.waitForEvent('download', { timeout: WAIT });
  await page.getByRole('link', { name: 'Download every item as CSV' }).click();
  let text = '';
  for await (const chunk of await (await download).createReadStream()) text += chunk.toString();
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

/** "certificate serial / credential label" of every certificate an item lists as irreversible. */
function irreversibleOf(items: Record<string, string>[]): string[] {
  const listed: string[] = [];
  for (const item of items) {
    for (const m of item.irreversible!.matchAll(/Certificate (\S+) of Temporary card (\S+) stays revoked \(cessationOfOperation\): re-issue the credential/g)) listed.push(`${m[1]} / ${m[2]}`);
  }
  return listed.sort();
}

function summary(page: Page, testId: string): Locator {
  return page.getByTestId('restore-summary').getByTestId(testId);
}

async function runIdOf(page: Page): Promise<number> {
  await expect(page).toHaveURL(/\/operator\/runs\/\d+$/);
  return Number(page.url().split('/').pop());
}

/** Seconds the worker spent on a run (started_at to finished_at, as recorded). */
async function runSeconds(runId: number): Promise<number> {
  const { rows } = await withDatabase((db) => db.query(`SELECT extract(epoch FROM finished_at - started_at)::float AS s FROM batch_runs WHERE id = $1`, [runId]));
  return rows[0].s as number;
}

test.beforeAll(async () => {
  savedOptions = await withDatabase(async (db) => {
    const { rows } = await db.query(`SELECT key, options FROM batch_jobs`);
    return { inactive: rows.find((r) => r.key === INACTIVE_JOB)?.options, active: rows.find((r) => r.key !== INACTIVE_JOB)?.options };
  });
  await configureDirectoryConnection();
  await withDatabase((db) => db.query(`UPDATE batch_jobs SET options = $1 WHERE key = 'active-ldap-users'`, [JSON.stringify(ACTIVE_JOB_OPTIONS)]));
});

test.afterAll(async () => {
  if (savedOptions) {
    await withDatabase(async (db) => {
      await db.query(`UPDATE batch_jobs SET options = $1 WHERE key = $2`, [JSON.stringify(savedOptions!.inactive ?? {}), INACTIVE_JOB]);
      await db.query(`UPDATE batch_jobs SET options = $1 WHERE key = 'active-ldap-users'`, [JSON.stringify(savedOptions!.active ?? {})]);
      for (const part of PARTS) await db.query(`DROP TABLE IF EXISTS scenario_before_${part}`);
    });
  }
  if (Object.keys(timings).length) console.log(`restore scenario, ${PEOPLE} people: ${JSON.stringify(timings)}`);
});

test(`a generated directory of ${PEOPLE} people deactivated by a wrong filter, restored through the UI`, async ({ browser }) => {
  test.setTimeout(180_000 + PEOPLE * 60);
  await keepFingerprint();
  const revocable = await withDatabase(async (db) => {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM certificates ce JOIN credentials c ON c.id = ce.credential_id WHERE c.type = 'TEMPORARY_CARD' AND ce.state <> 'REVOKED'`,
    );
    return rows[0].n as number;
  });
  expect(revocable).toBeGreaterThan(0);
  const admin = await signedIn(browser, 'admin');

  // The administrator saves a wrong filter: it matches every person, the active ones too.
  await admin.goto(`/admin/batch-synchronization/${INACTIVE_JOB}`);
  await expect(admin.getByRole('heading', { level: 1, name: INACTIVE_PROCESS })).toBeVisible();
  await admin.getByLabel('Filter', { exact: true }).fill(WRONG_FILTER);
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin.getByTestId('save-message')).toContainText('Saved', { timeout: 30_000 });

  // The run stops at the threshold (500 users or 10 %); the administrator confirms it anyway.
  await admin.goto('/operator');
  await startNowFromScheduledJobs(admin);
  await expect(admin.getByTestId('run-status')).toContainText('Threshold exceeded', { timeout: WAIT });
  await expect(admin.getByTestId('would-deactivate')).toHaveText(String(PEOPLE));
  await admin.getByRole('checkbox', { name: `I have checked that these ${PEOPLE} users are to be deactivated.` }).check();
  let t0 = Date.now();
  await admin.getByRole('button', { name: 'Confirm and run' }).click();
  await expect(admin.getByText(/confirms run #\d+, stopped at the threshold/)).toBeVisible();
  const wrongRunId = await runIdOf(admin);
  await expect(admin.getByTestId('run-status')).toContainText('Succeeded', { timeout: WAIT });
  timings.wrongRunSecondsUi = (Date.now() - t0) / 1000;
  timings.wrongRunSeconds = await runSeconds(wrongRunId);

  // The damage is visible: everyone deactivated, stripped of roles, credentials and certificates held.
  await expect(admin.getByTestId('counter-updated').locator('dd')).toHaveText(String(PEOPLE));
  await expect(admin.getByTestId('counter-rolesWithdrawn').locator('dd')).toHaveText(String(PEOPLE * 2));
  const damage = await withDatabase(async (db) => (await db.query(`SELECT count(*) FILTER (WHERE state = 'ACTIVE')::int AS active, count(*)::int AS users FROM users`)).rows[0]);
  expect(damage).toEqual({ active: 0, users: PEOPLE });

  // Restore through the UI: the preview first.
  t0 = Date.now();
  await admin.getByRole('region', { name: 'Restore', exact: true }).getByRole('button', { name: 'Restore users changed by this run' }).click();
  await expect(admin).not.toHaveURL(new RegExp(`/runs/${wrongRunId}$`));
  const previewId = await runIdOf(admin);
  await expect(admin.getByTestId('run-status')).toContainText('Succeeded', { timeout: WAIT });
  timings.previewSecondsUi = (Date.now() - t0) / 1000;
  timings.previewSeconds = await runSeconds(previewId);
  await expect(admin.getByTestId('run-status')).toContainText('Dry run');
  await expect(summary(admin, 'restore-restored')).toHaveText(String(PEOPLE));
  await expect(summary(admin, 'restore-conflicts')).toHaveText('0');
  await expect(summary(admin, 'restore-irreversible')).toHaveText(String(revocable));
  await expect(summary(admin, 'restore-kept')).toHaveText('0');
  const previewItems = await downloadItems(admin);
  expect(previewItems).toHaveLength(PEOPLE);
  expect(new Set(previewItems.map((i) => i.outcome))).toEqual(new Set(['RESTORED']));
  const previewIrreversible = irreversibleOf(previewItems);
  expect(previewIrreversible).toHaveLength(revocable);

  // Confirm: the confirmation names the preview's counts.
  const confirm = admin.getByRole('form', { name: 'Confirm the restore' });
  await confirm
    .getByRole('checkbox', {
      name: `Restore ${PEOPLE} users changed by run #${wrongRunId}. 0 changed since are skipped, ${revocable} revoked certificates stay revoked, 0 users are left as they are.`,
    })
    .check();
  // Restoring more people than the job's threshold (500 users by default) is a mass change too: this
  // administrator's tick confirms it (the job's rule allows them). 300 people are under it.
  const overThreshold = "This is over the job's threshold: ticking this confirms it.";
  if (PEOPLE > 500) await expect(confirm).toContainText(overThreshold);
  else await expect(confirm).not.toContainText(overThreshold);
  t0 = Date.now();
  await confirm.getByRole('button', { name: `Restore ${PEOPLE} users` }).click();
  await expect(admin).not.toHaveURL(new RegExp(`/runs/${previewId}$`));
  const restoreId = await runIdOf(admin);
  await expect(admin.getByTestId('run-status')).toContainText('Succeeded', { timeout: WAIT });
  timings.restoreSecondsUi = (Date.now() - t0) / 1000;
  timings.restoreSeconds = await runSeconds(restoreId);
  timings.restorePeoplePerSecondUi = Math.round(PEOPLE / timings.restoreSecondsUi);
  timings.restorePeoplePerSecond = Math.round(PEOPLE / timings.restoreSeconds);
  await expect(admin.getByTestId('counter-restored')).toHaveText(new RegExp(`Restored\\s*${PEOPLE}$`));
  await expect(admin.getByTestId('counter-conflicts')).toHaveText(/Conflicts \(skipped\)\s*0$/);
  await expect(admin.getByTestId('counter-irreversible')).toHaveText(new RegExp(`Irreversible\\s*${revocable}$`));
  await expect(admin.getByTestId('counter-rolesGranted')).toHaveText(new RegExp(`Roles granted again\\s*${PEOPLE * 2}$`));
  const restoreItems = await downloadItems(admin);
  expect(restoreItems).toHaveLength(PEOPLE);
  expect(irreversibleOf(restoreItems)).toEqual(previewIrreversible);

  // Every reversible change reversed; the only difference is the revoked certificates, exactly those listed.
  const changes = await fingerprintChanges();
  expect({ users: changes.users, credentials: changes.credentials, roles: changes.roles }).toEqual({
    users: { added: [], removed: [] },
    credentials: { added: [], removed: [] },
    roles: { added: [], removed: [] },
  });
  const revoked = changes.certificates.added;
  expect(revoked.every((c) => c.state === 'REVOKED' && c.reason === 'cessationOfOperation' && c.revoked === true)).toBe(true);
  expect(revoked.map((c) => `${c.serial} / ${c.credential}`).sort()).toEqual(previewIrreversible);
  expect(changes.certificates.removed.map((c) => `${c.serial} / ${c.credential}`).sort()).toEqual(previewIrreversible);
  expect(changes.certificates.removed.every((c) => c.state !== 'REVOKED')).toBe(true);

  // The administrator puts the job's filter back (the preset's own).
  await admin.goto(`/admin/batch-synchronization/${INACTIVE_JOB}`);
  await admin.getByLabel('Filter', { exact: true }).fill('');
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin.getByTestId('save-message')).toContainText('Saved', { timeout: 30_000 });
  const stored = await withDatabase(async (db) => (await db.query(`SELECT options FROM batch_jobs WHERE key = $1`, [INACTIVE_JOB])).rows[0].options);
  expect(stored.filter ?? '').toBe('');
  test.info().annotations.push({ type: 'timings', description: JSON.stringify(timings) });
});
