import type { BatchJobsQueue } from '@/lib/queue/batch-jobs-queue';
import { reconcileJobSchedulers } from '@/lib/queue/job-schedulers';
import { log } from './log';

/**
 * Reconciles job schedulers with the database, one pass at a time: a pass requested while one
 * runs is done once after it, so bursts of reconnects do not pile up.
 */
export function createScheduleReconciler(queue: BatchJobsQueue, onReconciled: () => Promise<unknown> = async () => undefined) {
  let running: Promise<void> | undefined;
  let again = false;

  async function pass(reason: string): Promise<void> {
    try {
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
      if (!result.failed.length) await onReconciled();
    } catch (error) {
      log(`schedule reconciliation (${reason}) failed, retried on the next reconnect or period: ${(error as Error).message}`);
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
