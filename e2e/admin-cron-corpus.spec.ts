import { expect, test, type Page } from '@playwright/test';
import { CRON_EXPRESSION_MAX_LENGTH, CRON_EXPRESSION_TOO_LONG, validateCronExpression } from '@/lib/cron';
import { textProblem, TEXT_PROBLEM_MESSAGES } from '@/lib/text/acceptable-text';
import { e2eAccounts, signIn } from './support/accounts';
import { CRON_CORPUS } from './support/cron-corpus';
import { withDatabase } from './support/operator-fixture';

// The cron corpus of the hostile-input checks (issue 15) typed into the real form: Admin > Batch
// Synchronization > the job > Expression > Save, in Chromium. For every expression: exactly what
// is saved (the validator's normal form, blank clears the schedule), or the field's error and
// "Nothing was saved" with the job's row and its audit trail unchanged. The schedule is paused
// while the corpus runs, so that no expression starts a run of the e2e worker.
test.describe.configure({ mode: 'serial' });

const JOB = 'inactive-ldap-users';
const accounts = e2eAccounts();

type JobRow = { cron_expression: string | null; time_zone: string; paused: boolean; version: number; saves: number };
const storedJob = () =>
  withDatabase(async (db) => {
    const { rows } = await db.query(
      `SELECT cron_expression, time_zone, paused, version,
              (SELECT count(*)::int FROM audit_events WHERE action = 'job.schedule.saved' AND target = $1) AS saves
         FROM batch_jobs WHERE key = $1`,
      [JOB],
    );
    return rows[0] as JobRow;
  });

const expression = (page: Page) => page.getByLabel('Expression', { exact: true });
const saveMessage = (page: Page) => page.getByTestId('save-message');
const expressionError = (page: Page) => page.getByTestId('expression-error');

async function openJob(page: Page) {
  await page.getByRole('main').getByRole('link', { name: /Batch Synchronization/ }).click();
  await page.getByRole('link', { name: 'Synchronize inactive LDAP Users to Identity Manager' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Synchronize inactive LDAP Users to Identity Manager' })).toBeVisible();
}

test.afterAll(async () => {
  // Leave the job as the seed made it: no schedule, not paused.
  await withDatabase((db) => db.query(`UPDATE batch_jobs SET cron_expression = NULL, paused = false, version = version + 1 WHERE key = $1`, [JOB]));
});

test('every expression of the cron corpus typed into Expression and saved: exactly the valid ones are saved, the rest refused with the field error and nothing changed', async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, accounts.admin.username, accounts.admin.password);
  await expect(page).toHaveURL(/\/admin$/);
  await openJob(page);

  // Pause first (with an expression, so that the box can be ticked), so that nothing fires.
  await expression(page).fill('0 2 * * *');
  await page.getByLabel('Pause schedule').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(saveMessage(page)).toContainText('Saved');
  expect(await storedJob()).toMatchObject({ cron_expression: '0 2 * * *', paused: true });

  const problems: string[] = [];
  for (const { expression: typed } of CRON_CORPUS) {
    const label = JSON.stringify(typed);
    const before = await storedJob();
    await expression(page).fill(typed);
    // What the browser holds is what it sends: a text input drops line breaks (and nothing else).
    const sent = await expression(page).inputValue();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(saveMessage(page)).not.toHaveText(/Saving/);
    await expect(saveMessage(page)).not.toBeEmpty();
    const message = (await saveMessage(page).textContent()) ?? '';
    const after = await storedJob();
    const expected = validateCronExpression(sent);
    // The form's own refusals come first: text no field accepts (refused before sending), then length.
    const problem = textProblem(sent);
    const expectedError = problem ? TEXT_PROBLEM_MESSAGES[problem] : sent.length > CRON_EXPRESSION_MAX_LENGTH ? CRON_EXPRESSION_TOO_LONG : expected.ok ? null : expected.error;
    if (sent.trim() === '') {
      if (!/Saved/.test(message) || after.cron_expression !== null || after.version !== before.version + 1) problems.push(`${label}: blank, expected the schedule cleared; got ${JSON.stringify(after)}, "${message}"`);
    } else if (expectedError === null && expected.ok) {
      if (!/Saved/.test(message) || after.cron_expression !== expected.expression || after.version !== before.version + 1 || !after.paused) problems.push(`${label}: valid, expected ${JSON.stringify(expected.expression)} saved; got ${JSON.stringify(after)}, "${message}"`);
    } else {
      if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`${label}: invalid, yet the job changed: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
      if (!message.startsWith('Nothing was saved')) problems.push(`${label}: invalid, but the form says "${message}"`);
      const fieldError = (await expressionError(page).count()) ? await expressionError(page).textContent() : null;
      if (fieldError !== expectedError) problems.push(`${label}: field error ${JSON.stringify(fieldError)}, expected ${JSON.stringify(expectedError)}`);
      await expect(expression(page)).toHaveAttribute('aria-invalid', 'true');
    }
    // A refusal leaves the form as typed; go back to a saved state for the next expression.
    if (after.cron_expression === null) {
      await expression(page).fill('0 2 * * *');
      await page.getByLabel('Pause schedule').check();
      await page.getByRole('button', { name: 'Save' }).click();
      await expect(saveMessage(page)).toContainText('Saved');
    }
  }
  expect(problems).toEqual([]);
});
