import type { RunTrigger } from '../generated/prisma/enums';
import { pool } from '../db-pool';
import { RUN_ATTEMPTS, RUN_JOB_OPTIONS, runJobId, type BatchJobsQueue } from '../queue/batch-jobs-queue';
import { ACTIVE_RUN_SQL } from './run-lifecycle';
import { endIdleRun } from './cancel-run';

// A run is executed by its BullMQ job. When Redis loses that job (FLUSHALL, a replaced Redis, a
// failover without persistence) while the run is QUEUED or RUNNING, nothing would ever execute or
// end it, and its job could never be started again. The worker compares the two every few seconds.

/** States in which a job will still be executed by some worker. */
const LIVE_STATES = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'] as const;

/** A run younger than this may be between its insert and its queue.add: left alone. */
export const RUN_RECONCILE_GRACE_MS = 10_000;

type ActiveRun = {
  id: number;
  jobKey: string;
  trigger: RunTrigger;
  startedBy: string | null;
  dryRun: boolean;
  confirmed: boolean;
  attempts: number;
  cancelRequestedAt: Date | null;
};

export type RunReconciliation = { requeued: number[]; cancelled: number[]; failed: number[] };

/**
 * Active runs without a live job: queued again to resume after their last committed page (the
 * engine skips committed pages; fencing by attempt stops any worker still holding an old copy),
 * ended CANCELLED when a cancel was requested, FAILED once their attempts are spent.
 */
export async function reconcileRuns(queue: BatchJobsQueue, options: { graceMs?: number; now?: Date } = {}): Promise<RunReconciliation> {
  const result: RunReconciliation = { requeued: [], cancelled: [], failed: [] };
  const before = new Date((options.now ?? new Date()).getTime() - (options.graceMs ?? RUN_RECONCILE_GRACE_MS));
  const { rows: runs } = await pool().query<ActiveRun>(
    `SELECT id, job_key AS "jobKey", trigger, started_by AS "startedBy", dry_run AS "dryRun", confirmed, attempts,
            cancel_requested_at AS "cancelRequestedAt"
     FROM batch_runs WHERE ${ACTIVE_RUN_SQL} AND queued_at < $1 ORDER BY id`,
    [before],
  );
  if (!runs.length) return result;
  const live = new Set<number>();
  for (const job of await queue.getJobs([...LIVE_STATES])) if (job?.data.runId !== undefined) live.add(job.data.runId);
  for (const run of runs) {
    if (live.has(run.id)) continue;
    if (run.cancelRequestedAt) {
      await endIdleRun(run.id, 'CANCELLED', 'Cancelled; its queue job had been lost, so it was not executed further.');
      result.cancelled.push(run.id);
    } else if (run.attempts >= RUN_ATTEMPTS) {
      await endIdleRun(run.id, 'FAILED', `Its queue job was lost after ${run.attempts} attempts; start the job again.`, 'RUN_LOST');
      result.failed.push(run.id);
    } else {
      // A completed or failed job under the run's id would make add() a no-op: it goes first (only
      // such a job: one another worker has just queued again is left to run).
      const stale = await queue.getJob(runJobId(run.id));
      if (stale && ['completed', 'failed'].includes(await stale.getState())) await stale.remove().catch(() => undefined);
      const data = { jobKey: run.jobKey, trigger: run.trigger, runId: run.id, startedBy: run.startedBy, dryRun: run.dryRun, confirmed: run.confirmed };
      await queue.add(run.jobKey, data, { ...RUN_JOB_OPTIONS, attempts: RUN_ATTEMPTS - run.attempts, jobId: runJobId(run.id) });
      result.requeued.push(run.id);
    }
  }
  return result;
}
