import type { BatchJobsQueue } from '@/lib/queue/batch-jobs-queue';
import { reconcileRuns } from '@/lib/runs/reconcile-runs';
import { log } from './log';

type Hooks = {
  /** After every pass that worked. */
  onSuccess?: () => void;
  /** A pass failed (the worker reports outages once, jobs/outages.ts). */
  onFailure?: (error: unknown) => void;
};

/**
 * Finds runs whose queue job was lost (lib/runs/reconcile-runs.ts), one pass at a time;
 * says something only when it acted.
 */
export function createRunReconciler(queue: BatchJobsQueue, hooks: Hooks = {}) {
  let running = false;
  return async function reconcileLostRuns(reason: string): Promise<void> {
    if (running) return;
    running = true;
    try {
      const result = await reconcileRuns(queue);
      hooks.onSuccess?.();
      for (const id of result.requeued) log(`run #${id} had lost its queue job (${reason}): queued again, it resumes after its last committed page`);
      for (const id of result.cancelled) log(`run #${id} had lost its queue job after a cancel was requested: cancelled`);
      for (const id of result.failed) log(`run #${id} had lost its queue job with its attempts spent: failed`);
    } catch (error) {
      (hooks.onFailure ?? ((e: unknown) => log(`run reconciliation failed: ${(e as Error).message}`)))(error);
    } finally {
      running = false;
    }
  };
}
