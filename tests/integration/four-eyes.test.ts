/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field with expect() */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiTestEnvironment, type ApiTestEnvironment } from './api-support';

// Four-eyes on mass deactivation (issue 16): who may confirm a run stopped at the threshold, per
// job, enforced in the use case (lib/) for the REST API and the run page alike, with who and when
// recorded. Against the built app (`next start`) on real PostgreSQL and Redis; no worker runs, so
// a confirmed run stays QUEUED and is cancelled to free the job for the next case.

const JOB = 'inactive-ldap-users';
let env: ApiTestEnvironment;
let lib: {
  pool: typeof import('@/lib/db-pool').pool;
  prisma: typeof import('@/lib/db').prisma;
  confirmThresholdRun: typeof import('@/lib/runs/confirm-threshold-run').confirmThresholdRun;
  startJobRun: typeof import('@/lib/runs/start-job-run').startJobRun;
  cancelRun: typeof import('@/lib/runs/cancel-run').cancelRun;
  saveJobSchedule: typeof import('@/lib/batch-jobs/save-job-schedule').saveJobSchedule;
};
const tokens: Record<string, string> = {};

beforeAll(async () => {
  env = await startApiTestEnvironment('four-eyes');
  lib = {
    pool: (await import('@/lib/db-pool')).pool,
    prisma: (await import('@/lib/db')).prisma,
    confirmThresholdRun: (await import('@/lib/runs/confirm-threshold-run')).confirmThresholdRun,
    startJobRun: (await import('@/lib/runs/start-job-run')).startJobRun,
    cancelRun: (await import('@/lib/runs/cancel-run')).cancelRun,
    saveJobSchedule: (await import('@/lib/batch-jobs/save-job-schedule')).saveJobSchedule,
  };
  const { createAccount } = await import('@/lib/auth/accounts');
  const { createApiToken } = await import('@/lib/api/api-tokens');
  // Two administrators and an operator of their own, each with an API token.
  for (const [username, role] of [['alice', 'ADMINISTRATOR'], ['bob', 'ADMINISTRATOR'], ['olivia', 'OPERATOR']] as const) {
    const account = await createAccount({ username, password: `Quiet-Harbour-${username}-Lantern-42`, role });
    tokens[username] = (await createApiToken({ name: `${username}-token`, role, actor: { accountId: account.id, username } })).token;
  }
}, 600_000);

afterAll(async () => {
  await env?.stop();
});

beforeEach(async () => {
  // Free the job (a confirmed run of the previous case stays QUEUED without a worker).
  const { rows } = await lib.pool().query<{ id: number }>(`SELECT id FROM batch_runs WHERE status IN ('QUEUED', 'RUNNING')`);
  for (const { id } of rows) await lib.cancelRun({ runId: id, actor: 'test' });
});

async function setRule(rule: string) {
  await lib.pool().query(`UPDATE batch_jobs SET options = options || jsonb_build_object('confirmationRule', $2::text) WHERE key = $1`, [JOB, rule]);
}

/** A run stopped at the threshold; `rule`: the confirmation rule its check recorded (as the engine writes it). */
async function stoppedRun(startedBy: string | null, rule?: string) {
  const check = rule ? { wouldDeactivate: 900, activeUsers: 1000, maxUsers: 500, maxPercent: 10, exceeded: true, confirmationRule: rule } : null;
  const { rows } = await lib.pool().query<{ id: number }>(
    `INSERT INTO batch_runs (job_key, status, trigger, started_by, started_at, finished_at, would_deactivate, entries_total, threshold_check)
     VALUES ($1, 'THRESHOLD_EXCEEDED', 'MANUAL', $2, now(), now(), 900, 1000, $3) RETURNING id`,
    [JOB, startedBy, check && JSON.stringify(check)],
  );
  return rows[0]!.id;
}

async function runRow(id: number) {
  return (await lib.pool().query(`SELECT confirmed_by, confirmed_at, confirmed, confirms_run_id, started_by FROM batch_runs WHERE id = $1`, [id])).rows[0];
}

/** Saves the job with this filter (its text decides: a save with the same text changes nothing). */
async function changeFilter(actor: string, statusValue: string) {
  const job = await lib.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
  const saved = await lib.saveJobSchedule({
    jobKey: JOB,
    cronExpression: job.cronExpression,
    timeZone: job.timeZone,
    expectedVersion: job.version,
    actor,
    options: { ...(job.options as any), filter: `(&(objectClass=inetOrgPerson)(employeeType=${statusValue}))` },
  });
  expect(saved.ok).toBe(true);
}

const confirmOverApi = (runId: number, who: string) => env.api(`/api/v1/runs/${runId}/confirm`, { method: 'POST', token: tokens[who], body: {} });

