import { z } from 'zod';
import { CONFIRMATION_RULES, type ConfirmationRule } from '../batch-jobs/confirmation-rule';
import type { ResolvedJobOptions } from './job-options';

// The mass-deactivation threshold: before writing anything, a run of "Synchronize inactive LDAP
// Users" counts the active users it would deactivate and compares them with the job's limits. The
// check is recorded on the run (batch_runs.threshold_check) as it was made, so that the run page,
// the API and a retried attempt all read the same verdict.
//
// A restore run (lib/restore) is held to the same limits: restoring thousands of people at once
// is as much a mass change as deactivating them, so a restore above the threshold stops for the
// same confirmation. Its check counts the people it would restore in `wouldDeactivate` (the
// number the limits are compared with, whichever way the change goes).

export type ThresholdCheck = {
  /** The people the run would deactivate (a restore: restore), compared with the limits. */
  wouldDeactivate: number;
  activeUsers: number;
  maxUsers: number | null;
  maxPercent: number | null;
  exceeded: boolean;
  /** The job's confirmation rule when the check was made (absent on older runs): see stricterRule. */
  confirmationRule?: ConfirmationRule;
};

export const thresholdCheckSchema = z.object({
  wouldDeactivate: z.number().int().nonnegative(),
  activeUsers: z.number().int().nonnegative(),
  maxUsers: z.number().nullable(),
  maxPercent: z.number().nullable(),
  exceeded: z.boolean(),
  confirmationRule: z.enum(CONFIRMATION_RULES).optional(),
});

export function checkThreshold(wouldDeactivate: number, activeUsers: number, job: Pick<ResolvedJobOptions, 'threshold' | 'confirmationRule'>): ThresholdCheck {
  const { threshold } = job;
  const overUsers = threshold.maxUsers !== null && wouldDeactivate > threshold.maxUsers;
  const overPercent = threshold.maxPercent !== null && activeUsers > 0 && (wouldDeactivate * 100) / activeUsers > threshold.maxPercent;
  return {
    wouldDeactivate,
    activeUsers,
    maxUsers: threshold.maxUsers,
    maxPercent: threshold.maxPercent,
    exceeded: overUsers || overPercent,
    confirmationRule: job.confirmationRule,
  };
}

/** The stored check; null for runs without one (the active job, confirmed runs, older rows). */
export function parseThresholdCheck(raw: unknown): ThresholdCheck | null {
  const parsed = thresholdCheckSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** "12.5%": the share of active users, one decimal. */
function deactivatedShare(check: Pick<ThresholdCheck, 'wouldDeactivate' | 'activeUsers'>): string {
  return `${check.activeUsers ? ((check.wouldDeactivate * 100) / check.activeUsers).toFixed(1) : '0.0'}%`;
}

/** "500 users / 10%": the job's limits as configured when the check was made. */
function describeLimits(check: Pick<ThresholdCheck, 'maxUsers' | 'maxPercent'>): string {
  const users = check.maxUsers === null ? 'no user limit' : `${check.maxUsers} users`;
  const percent = check.maxPercent === null ? 'no % limit' : `${check.maxPercent}%`;
  return `${users} / ${percent}`;
}

/**
 * What a run over the threshold says about it: `stopped` once it has ended THRESHOLD_EXCEEDED,
 * `stopping` while it records the changes it would make, `dry-run` for a dry run, which goes on.
 * `restore`: the run is a restore (it would restore people, not deactivate them).
 */
export function thresholdMessage(check: ThresholdCheck, kind: 'stopped' | 'stopping' | 'dry-run', restore = false): string {
  const counted = restore
    ? `${check.wouldDeactivate} users (${deactivatedShare(check)} of the ${check.activeUsers} active users)`
    : `${check.wouldDeactivate} of ${check.activeUsers} active users (${deactivatedShare(check)})`;
  const verb = restore ? 'restore' : 'deactivate';
  const limits = `the job's safety threshold (${describeLimits(check)})`;
  switch (kind) {
    case 'stopped':
      return (
        `This ${restore ? 'restore' : 'run'} would ${verb} ${counted}, above ${limits}. Nothing was changed: the changes it would make are listed below. ` +
        (restore ? 'Confirm the restore to apply them.' : 'Check the filter, or confirm the run to apply them.')
      );
    case 'stopping':
      return `It would ${verb} ${counted}, above ${limits}. The ${restore ? 'restore' : 'run'} records the changes it would make, then stops for confirmation.`;
    case 'dry-run':
      return restore
        ? `The restore would ${verb} ${counted}, above ${limits}: it must be confirmed under the job's confirmation rule.`
        : `A real run would stop at the threshold: it would deactivate ${counted}, above ${limits}. ` +
            'This dry run went on and lists every change; an operator must confirm the real run.';
  }
}

/**
 * A run that writes nothing, whose counters are the changes it would have made: a dry run, or a
 * run over the threshold that nobody confirmed (stopped, or recording before it stops).
 */
export function runWritesNothing(run: { dryRun: boolean; confirmed: boolean; status: string; thresholdCheck: unknown }): boolean {
  return run.dryRun || run.status === 'THRESHOLD_EXCEEDED' || (!run.confirmed && parseThresholdCheck(run.thresholdCheck)?.exceeded === true);
}
