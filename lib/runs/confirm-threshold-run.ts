import { recordAudit } from '../audit';
import type { AccountRole } from '../auth/roles';
import { prisma } from '../db';
import { startJobRun, type StartJobRunResult } from '../batch-jobs/start-job-run';
import type { BatchJobsQueue } from '../queue/batch-jobs-queue';

/**
 * Who may start a run past the deactivation threshold: whoever may start runs (operators and
 * administrators), as with Start now's confirm option and the API's `confirm`. The explicit
 * confirmation of the number is what the threshold asks for.
 */
export function mayConfirmThresholdRun(role: AccountRole): boolean {
  return role === 'OPERATOR' || role === 'ADMINISTRATOR';
}

export type ConfirmThresholdRunOptions = {
  /** The run that stopped with THRESHOLD_EXCEEDED. */
  runId: number;
  actor: string;
  ip?: string | null;
  queue?: BatchJobsQueue;
};

export type ConfirmThresholdRunResult =
  | StartJobRunResult
  | { started: false; reason: 'not_threshold_exceeded'; message: string };

/**
 * Starts the job again with the threshold confirmed, after a run stopped at it (whose changes
 * the operator has seen listed on its page). The new run applies what it finds then, without a
 * second counting pass; the stopped run's count of entries is its expected total.
 */
export async function confirmThresholdRun(options: ConfirmThresholdRunOptions): Promise<ConfirmThresholdRunResult> {
  const run = await prisma().batchRun.findUnique({
    where: { id: options.runId },
    select: { id: true, jobKey: true, status: true, dryRun: true, wouldDeactivate: true, entriesTotal: true },
  });
  if (!run) return { started: false, reason: 'not_found', message: `There is no run #${options.runId}.` };
  if (run.status !== 'THRESHOLD_EXCEEDED') {
    return { started: false, reason: 'not_threshold_exceeded', message: `Run #${run.id} did not stop at the threshold; there is nothing to confirm.` };
  }
  await recordAudit({
    actor: options.actor,
    action: 'run.threshold_confirmed',
    target: run.jobKey,
    ip: options.ip ?? null,
    details: { runId: run.id, wouldDeactivate: run.wouldDeactivate },
  });
  return startJobRun({
    jobKey: run.jobKey,
    trigger: 'MANUAL',
    startedBy: options.actor,
    dryRun: run.dryRun,
    confirmed: true,
    confirms: { runId: run.id, entriesTotal: run.entriesTotal },
    ip: options.ip ?? null,
    queue: options.queue,
  });
}
