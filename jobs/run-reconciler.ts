import type { BatchJobsQueue } from '@/lib/queue/batch-jobs-queue';
import { reconcileRuns } from '@/lib/batch-jobs/reconcile-runs';
import { log } from './log';

/**
 * Finds runs whose queue job was lost (lib/batch-jobs/reconcile-runs.ts), one pass at a time;
 * says something only when it acted, and a failure once until a pass succeeds again.
 */
export function createRunReconciler(queue: BatchJobsQueue) {
  let running = false;
  let failing = false;
  return async function reconcileLostRuns(reason: string): Promise<void> {
    if (running) return;
    running = true;
    try {
      const result = await reconcileRuns(queue);
      if (failing) log('run reconciliation works again');
      failing = false;
      for (const id of result.requeued) log(`run #${id} had lost its queue job (${reason}): queued again, it resumes after its last committed page`);
      for (const id of result.cancelled) log(`run #${id} had lost its queue job after a cancel was requested: cancelled`);
      for (const id of result.failed) log(`run #${id} had lost its queue job with its attempts spent: failed`);
    } catch (error) {
      if (!failing) log(`run reconciliation failed, retried every few seconds: ${(error as Error).message}`);
      failing = true;
    } finally {
      running = false;
    }
  };
}