describe('who last changed the filter', () => {
  it('is recorded when the filter the job runs with changes, and kept when a save leaves it alone', async () => {
    await changeFilter('alice', 'gone');
    const first = await lib.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
    expect(first.filterChangedBy).toBe('alice');
    expect(first.filterChangedAt).toBeInstanceOf(Date);
    await changeFilter('bob', 'gone'); // same filter: bob saved, alice still changed it last
    const second = await lib.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
    expect(second.updatedBy).toBe('bob');
    expect(second.filterChangedBy).toBe('alice');
    expect(second.filterChangedAt).toEqual(first.filterChangedAt);
    const res = await env.api(`/api/v1/jobs/${JOB}`, { token: tokens.olivia });
    expect(await res.json()).toMatchObject({ filterChangedBy: 'alice', options: { confirmationRule: 'OPERATOR' } });
  });
});

describe('closing the loopholes', () => {
  it("records who raised the threshold or changed the rule as the two-person rule's excluded administrator", async () => {
    await changeFilter('alice', `loophole-${Date.now()}`);
    const job = await lib.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } });
    const options = job.options as any;
    const saved = await lib.saveJobSchedule({
      jobKey: JOB,
      cronExpression: job.cronExpression,
      timeZone: job.timeZone,
      expectedVersion: job.version,
      actor: 'bob',
      options: { ...options, threshold: { maxUsers: 100_000, maxPercent: null } },
    });
    expect(saved.ok).toBe(true);
    expect(await lib.prisma().batchJob.findUniqueOrThrow({ where: { key: JOB } })).toMatchObject({ filterChangedBy: 'bob' });
  });

  it('confirms a stopped run under the rule it stopped under when the job has weakened it since', async () => {
    await setRule('OPERATOR');
    const stopped = await stoppedRun('bob', 'TWO_PERSON');
    const byBob = await confirmOverApi(stopped, 'bob');
    expect(byBob.status).toBe(403);
    expect(((await byBob.json()) as any)).toMatchObject({ rule: 'TWO_PERSON', message: expect.stringMatching(/you started this run/) });
    expect((await confirmOverApi(stopped, 'olivia')).status).toBe(403);
    // A rule tightened since applies at once: an ADMINISTRATOR rule recorded, TWO_PERSON now.
    const older = await stoppedRun('bob', 'ADMINISTRATOR');
    await setRule('TWO_PERSON');
    expect(await lib.confirmThresholdRun({ runId: older, actor: 'bob', role: 'ADMINISTRATOR' })).toMatchObject({ code: 'confirmation_refused', rule: 'TWO_PERSON' });
    const admin = env.accounts.admin.username;
    expect(await lib.confirmThresholdRun({ runId: stopped, actor: admin, role: 'ADMINISTRATOR' })).toMatchObject({ started: true, run: { confirmedBy: admin } });
  });
});

describe('a restore above the threshold', () => {
  it("is confirmed in the API only when the job's rule lets the caller: refused to its own starter under the two-person rule", async () => {
    // A finished run that changed one person (its item is what a restore reads).
    const { rows } = await lib.pool().query<{ id: number }>(
      `INSERT INTO batch_runs (job_key, status, trigger, started_at, finished_at, updated) VALUES ($1, 'SUCCEEDED', 'SCHEDULE', now(), now(), 1) RETURNING id`,
      [JOB],
    );
    const runId = rows[0]!.id;
    await lib.pool().query(`INSERT INTO batch_run_items (run_id, username, outcome, changes) VALUES ($1, 'nobody', 'UPDATED', '{}'::json)`, [runId]);
    const restore = (who: string, body: object) => env.api(`/api/v1/runs/${runId}/restore`, { method: 'POST', token: tokens[who], body });

    await setRule('TWO_PERSON');
    const refused = await restore('alice', { dryRun: false, confirm: true });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any)).toMatchObject({ code: 'confirmation_refused', rule: 'TWO_PERSON', message: expect.stringMatching(/you started this run/) });
    expect(await lib.prisma().batchRun.count({ where: { restoreOfRunId: runId } })).toBe(0);
    // Operators do not restore at all.
    expect((await restore('olivia', { dryRun: true })).status).toBe(403);

    await setRule('ADMINISTRATOR');
    const confirmed = await restore('alice', { dryRun: false, confirm: true });
    expect(confirmed.status).toBe(202);
    expect(((await confirmed.json()) as any).run).toMatchObject({ confirmed: true, confirmedBy: 'api-token:alice-token', restoreOfRunId: runId, dryRun: false });
  });
});

describe('rule OPERATOR (the default: today\'s behaviour)', () => {
  it('lets an operator confirm a run someone else started, and records who and when on both runs', async () => {
    await setRule('OPERATOR');
    const stopped = await stoppedRun(null); // the schedule's
    const res = await confirmOverApi(stopped, 'olivia');
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as any;
    const [was, confirming] = [await runRow(stopped), await runRow(runId)];
    expect(was).toMatchObject({ confirmed_by: 'api-token:olivia-token' });
    expect(confirming).toMatchObject({ confirmed: true, confirms_run_id: stopped, confirmed_by: 'api-token:olivia-token' });
    expect(was.confirmed_at).toEqual(confirming.confirmed_at);
  });
});

