import { recordAudit } from '../audit/record-audit';
import { prisma } from '../db';
import { validateCronExpression } from '../cron/validate-cron-expression';
import { validateTimeZone } from '../cron/time-zone';
import { batchJobsQueue, type BatchJobsQueue } from '../queue/batch-jobs-queue';
import { applyJobSchedule, SchedulerMismatchError, type ScheduleChange } from '../queue/job-schedulers';
import { withRedisTimeout } from '../queue/redis-timeout';
import { safetySettingsOf, isSyncJobKey, type JobOptions } from '../sync/job-options';
import { checkSavedFilterOverlap, overlapAuditDetails, type FilterOverlap } from './check-filter-overlap';
import type { Refusal } from '../errors/error-codes';

export type SaveJobScheduleOptions = {
  jobKey: string;
  /** Empty or null clears the schedule (the job then runs only when started by hand). */
  cronExpression: string | null;
  timeZone: string;
  /** Keep the expression but do not fire it. Ignored without an expression (nothing to pause). */
  paused?: boolean;
  /** batch_jobs.version the administrator edited: a concurrent save makes this one a conflict. */
  expectedVersion: number;
  /** Account username of the administrator. */
  actor: string;
  ip?: string | null;
  queue?: BatchJobsQueue;
  /** The job's options (filter, mapping, thresholds), already validated; saved under the same version check. */
  options?: JobOptions;
};

export type SavedJobSchedule = {
  key: string;
  cronExpression: string | null;
  timeZone: string;
  paused: boolean;
  version: number;
  updatedAt: Date;
  updatedBy: string | null;
  options: unknown;
};

/**
 * What happened to the BullMQ job scheduler, read back from Redis; 'pending' when Redis did not
 * answer, 'failed' when it holds something else (the worker reconciles both).
 */
export type SchedulerOutcome = ScheduleChange | 'pending' | 'failed';

export type SaveJobScheduleResult =
  | {
      ok: true;
      job: SavedJobSchedule;
      warnings: string[];
      scheduler: SchedulerOutcome;
      /** With options: the people both jobs' filters match, counted after the save (a warning, never a refusal). */
      filterOverlap?: FilterOverlap;
    }
  | ({ ok: false } & Refusal<'validation_failed', { fieldErrors: { cronExpression?: string; timeZone?: string } }>)
  | ({ ok: false } & Refusal<'not_found'>)
  | ({ ok: false } & Refusal<'schedule_conflict', { current: SavedJobSchedule }>);

const SAVED_SELECT = {
  key: true,
  cronExpression: true,
  timeZone: true,
  paused: true,
  version: true,
  updatedAt: true,
  updatedBy: true,
  options: true,
} as const;

/**
 * Saves a job's schedule (expression, time zone, paused) and applies it to its BullMQ job
 * scheduler at once. The database row is the source of truth: if Redis is unreachable the save
 * still stands and the worker's reconciliation creates the scheduler when Redis is back.
 */
export async function saveJobSchedule(options: SaveJobScheduleOptions): Promise<SaveJobScheduleResult> {
  const fieldErrors: { cronExpression?: string; timeZone?: string } = {};
  const rawExpression = options.cronExpression?.trim() ?? '';
  let cronExpression: string | null = null;
  let warnings: string[] = [];
  if (rawExpression !== '') {
    const cron = validateCronExpression(rawExpression);
    if (cron.ok) {
      cronExpression = cron.expression;
      warnings = cron.warnings;
    } else {
      fieldErrors.cronExpression = cron.error;
    }
  }
  const tz = validateTimeZone(options.timeZone);
  if (!tz.ok) fieldErrors.timeZone = tz.error;
  if (fieldErrors.cronExpression || fieldErrors.timeZone || !tz.ok) return { ok: false, code: 'validation_failed', message: 'The schedule is not valid.', fieldErrors };

  const db = prisma();
  const before = await db.batchJob.findUnique({ where: { key: options.jobKey }, select: SAVED_SELECT });
  if (!before) return { ok: false, code: 'not_found', message: `There is no batch job "${options.jobKey}".` };

  // Who changed the filter is what the two-person rule of the threshold confirmation refuses
  // (lib/batch-jobs/confirmation-rule.ts): recorded when the filter the job runs with changes, and
  // when its threshold or confirmation rule does (raising the limit would otherwise let one
  // administrator do alone what the rule asks two for).
  const filterChanged =
    options.options !== undefined &&
    isSyncJobKey(options.jobKey) &&
    safetySettingsOf(options.jobKey, before.options) !== safetySettingsOf(options.jobKey, options.options);
  // Optimistic concurrency: only the version the administrator saw may be replaced.
  const { count } = await db.batchJob.updateMany({
    where: { key: options.jobKey, version: options.expectedVersion },
    data: {
      cronExpression,
      timeZone: tz.timeZone,
      paused: cronExpression !== null && options.paused === true,
      ...(options.options !== undefined ? { options: options.options } : {}),
      version: { increment: 1 },
      updatedBy: options.actor,
      ...(filterChanged ? { filterChangedBy: options.actor, filterChangedAt: new Date() } : {}),
    },
  });
  if (count === 0) {
    const current = await db.batchJob.findUniqueOrThrow({ where: { key: options.jobKey }, select: SAVED_SELECT });
    return {
      ok: false,
      code: 'schedule_conflict',
      current,
      message:
        `${current.updatedBy ?? 'Someone'} changed this schedule at ${current.updatedAt.toISOString()} after you opened it. ` +
        'Reload the page to see their version, then save again.',
    };
  }
  const job = await db.batchJob.findUniqueOrThrow({ where: { key: options.jobKey }, select: SAVED_SELECT });
  // The overlap count asks the directory (up to 10 s when it is slow): the scheduler does not wait for it.
  const overlapCheck = options.options !== undefined && isSyncJobKey(options.jobKey) ? checkSavedFilterOverlap({ jobKey: options.jobKey, options: job.options }) : undefined;

  let scheduler: SchedulerOutcome;
  try {
    scheduler = await withRedisTimeout(
      applyJobSchedule(options.queue ?? batchJobsQueue(), job),
      'update the job scheduler',
    );
  } catch (error) {
    if (error instanceof SchedulerMismatchError) {
      scheduler = 'failed';
      warnings = [...warnings, `Saved, but ${error.message} The worker tries again at its next reconciliation; check its log.`];
    } else {
      scheduler = 'pending';
      warnings = [
        ...warnings,
        `Saved, but the scheduler could not be updated now (${(error as Error).message}). ` +
          'The worker applies the saved schedule as soon as it reaches Redis.',
      ];
    }
  }
  const filterOverlap = await overlapCheck; // never throws

  await recordAudit({
    actor: options.actor,
    action: 'job.schedule.saved',
    target: options.jobKey,
    ip: options.ip ?? null,
    details: {
      before: {
        cronExpression: before.cronExpression,
        timeZone: before.timeZone,
        paused: before.paused,
        ...(options.options !== undefined ? { options: before.options as object } : {}),
      },
      after: {
        cronExpression: job.cronExpression,
        timeZone: job.timeZone,
        paused: job.paused,
        ...(options.options !== undefined ? { options: job.options as object } : {}),
      },
      version: job.version,
      ...(filterChanged ? { filterChanged: true } : {}),
      scheduler,
      ...(filterOverlap ? { filterOverlap: overlapAuditDetails(filterOverlap) } : {}),
    },
  });
  return { ok: true, job, warnings, scheduler, ...(filterOverlap ? { filterOverlap } : {}) };
}
