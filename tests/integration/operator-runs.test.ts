import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '@/lib/config';
import { disconnectDb, prisma } from '@/lib/db';
import { pool } from '@/lib/db-pool';
import { closeBatchJobsQueue } from '@/lib/queue/batch-jobs-queue';
import { clearOperatorCache, disconnectCacheRedis } from '@/lib/cache';
import { saveJobSchedule } from '@/lib/batch-jobs';
import { confirmThresholdRun } from '@/lib/runs/confirm-threshold-run';
import { operatorJobsView, operatorJobView } from '@/lib/batch-jobs/operator-jobs-view';
import { listJobRunHistory } from '@/lib/runs/run-history';
import { runItemsCsv } from '@/lib/runs/run-items-csv';
import { listRunItems, parseRunItemsFilter } from '@/lib/runs/run-items';
import { resetIdentityData, startTestServices, type TestServices } from '@/tests/setup/services';

// The operator's run queries (items table, CSV, history), the threshold confirmation and the
// cached Scheduled jobs view, against real PostgreSQL and Redis.

let services: TestServices;

beforeAll(async () => {
  services = await startTestServices({ name: 'operator-runs' });
  Object.assign(process.env, { DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl, REDIS_PREFIX: 'idmops' });
  resetConfigForTests();
});

afterAll(async () => {
  await closeBatchJobsQueue();
  await disconnectCacheRedis();
  await disconnectDb();
  await services?.stop();
});

beforeEach(async () => {
  await resetIdentityData(services.databaseUrl);
});

async function finishedRun(fields: { status?: string; startedAt?: Date; finishedAt?: Date; created?: number; updated?: number; wouldDeactivate?: number } = {}) {
  const { rows } = await pool().query(
    `INSERT INTO batch_runs (job_key, status, trigger, started_by, started_at, finished_at, created, updated, would_deactivate)
     VALUES ('inactive-ldap-users', $1::"RunStatus", 'MANUAL', 'op', $2, $3, $4, $5, $6) RETURNING id`,
    [
      fields.status ?? 'SUCCEEDED',
      fields.startedAt ?? new Date('2026-11-01T10:00:00Z'),
      fields.finishedAt ?? new Date('2026-11-01T10:00:30Z'),
      fields.created ?? 0,
      fields.updated ?? 0,
      fields.wouldDeactivate ?? null,
    ],
  );
  return rows[0].id as number;
}

/** n items: every third FAILED, the others UPDATED, usernames user-000 ... */
async function addItems(runId: number, n: number) {
  await pool().query(
    `INSERT INTO batch_run_items (run_id, external_id, username, ldap_dn, outcome, reason, changes)
     SELECT $1, 'ext-' || i, 'user-' || lpad(i::text, 3, '0'), 'uid=user-' || lpad(i::text, 3, '0') || ',ou=people,dc=example,dc=com',
            CASE WHEN i % 3 = 0 THEN 'FAILED' ELSE 'UPDATED' END::"RunItemOutcome",
            CASE WHEN i % 3 = 0 THEN 'duplicate username' END,
            CASE WHEN i % 3 = 0 THEN NULL ELSE '{"user":{"before":{"state":"ACTIVE"},"after":{"state":"INACTIVE"}},"rolesWithdrawn":[{"id":1,"name":"Employee"}]}'::jsonb END
     FROM generate_series(1, $2) AS i`,
    [runId, n],
  );
}

describe('run items', () => {
  it('pages, filters by outcome and searches username and DN on the server', async () => {
    const runId = await finishedRun();
    await addItems(runId, 60);

    const list = async (params: Record<string, string>, options?: Parameters<typeof listRunItems>[2]) => {
      const page = await listRunItems(runId, parseRunItemsFilter(params), options);
      if (!page) throw new Error(`run #${runId} not found`);
      return page;
    };
    const first = await list({});
    expect(first.total).toBe(60);
    expect(first.pageCount).toBe(3);
    expect(first.items).toHaveLength(25);
    expect(first.items[0]!.username).toBe('user-001');
    expect(first.outcomeCounts).toEqual({ CREATED: 0, UPDATED: 40, UNCHANGED: 0, FAILED: 20 });

    const third = await list({ page: '3' });
    expect(third.items.map((i) => i.username)).toEqual(Array.from({ length: 10 }, (_, k) => `user-${String(51 + k).padStart(3, '0')}`));

    const failed = await list({ outcome: 'FAILED' });
    expect(failed.total).toBe(20);
    expect(failed.items.every((i) => i.outcome === 'FAILED' && i.reason === 'duplicate username')).toBe(true);

    const search = await list({ q: 'USER-01' });
    expect(search.items.map((i) => i.username)).toEqual(['user-010', 'user-011', 'user-012', 'user-013', 'user-014', 'user-015', 'user-016', 'user-017', 'user-018', 'user-019']);
    expect((await list({ q: 'uid=user-042,ou' })).total).toBe(1);

    // A page past the end shows the last page (the API answers it empty); nonsense in the query string falls back to defaults.
    expect((await list({ page: '99' })).page).toBe(3);
    expect(await list({ page: '99' }, { clampPage: false })).toMatchObject({ page: 99, pageCount: 3, items: [] });
    expect(await listRunItems(2_000_000_000, parseRunItemsFilter({}))).toBeNull();
    expect(parseRunItemsFilter({ outcome: 'DROP TABLE', page: '-4' })).toEqual({ q: '', outcome: undefined, page: 1 });
  });

  it('exports every matching item as CSV across batches, header first', async () => {
    const runId = await finishedRun();
    await addItems(runId, 2100);
    const lines: string[] = [];
    for await (const line of runItemsCsv(runId, { q: '', outcome: 'UPDATED' })) lines.push(line);
    expect(lines[0]).toMatch(/^item,outcome,username,ldap_dn/);
    expect(lines).toHaveLength(1 + 1400);
    expect(lines[1]).toMatch(/^\d+,UPDATED,user-001,"uid=user-001,ou=people,dc=example,dc=com",ext-1,,State: active -> inactive,,,Employee,\r\n$/);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(1400);
  });
});

