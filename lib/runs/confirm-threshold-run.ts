import { recordAudit } from '../audit';
import type { AccountRole } from '../auth/roles';
import { prisma } from '../db';
import { startJobRun, type StartJobRunResult } from '../batch-jobs/start-job-run';
import { mayConfirm, parseConfirmationRule, type ConfirmationDecision, type ConfirmationRule } from '../batch-jobs/confirmation-rule';
import type { BatchJobsQueue } from '../queue/batch-jobs-queue';

/** The job's rule and whom it excludes, for a run that stopped at the threshold (the run page shows it). */
export type ThresholdConfirmation = {
  rule: ConfirmationRule;
  startedBy: string | null;
  filterChangedBy: string | null;
  filterChangedAt: Date | null;
};

export async function thresholdConfirmationOf(run: { jobKey: string; startedBy: string | null }): Promise<ThresholdConfirmation> {
  const job = await prisma().batchJob.findUnique({ where: { key: run.jobKey }, select: { options: true, filterChangedBy: true, filterChangedAt: true } });
  return {
    rule: parseConfirmationRule((job?.options as { confirmationRule?: unknown } | null)?.confirmationRule),
    startedBy: run.startedBy,
    filterChangedBy: job?.filterChangedBy ?? null,
    filterChangedAt: job?.filterChangedAt ?? null,
  };
}

/**
 * May this account confirm the stopped run? What the run page asks before it offers the button;
 * the use case below decides again (through startJobRun) whatever the page showed.
 */
export function mayConfirmThresholdRun(account: { username: string; role: AccountRole }, confirmation: ThresholdConfirmation): ConfirmationDecision {
  return mayConfirm(confirmation.rule, { actor: account, startedBy: confirmation.startedBy, filterChangedBy: confirmation.filterChangedBy });
}

export type ConfirmThresholdRunOptions = {
  /** The run that stopped with THRESHOLD_EXCEEDED. */
  runId: number;
  /** Account username (or api-token:NAME) of who confirms. */
  actor: string;
  /** The role they act with: the job's confirmation rule decides with it. */
  role: AccountRole;
  /** Other names of the same person (the administrator who created the API token). */
  aliases?: string[];
  ip?: string | null;
  queue?: BatchJobsQueue;
};

export type ConfirmThresholdRunResult =
  | StartJobRunResult
  | { started: false; reason: 'not_threshold_exceeded'; message: string };

/**
 * Starts the job again with the threshold confirmed, after a run stopped at it (whose changes
 * the operator has seen listed on its page), if the job's confirmation rule lets this actor
 * (lib/batch-jobs/confirmation-rule.ts). The new run applies what it finds then, without a second
 * counting pass; the stopped run's count of entries is its expected total. Who confirmed and when
 * is recorded on both runs (confirmed_by, confirmed_at) and in the audit log.
 */
export async function confirmThresholdRun(options: ConfirmThresholdRunOptions): Promise<ConfirmThresholdRunResult> {
  const run = await prisma().batchRun.findUnique({
    where: { id: options.runId },
    select: { id: true, jobKey: true, status: true, dryRun: true, wouldDeactivate: true, entriesTotal: true, startedBy: true },
  });
  if (!run) return { started: false, reason: 'not_found', message: `There is no run #${options.runId}.` };
  if (run.status !== 'THRESHOLD_EXCEEDED') {
    return { started: false, reason: 'not_threshold_exceeded', message: `Run #${run.id} did not stop at the threshold; there is nothing to confirm.` };
  }
  const result = await startJobRun({
    jobKey: run.jobKey,
    trigger: 'MANUAL',
    startedBy: options.actor,
    dryRun: run.dryRun,
    confirmed: true,
    confirmer: { role: options.role, aliases: options.aliases ?? [] },
    confirms: { runId: run.id, entriesTotal: run.entriesTotal, startedBy: run.startedBy },
    ip: options.ip ?? null,
    queue: options.queue,
  });
  if (result.started || result.reason === 'queue_unavailable') {
    const confirming = result.run;
    await recordAudit({
      actor: options.actor,
      action: 'run.threshold_confirmed',
      target: run.jobKey,
      ip: options.ip ?? null,
      details: {
        runId: run.id,
        wouldDeactivate: run.wouldDeactivate,
        confirmingRunId: confirming.id,
        confirmedBy: confirming.confirmedBy,
        confirmedAt: confirming.confirmedAt?.toISOString() ?? null,
        role: options.role,
      },
    });
  }
  return result;
}
