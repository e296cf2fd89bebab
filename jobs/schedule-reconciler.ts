import type { BatchJobsQueue } from '@/lib/queue/batch-jobs-queue';
import { reconcileJobSchedulers } from '@/lib/queue/job-schedulers';
import { log } from './log';

type Hooks = {
  /**
   * Before each pass: the worker marks Redis, and notices a FLUSHALL by the mark's absence. Marked
   * before the pass reads Redis, so that a FLUSHALL during the pass is noticed too; unmarked when
   * the pass fails, so that it is tried again.
   */
  mark?: () => Promise<unknown>;
  unmark?: () => Promise<unknown>;
  /** A pass failed (the worker reports outages once, jobs/outages.ts). */
  onFailure?: (error: unknown) => void;
};

/**
 * Reconciles job schedulers with the database, one pass at a time: a pass requested while one
 * runs is done once after it, so bursts of reconnects do not pile up.
 */
export function createScheduleReconciler(queue: BatchJobsQueue, hooks: Hooks = {}) {
  let running: Promise<void> | undefined;
  let again = false;

  async function pass(reason: string): Promise<void> {
    try {
      await hooks.mark?.();
      const result = await reconcileJobSchedulers(queue);
      // A periodic pass says something only when it changed something (read back from Redis) or failed.
      const changed = result.upserted.length + result.removed.length;
      if (changed > 0 || reason !== 'periodic') {
        log(
          `schedules reconciled (${reason}): upserted [${result.upserted.join(', ')}], ` +
            `removed [${result.removed.join(', ')}], unchanged [${result.unchanged.join(', ')}]`,
        );
      }
      for (const failure of result.failed) log(`schedule reconciliation (${reason}): ${failure.message}`);
      if (result.failed.length) await hooks.unmark?.();
    } catch (error) {
      await hooks.unmark?.().catch(() => undefined);
      if (hooks.onFailure) hooks.onFailure(error);
      else log(`schedule reconciliation (${reason}) failed, retried on the next reconnect or period: ${(error as Error).message}`);
    }
  }

  return function reconcile(reason: string): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      await pass(reason);
      while (again) {
        again = false;
        await pass(`${reason}, repeated`);
      }
      running = undefined;
    })();
    return running;
  };
}