describe('rule ADMINISTRATOR', () => {
  it('refuses an operator in the API and the use case, naming the rule, and lets an administrator confirm', async () => {
    await setRule('ADMINISTRATOR');
    const stopped = await stoppedRun('olivia');

    const refused = await confirmOverApi(stopped, 'olivia');
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as any;
    expect(body).toMatchObject({ code: 'confirmation_refused', rule: 'ADMINISTRATOR' });
    expect(body.message).toMatch(/only an administrator may confirm/);

    // The same refusal through the use case the run page's server action calls.
    const direct = await lib.confirmThresholdRun({ runId: stopped, actor: 'olivia', role: 'OPERATOR' });
    expect(direct).toMatchObject({ started: false, code: 'confirmation_refused', rule: 'ADMINISTRATOR' });
    // Starting already confirmed is no way around it.
    const preConfirmed = await env.api(`/api/v1/jobs/${JOB}/runs`, { method: 'POST', token: tokens.olivia, body: { confirm: true } });
    expect(preConfirmed.status).toBe(403);
    expect(((await preConfirmed.json()) as any).code).toBe('confirmation_refused');
    expect(await runRow(stopped)).toMatchObject({ confirmed_by: null, confirmed_at: null });
    expect(await lib.prisma().batchRun.count({ where: { confirmsRunId: stopped } })).toBe(0);
    expect(await lib.prisma().auditEvent.count({ where: { action: 'run.threshold_confirmation_refused', actor: 'olivia' } })).toBeGreaterThanOrEqual(1);

    const ok = await lib.confirmThresholdRun({ runId: stopped, actor: 'alice', role: 'ADMINISTRATOR' });
    expect(ok).toMatchObject({ started: true, run: { confirmedBy: 'alice', confirmsRunId: stopped } });
  });
});

describe('rule TWO_PERSON', () => {
  it('refuses the administrator who changed the filter or started the run, also behind an API token; a different one confirms', async () => {
    await setRule('TWO_PERSON');
    await changeFilter('alice', `wrong-${Date.now()}`);
    const stopped = await stoppedRun('bob');

    // alice changed the filter: refused, over the API (her token is her) and in the use case.
    const byAlice = await confirmOverApi(stopped, 'alice');
    expect(byAlice.status).toBe(403);
    expect(((await byAlice.json()) as any).message).toMatch(/two-person rule.*you last changed the job's filter/);
    expect(await lib.confirmThresholdRun({ runId: stopped, actor: 'alice', role: 'ADMINISTRATOR' })).toMatchObject({ code: 'confirmation_refused' });
    // bob started it: refused too.
    const byBob = await confirmOverApi(stopped, 'bob');
    expect(byBob.status).toBe(403);
    expect(((await byBob.json()) as any).message).toMatch(/you started this run/);
    // An operator: refused whoever started it.
    expect((await confirmOverApi(stopped, 'olivia')).status).toBe(403);
    // And no administrator may start a run already confirmed under this rule.
    const preConfirmed = await env.api(`/api/v1/jobs/${JOB}/runs`, { method: 'POST', token: tokens.bob, body: { confirm: true } });
    expect(preConfirmed.status).toBe(403);
    expect(await runRow(stopped)).toMatchObject({ confirmed_by: null });

    // A third administrator (the demo admin) confirms: who and when recorded, and audited.
    const before = Date.now();
    const admin = env.accounts.admin.username;
    const confirmed = await lib.confirmThresholdRun({ runId: stopped, actor: admin, role: 'ADMINISTRATOR' });
    expect(confirmed.started).toBe(true);
    if (!confirmed.started) return;
    const row = await runRow(stopped);
    expect(row.confirmed_by).toBe(admin);
    expect(row.confirmed_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const audit = await lib.prisma().auditEvent.findFirstOrThrow({ where: { action: 'run.threshold_confirmed', actor: admin }, orderBy: { id: 'desc' } });
    expect(audit.details).toMatchObject({ runId: stopped, confirmingRunId: confirmed.run.id, confirmedBy: admin, role: 'ADMINISTRATOR' });
    // The API shows it on both runs.
    const shown = (await (await env.api(`/api/v1/runs/${stopped}`, { token: tokens.olivia })).json()) as any;
    expect(shown).toMatchObject({ confirmedBy: admin, confirmedAt: row.confirmed_at.toISOString() });
  });

  it('answers 409 for a run that did not stop at the threshold', async () => {
    await setRule('OPERATOR');
    const { rows } = await lib.pool().query<{ id: number }>(`INSERT INTO batch_runs (job_key, status, trigger, finished_at) VALUES ($1, 'SUCCEEDED', 'SCHEDULE', now()) RETURNING id`, [JOB]);
    const res = await confirmOverApi(rows[0]!.id, 'olivia');
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).code).toBe('run_not_stopped_at_threshold');
  });
});
