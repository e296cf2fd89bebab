import { UnrecoverableError, type Job } from 'bullmq';
import type { RedisClient } from '@/lib/redis/create-redis';
import { pool } from '@/lib/db-pool';
import { runStatus } from '@/lib/runs/run-lifecycle';
import { startJobRun } from '@/lib/runs/start-job-run';
import { isActiveStatus } from '@/lib/runs/run-summary';
import type { BatchJobData } from '@/lib/queue/batch-jobs-queue';
import { publishRunProgress } from '@/lib/queue/run-progress';
import type { RunOutcome, RunProgress as EngineProgress } from '@/lib/sync/run-batch-job';
import { log } from './log';
import { unavailableDependency } from './outages';

/** The engine (lib/sync/run-batch-job.ts), injected so that the processor does not care how a run executes. */
export type RunEngine = {
  runBatchJob(args: { runId: number; onProgress?: (progress: EngineProgress) => void | Promise<void> }): Promise<RunOutcome>;
  failRun(runId: number, error: unknown): Promise<unknown>;
};

export type ProcessResult =
  | { runId: number; outcome: RunOutcome }
  | { skipped: true; jobKey: string; activeRunId: number; reason: string }
  | { runId: number; alreadyFinished: string };

type Context = {
  engine: RunEngine;
  redis: RedisClient;
  prefix: string;
  /**
   * Called after each committed page. While the worker shuts down it never resolves, which
   * parks the run between two pages until the worker hands it back to the queue; the run counts
   * as parked once `quiesce` resolved (it rolls back the page in flight after the reported one).
   */
  betweenPages: (job: Job<BatchJobData>, quiesce: () => Promise<void>) => Promise<void>;
};

export function isTransient(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { transient?: unknown }).transient === true;
}

/** The BullMQ processor of the batch-jobs queue: one call per attempt of a run. */
export function createBatchJobProcessor(context: Context) {
  return async function processBatchJob(job: Job<BatchJobData>): Promise<ProcessResult> {
    let runId = job.data.runId;
    if (runId === undefined) {
      // A scheduled firing: the run is created here, with the same one-active-run rule as a manual start.
      const started = await startJobRun({ jobKey: job.data.jobKey, trigger: 'SCHEDULE', startedBy: null, enqueue: false });
      if (!started.started) {
        if (started.code === 'run_already_active') {
          log(`schedule of ${job.data.jobKey} fired while run #${started.activeRun.id} is ${started.activeRun.status}: skipped`);
          return { skipped: true, jobKey: job.data.jobKey, activeRunId: started.activeRun.id, reason: started.message };
        }
        throw new UnrecoverableError(started.message);
      }
      runId = started.run.id;
      // A retry or a stalled-job recovery of this firing resumes this run instead of creating another.
      await job.updateData({ ...job.data, runId });
      log(`schedule of ${job.data.jobKey} fired: run #${runId}`);
    }

    const status = await runStatus(pool(), runId);
    if (!status) throw new UnrecoverableError(`Run #${runId} does not exist.`);
    // A cancel requested before the start is honoured by the engine before its first page.
    if (!isActiveStatus(status)) return { runId, alreadyFinished: status };

    const id = runId;
    log(`run #${id} of ${job.data.jobKey}: attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}`);
    try {
      const outcome = await context.engine.runBatchJob({
        runId: id,
        onProgress: async (progress) => {
          const live = {
            runId: id,
            entriesRead: progress.entriesRead,
            entriesTotal: progress.entriesTotal ?? null,
            usersProcessed: progress.usersProcessed,
            page: progress.page,
            counters: progress.counters,
            at: new Date().toISOString(),
          };
          // Progress is informative: a Redis hiccup must not fail a page that is already committed.
          await Promise.allSettled([job.updateProgress(live), publishRunProgress(context.redis, context.prefix, live)]);
          await context.betweenPages(job, progress.quiesce);
        },
      });
      log(`run #${id} ended: ${describeOutcome(outcome)}`);
      return { runId: id, outcome };
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      if (isTransient(error)) {
        const attempt = job.attemptsMade + 1;
        const attempts = job.opts.attempts ?? 1;
        // An outage's message is said once by the worker's outage log (jobs/outages.ts): an attempt names it.
        const dependency = unavailableDependency(error);
        const cause = dependency ? `the ${dependency} is unavailable` : message;
        if (attempt < attempts) {
          log(`run #${id}: transient failure on attempt ${attempt} of ${attempts}, retrying with backoff: ${cause}`);
          throw error;
        }
        log(`run #${id}: transient failure on the last attempt (${attempt}), giving up: ${message}`);
        await context.engine.failRun(id, error);
        throw new UnrecoverableError(message);
      }
      // The engine finishes its runs itself; an unexpected error must still not leave the job blocked.
      const after = await runStatus(pool(), id);
      if (after && isActiveStatus(after)) await context.engine.failRun(id, error);
      log(`run #${id} failed: ${message}`);
      throw new UnrecoverableError(message);
    }
  };
}

function describeOutcome(outcome: RunOutcome): string {
  return outcome.error ? `${outcome.status} (${outcome.error})` : outcome.status;
}
