import { expect, test, type Page } from '@playwright/test';
import { configureDirectoryConnection, withDatabase } from './support/operator-fixture';
import { signedIn } from './support/operator-ui';

// The unique id is a setting of the job: shown, defaulted by the preset, and never changed behind
// the administrator's back when the preset becomes "Custom filter" (which has none of its own).
test.describe.configure({ mode: 'serial' });

const JOB = 'active-ldap-users';
const PROCESS = 'Synchronize active LDAP Users to Identity Manager';

let saved: { options: unknown; cron_expression: string | null; time_zone: string; paused: boolean };

test.beforeAll(async () => {
  await configureDirectoryConnection();
  saved = (await withDatabase((db) => db.query('SELECT options, cron_expression, time_zone, paused FROM batch_jobs WHERE key = $1', [JOB]))).rows[0];
});

test.afterAll(async () => {
  // As it was: the other specs run the jobs, and the inactive one checks this one's filter.
  await withDatabase((db) =>
    db.query('UPDATE batch_jobs SET options = $2, cron_expression = $3, time_zone = $4, paused = $5 WHERE key = $1', [
      JOB,
      JSON.stringify(saved.options ?? {}),
      saved.cron_expression,
      saved.time_zone,
      saved.paused,
    ]),
  );
});

const storedOptions = async () => (await withDatabase((db) => db.query('SELECT options FROM batch_jobs WHERE key = $1', [JOB]))).rows[0].options as Record<string, unknown>;
const uniqueId = (page: Page) => page.getByLabel('Unique id attribute');
const preset = (page: Page, name: string) => page.getByRole('radio', { name });

test('choosing Custom filter keeps the unique id and mapping the job ran with; Save refuses a custom filter without a unique id', async ({ browser }) => {
  test.setTimeout(90_000);
  const admin = await signedIn(browser, 'admin');
  await admin.getByRole('main').getByRole('link', { name: /Batch Synchronization/ }).click();
  await admin.getByRole('link', { name: PROCESS }).click();
  await expect(admin.getByRole('heading', { level: 1, name: PROCESS })).toBeVisible();

  // Every preset is listed with its description.
  const presets = admin.getByRole('group', { name: 'Filter preset' }).getByRole('radio');
  await expect(presets).toHaveCount(6);
  await expect(preset(admin, 'Active Directory disabled accounts')).toHaveAccessibleDescription(/isCriticalSystemObject/);
  await expect(preset(admin, '389 Directory Server / Red Hat DS lock')).toHaveAccessibleDescription(/nsAccountLock/);
  await expect(preset(admin, 'FreeIPA / Red Hat IdM disabled users')).toHaveAccessibleDescription(/ipaUniqueID/);

  // Blank: the preset's, shown as the placeholder; the job page says what the engine runs with.
  await expect(preset(admin, 'OpenLDAP password policy lock')).toBeChecked();
  await expect(uniqueId(admin)).toHaveValue('');
  await expect(uniqueId(admin)).toHaveAttribute('placeholder', 'entryUUID');
  await expect(admin.getByTestId('effective-unique-id')).toContainText('Unique id in use: entryUUID');

  // Active Directory: its unique id and username attribute follow; then Custom copies them into the fields.
  await expect(async () => {
    await preset(admin, 'Active Directory disabled accounts').check();
    await expect(uniqueId(admin)).toHaveAttribute('placeholder', 'objectGUID', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(admin.getByLabel('Username', { exact: true })).toHaveAttribute('placeholder', 'sAMAccountName');
  await preset(admin, 'Custom filter').check();
  await expect(uniqueId(admin)).toHaveValue('objectGUID');
  await expect(admin.getByLabel('Username', { exact: true })).toHaveValue('sAMAccountName');
  await expect(admin.getByLabel('Employee number', { exact: true })).toHaveValue('employeeID');
  await expect(admin.getByLabel('Filter', { exact: true })).toHaveValue(/userAccountControl:1\.2\.840\.113556\.1\.4\.803:=2/);

  // Without a unique id a custom filter is refused at the field, and nothing is saved.
  const before = await storedOptions();
  await uniqueId(admin).fill('');
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin.getByTestId('save-message')).toContainText('Nothing was saved');
  await expect(uniqueId(admin)).toHaveAttribute('aria-invalid', 'true');
  await expect(admin.locator('#field-uniqueIdAttribute-error')).toContainText('A custom filter needs the unique id attribute');
  expect(await storedOptions()).toEqual(before);

  // Any attribute name the directory has will do.
  await uniqueId(admin).fill('nsUniqueId');
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin.getByTestId('save-message')).toContainText('Saved', { timeout: 30_000 });
  expect(await storedOptions()).toMatchObject({ filterPreset: 'custom', uniqueIdAttribute: 'nsUniqueId', mapping: { username: 'sAMAccountName', employeeNumber: 'employeeID' } });
  await admin.reload();
  await expect(preset(admin, 'Custom filter')).toBeChecked();
  await expect(uniqueId(admin)).toHaveValue('nsUniqueId');
  await expect(admin.getByTestId('effective-unique-id')).toContainText('Unique id in use: nsUniqueId');
});
