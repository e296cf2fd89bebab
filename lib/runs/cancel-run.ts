import { recordAudit } from '../audit/record-audit';
import { pool } from '../db-pool';
import { endRun, requestCancel } from './run-lifecycle';
import { batchJobsQueue, runJobId, type BatchJobsQueue } from '../queue/batch-jobs-queue';
import { withRedisTimeout } from '../queue/redis-timeout';
import { loadRunSummary, type RunSummary } from './run-summary';
import type { Refusal, RunErrorCode } from '../errors/error-codes';

export type CancelRunOptions = {
  runId: number;
  /** Account username of the operator. */
  actor: string;
  ip?: string | null;
  queue?: BatchJobsQueue;
};

export type CancelRunResult =
  | {
      ok: true;
      run: RunSummary;
      /** true: the run had not started and is CANCELLED now; false: the worker stops it after the page in progress. */
      cancelledNow: boolean;
    }
  | ({ ok: false } & Refusal<'not_found'>)
  | ({ ok: false } & Refusal<'run_already_finished', { run: RunSummary }>);

/**
 * Requests the cancellation of a queued or running run. A page is atomic, so a running run
 * stops between pages (the engine checks cancel_requested_at) and ends CANCELLED; a run whose
 * BullMQ job has not been picked up yet is removed from the queue and cancelled at once.
 */
export async function cancelRun(options: CancelRunOptions): Promise<CancelRunResult> {
  const requested = await requestCancel(pool(), options.runId);
  const run = await loadRunSummary(pool(), options.runId);
  if (!run) return { ok: false, code: 'not_found', message: `There is no run #${options.runId}.` };
  if (!requested && run.status !== 'QUEUED' && run.status !== 'RUNNING') {
    return { ok: false, code: 'run_already_finished', run, message: `Run #${run.id} already ended (${run.status}).` };
  }
  if (requested) {
    await recordAudit({
      actor: options.actor,
      action: 'run.cancel_requested',
      target: run.jobKey,
      ip: options.ip ?? null,
      details: { runId: run.id, status: run.status },
    });
  }

  // A job still waiting (or waiting for a retry) is taken off the queue so that no worker starts it.
  let removed = false;
  try {
    const queue = options.queue ?? batchJobsQueue();
    removed = await withRedisTimeout(removeIfNotActive(queue, runJobId(run.id)), 'take the run off the queue');
  } catch {
    // The worker still sees cancel_requested_at before it starts the run.
  }
  if (removed) {
    const cancelled = await finishCancelledRun(run.id, 'Cancelled before it started.');
    return { ok: true, run: cancelled ?? run, cancelledNow: true };
  }
  return { ok: true, run, cancelledNow: false };
}

async function removeIfNotActive(queue: BatchJobsQueue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return false;
  const state = await job.getState();
  if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
  return (await queue.remove(jobId)) === 1;
}

/**
 * Ends a run that was cancelled while no engine was working on it (not started yet, or waiting
 * for a retry) and releases its job. Conditional, so it never overwrites a final status.
 */
export function finishCancelledRun(runId: number, message: string): Promise<RunSummary | null> {
  return endIdleRun(runId, 'CANCELLED', message);
}

/**
 * Ends a run no engine is working on (cancelled before it started, or lost with its queue job)
 * and releases its job (lib/runs/run-lifecycle.ts). Only a run still QUEUED or RUNNING is changed;
 * without `errorCode` the code a transient failure recorded stays.
 */
export async function endIdleRun(runId: number, status: 'CANCELLED' | 'FAILED', message: string, errorCode?: RunErrorCode): Promise<RunSummary | null> {
  await endRun(pool(), runId, status, errorCode === undefined ? { message } : { error: { code: errorCode, message } });
  return loadRunSummary(pool(), runId);
}