describe('run history', () => {
  it('lists runs newest first with duration and users changed', async () => {
    const a = await finishedRun({ created: 2, updated: 5 });
    const b = await finishedRun({ status: 'FAILED', startedAt: new Date('2026-11-02T10:00:00Z'), finishedAt: new Date('2026-11-02T10:02:00Z') });
    // A run stopped at the threshold counted what it would have changed: it changed nobody.
    const c = await finishedRun({ status: 'THRESHOLD_EXCEEDED', updated: 9, startedAt: new Date('2026-11-03T10:00:00Z'), finishedAt: new Date('2026-11-03T10:00:10Z') });
    await pool().query(`UPDATE batch_runs SET queued_at = started_at`);
    const history = await listJobRunHistory('inactive-ldap-users');
    expect(history.map((r) => [r.id, r.durationMs, r.changes])).toEqual([
      [c, 10_000, 0],
      [b, 120_000, 0],
      [a, 30_000, 7],
    ]);
  });
});

describe('confirm and run past the threshold', () => {
  it('starts a confirmed run of the same job, audited, and refuses runs that did not stop at the threshold', async () => {
    const stopped = await finishedRun({ status: 'THRESHOLD_EXCEEDED', wouldDeactivate: 42 });
    await pool().query(`UPDATE batch_runs SET entries_total = 1234 WHERE id = $1`, [stopped]);
    const result = await confirmThresholdRun({ runId: stopped, actor: 'admin', role: 'ADMINISTRATOR' });
    expect(result.started).toBe(true);
    if (!result.started) return;
    // It says which run it confirms, and the stopped run's count is its expected total (no counting pass of its own).
    expect(result.run).toMatchObject({ jobKey: 'inactive-ldap-users', confirmed: true, dryRun: false, status: 'QUEUED', startedBy: 'admin', confirmsRunId: stopped, entriesTotal: 1234 });
    const audit = await prisma().auditEvent.findFirstOrThrow({ where: { action: 'run.threshold_confirmed' } });
    expect(audit.details).toMatchObject({ runId: stopped, wouldDeactivate: 42, confirmingRunId: result.run.id, confirmedBy: 'admin' });

    // The job now has an active run: a second confirmation is refused and points at it.
    const again = await confirmThresholdRun({ runId: stopped, actor: 'admin', role: 'ADMINISTRATOR' });
    expect(again).toMatchObject({ started: false, code: 'run_already_active', activeRun: { id: result.run.id } });

    const ok = await finishedRun();
    expect(await confirmThresholdRun({ runId: ok, actor: 'admin', role: 'ADMINISTRATOR' })).toMatchObject({ started: false, code: 'run_not_stopped_at_threshold' });
  });
});

describe('the operator view of the scheduled jobs', () => {
  it('keeps showing the cached schedule and says so until Clear cache, while runs are live', async () => {
    await clearOperatorCache({ actor: 'test' });
    const before = await operatorJobsView();
    const job = before.jobs.find((j) => j.key === 'inactive-ldap-users')!;
    expect(before.configurationChange).toBeNull();
    expect((await operatorJobView('inactive-ldap-users'))?.job.cronExpression).toBe(job.cronExpression);

    const saved = await saveJobSchedule({
      jobKey: 'inactive-ldap-users',
      cronExpression: '0 2 * * *',
      timeZone: 'UTC',
      paused: false,
      expectedVersion: job.version,
      actor: 'admin',
    });
    expect(saved.ok).toBe(true);
    const runId = await finishedRun();

    const stale = await operatorJobsView();
    const staleJob = stale.jobs.find((j) => j.key === 'inactive-ldap-users')!;
    expect(stale.fromCache).toBe(true);
    expect(staleJob.cronExpression).toBe(job.cronExpression);
    expect(stale.configurationChange).toMatchObject({ jobKey: 'inactive-ldap-users', changedBy: 'admin' });
    expect(staleJob.lastRun?.id).toBe(runId);
    const staleDetails = await operatorJobView('inactive-ldap-users');
    expect(staleDetails?.job.cronExpression).toBe(job.cronExpression);
    expect(staleDetails?.configurationChange?.changedBy).toBe('admin');

    await clearOperatorCache({ actor: 'op' });
    const fresh = await operatorJobsView();
    const freshJob = fresh.jobs.find((j) => j.key === 'inactive-ldap-users')!;
    expect(freshJob.cronExpression).toBe('0 2 * * *');
    expect(freshJob.nextExecutionAt?.getUTCHours()).toBe(2);
    expect(fresh.configurationChange).toBeNull();
  });
});
