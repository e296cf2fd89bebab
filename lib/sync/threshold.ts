import { z } from 'zod';
import type { ResolvedJobOptions } from './job-options';

// The mass-deactivation threshold: before writing anything, a run of "Synchronize inactive LDAP
// Users" counts the active users it would deactivate and compares them with the job's limits. The
// check is recorded on the run (batch_runs.threshold_check) as it was made, so that the run page,
// the API and a retried attempt all read the same verdict.

export type ThresholdCheck = {
  wouldDeactivate: number;
  activeUsers: number;
  maxUsers: number | null;
  maxPercent: number | null;
  exceeded: boolean;
};

const thresholdCheckSchema = z.object({
  wouldDeactivate: z.number().int().nonnegative(),
  activeUsers: z.number().int().nonnegative(),
  maxUsers: z.number().nullable(),
  maxPercent: z.number().nullable(),
  exceeded: z.boolean(),
});

export function checkThreshold(wouldDeactivate: number, activeUsers: number, threshold: ResolvedJobOptions['threshold']): ThresholdCheck {
  const overUsers = threshold.maxUsers !== null && wouldDeactivate > threshold.maxUsers;
  const overPercent = threshold.maxPercent !== null && activeUsers > 0 && (wouldDeactivate * 100) / activeUsers > threshold.maxPercent;
  return { wouldDeactivate, activeUsers, maxUsers: threshold.maxUsers, maxPercent: threshold.maxPercent, exceeded: overUsers || overPercent };
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
 */
export function thresholdMessage(check: ThresholdCheck, kind: 'stopped' | 'stopping' | 'dry-run'): string {
  const counted = `${check.wouldDeactivate} of ${check.activeUsers} active users (${deactivatedShare(check)})`;
  const limits = `the job's safety threshold (${describeLimits(check)})`;
  switch (kind) {
    case 'stopped':
      return (
        `This run would deactivate ${counted}, above ${limits}. Nothing was changed: the changes it would make are listed below. ` +
        'Check the filter, or confirm the run to apply them.'
      );
    case 'stopping':
      return `It would deactivate ${counted}, above ${limits}. The run records the changes it would make, then stops for confirmation.`;
    case 'dry-run':
      return (
        `A real run would stop at the threshold: it would deactivate ${counted}, above ${limits}. ` +
        'This dry run went on and lists every change; an operator must confirm the real run.'
      );
  }
}

/**
 * A run that writes nothing, whose counters are the changes it would have made: a dry run, or a
 * run over the threshold that nobody confirmed (stopped, or recording before it stops).
 */
export function runWritesNothing(run: { dryRun: boolean; confirmed: boolean; status: string; thresholdCheck: unknown }): boolean {
  return run.dryRun || run.status === 'THRESHOLD_EXCEEDED' || (!run.confirmed && parseThresholdCheck(run.thresholdCheck)?.exceeded === true);
}
