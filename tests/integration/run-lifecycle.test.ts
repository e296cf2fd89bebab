import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '@/lib/config';
import { disconnectDb } from '@/lib/db';
import { pool } from '@/lib/db-pool';
import { batchJobsQueue, closeBatchJobsQueue, RUN_ATTEMPTS, runJobId } from '@/lib/queue/batch-jobs-queue';
import { cancelRun } from '@/lib/runs/cancel-run';
import { startJobRun } from '@/lib/runs/start-job-run';
import { reconcileRuns } from '@/lib/runs/reconcile-runs';
import { resetIdentityData, startTestServices, type TestServices } from '@/tests/setup/services';

// A run's life against real PostgreSQL and Redis: one run per job however many start it at once,
// and runs whose BullMQ job Redis lost (FLUSHALL), each queued again to resume, or ended, within one
// reconciliation, never left QUEUED or RUNNING for good.

let services: TestServices;
let redis: Redis;

beforeAll(async () => {
  services = await startTestServices({ name: 'run-lifecycle' });
  Object.assign(process.env, { DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl, REDIS_PREFIX: 'idmrec' });
  resetConfigForTests();
  redis = new Redis(services.redisUrl);
});

afterAll(async () => {
  redis?.disconnect();
  await closeBatchJobsQueue();
  await disconnectDb();
  await services?.stop();
});

beforeEach(async () => {
  await resetIdentityData(services.databaseUrl);
  await redis.flushall();
});

async function startedRun(): Promise<number> {
  const started = await startJobRun({ jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'op' });
  if (!started.started) throw new Error(started.message);
  return started.run.id;
}

const runRow = async (id: number) => (await pool().query('SELECT status::text, error_code, attempts FROM batch_runs WHERE id = $1', [id])).rows[0];
const activeRunOfJob = async () => (await pool().query(`SELECT active_run_id FROM batch_jobs WHERE key = 'inactive-ldap-users'`)).rows[0].active_run_id;

describe('run reconciliation', () => {
  it('leaves a run whose job is queued alone, and queues again one whose job a FLUSHALL took', async () => {
    const id = await startedRun();
    expect(await reconcileRuns(batchJobsQueue(), { graceMs: 0 })).toEqual({ requeued: [], cancelled: [], failed: [] });

    await pool().query(`UPDATE batch_runs SET status = 'RUNNING', attempts = 2 WHERE id = $1`, [id]);
    await redis.flushall();
    expect(await batchJobsQueue().getJob(runJobId(id))).toBeUndefined();
    expect(await reconcileRuns(batchJobsQueue(), { graceMs: 0 })).toEqual({ requeued: [id], cancelled: [], failed: [] });
    const job = await batchJobsQueue().getJob(runJobId(id));
    expect(job?.data).toMatchObject({ runId: id, jobKey: 'inactive-ldap-users' });
    expect(job?.opts.attempts).toBe(RUN_ATTEMPTS - 2); // the attempts it has left
    expect(await job?.getState()).toBe('waiting');
    // A second pass (or a second worker) changes nothing.
    expect(await reconcileRuns(batchJobsQueue(), { graceMs: 0 })).toEqual({ requeued: [], cancelled: [], failed: [] });
  });

  it('ends a lost run whose cancel was requested, and fails one whose attempts are spent; the job can be started again', async () => {
    const cancelled = await startedRun();
    await pool().query(`UPDATE batch_runs SET status = 'RUNNING' WHERE id = $1`, [cancelled]);
    await redis.flushall();
    // Cancel finds no job to take off the queue: the run waits for the engine, which will never come.
    expect(await cancelRun({ runId: cancelled, actor: 'op' })).toMatchObject({ ok: true, cancelledNow: false });
    expect(await reconcileRuns(batchJobsQueue(), { graceMs: 0 })).toEqual({ requeued: [], cancelled: [cancelled], failed: [] });
    expect(await runRow(cancelled)).toMatchObject({ status: 'CANCELLED' });
    expect(await activeRunOfJob()).toBeNull();

    const spent = await startedRun();
    await pool().query(`UPDATE batch_runs SET status = 'RUNNING', attempts = $2 WHERE id = $1`, [spent, RUN_ATTEMPTS]);
    await redis.flushall();
    expect(await reconcileRuns(batchJobsQueue(), { graceMs: 0 })).toEqual({ requeued: [], cancelled: [], failed: [spent] });
    expect(await runRow(spent)).toMatchObject({ status: 'FAILED', error_code: 'RUN_LOST' });
    expect(await activeRunOfJob()).toBeNull();
    expect((await startJobRun({ jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'op' })).started).toBe(true);
  });

  it('gives a run just inserted time to be queued', async () => {
    const id = await startedRun();
    await redis.flushall();
    expect(await reconcileRuns(batchJobsQueue())).toEqual({ requeued: [], cancelled: [], failed: [] });
    expect((await reconcileRuns(batchJobsQueue(), { graceMs: 0 })).requeued).toEqual([id]);
  });
});

describe('starting a run', () => {
  it('twenty concurrent starts make exactly one run and one queue job; the others are told which run is active', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => startJobRun({ jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: `op${i}` })));
    const started = results.filter((r) => r.started);
    expect(started).toHaveLength(1);
    const runId = started[0]!.started ? started[0]!.run.id : -1;
    for (const r of results.filter((x) => !x.started)) expect(r).toMatchObject({ code: 'run_already_active', activeRun: { id: runId } });
    expect((await pool().query(`SELECT id FROM batch_runs`)).rows).toEqual([{ id: runId }]);
    expect(await activeRunOfJob()).toBe(runId);
    expect((await batchJobsQueue().getJobs(['waiting', 'active', 'delayed', 'prioritized'])).map((j) => j?.data.runId)).toEqual([runId]);
  });
});
