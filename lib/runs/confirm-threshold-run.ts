import { recordAudit } from '../audit/record-audit';
import type { AccountRole } from '../auth/roles';
import { prisma } from '../db';
import { startJobRun } from './start-job-run';
import { mayConfirm, parseConfirmationRule, stricterRule, type ConfirmationDecision, type ConfirmationRule } from '../batch-jobs/confirmation-rule';
import { parseThresholdCheck } from '../sync/threshold';
import { startRestore, type StartRestoreResult } from '../restore/start-restore';
import type { BatchJobsQueue } from '../queue/batch-jobs-queue';
import type { Refusal } from '../errors/error-codes';

/** The job's rule and whom it excludes, for a run that stopped at the threshold (the run page shows it). */
export type ThresholdConfirmation = {
  rule: ConfirmationRule;
  startedBy: string | null;
  filterChangedBy: string | null;
  filterChangedAt: Date | null;
};

/** The rule a stopped run recorded; a restore asks an administrator whatever it says (only they restore). */
function recordedRule(run: { thresholdCheck: unknown; restoreOfRunId: number | null }): ConfirmationRule | null {
  const recorded = parseThresholdCheck(run.thresholdCheck)?.confirmationRule ?? null;
  return run.restoreOfRunId !== null ? stricterRule(recorded, 'ADMINISTRATOR') : recorded;
}

export async function thresholdConfirmationOf(run: { jobKey: string; startedBy: string | null; thresholdCheck: unknown; restoreOfRunId: number | null }): Promise<ThresholdConfirmation> {
  const job = await prisma().batchJob.findUnique({ where: { key: run.jobKey }, select: { options: true, filterChangedBy: true, filterChangedAt: true } });
  return {
    rule: stricterRule(recordedRule(run), parseConfirmationRule((job?.options as { confirmationRule?: unknown } | null)?.confirmationRule)),
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
  /** false: only create the confirmed run (the caller executes it, e.g. a test). */
  enqueue?: boolean;
};

export type ConfirmThresholdRunResult =
  | StartRestoreResult
  | ({ started: false } & Refusal<'run_not_stopped_at_threshold'>);

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
    select: { id: true, jobKey: true, status: true, dryRun: true, wouldDeactivate: true, entriesTotal: true, startedBy: true, thresholdCheck: true, restoreOfRunId: true },
  });
  if (!run) return { started: false, code: 'not_found', message: `There is no run #${options.runId}.` };
  if (run.status !== 'THRESHOLD_EXCEEDED') {
    return { started: false, code: 'run_not_stopped_at_threshold', message: `Run #${run.id} did not stop at the threshold; there is nothing to confirm.` };
  }
  const threshold = parseThresholdCheck(run.thresholdCheck);
  const confirms = { runId: run.id, entriesTotal: run.entriesTotal, startedBy: run.startedBy, rule: recordedRule(run) };
  const confirmer = { role: options.role, aliases: options.aliases ?? [] };
  // A restore that stopped at the threshold: confirming it restores the same run, confirmed.
  const result =
    run.restoreOfRunId !== null
      ? await startRestore({ runId: run.restoreOfRunId, dryRun: false, trigger: 'MANUAL', actor: options.actor, confirmed: true, confirmer, confirms, ip: options.ip ?? null, queue: options.queue, enqueue: options.enqueue })
      : await startJobRun({
          jobKey: run.jobKey,
          trigger: 'MANUAL',
          startedBy: options.actor,
          dryRun: run.dryRun,
          confirmed: true,
          confirmer,
          confirms,
          ip: options.ip ?? null,
          queue: options.queue,
          enqueue: options.enqueue,
        });
  if (result.started || result.code === 'queue_unavailable') {
    const confirming = result.run;
    await recordAudit({
      actor: options.actor,
      action: 'run.threshold_confirmed',
      target: run.jobKey,
      ip: options.ip ?? null,
      details: {
        runId: run.id,
        wouldDeactivate: run.wouldDeactivate ?? threshold?.wouldDeactivate ?? null,
        ...(run.restoreOfRunId !== null ? { restoreOfRunId: run.restoreOfRunId } : {}),
        confirmingRunId: confirming.id,
        confirmedBy: confirming.confirmedBy,
        confirmedAt: confirming.confirmedAt?.toISOString() ?? null,
        role: options.role,
      },
    });
  }
  return result;
}
