import type { JobSchedulerJson } from 'bullmq';
import { pool } from '../db-pool';
import { validateCronExpression } from '../cron/validate-cron-expression';
import { validateTimeZone } from '../cron/time-zone';
import { RUN_JOB_OPTIONS, type BatchJobData, type BatchJobsQueue } from './batch-jobs-queue';

// The database is the source of truth for schedules: BullMQ job schedulers are derived from
// batch_jobs (expression, time zone, paused) and can always be rebuilt from it. What BullMQ holds is
// read back after every change: BullMQ's upsert silently keeps the old scheduler when it cannot
// compute a next firing, and "saved" must never mean "scheduled something else".

export type JobScheduleSource = {
  key: string;
  cronExpression: string | null;
  timeZone: string;
  paused: boolean;
};

export type DesiredSchedule = { pattern: string; tz: string };

export function schedulerIdFor(jobKey: string): string {
  return `batch-job:${jobKey}`;
}

function jobKeyOf(schedulerId: string): string | undefined {
  return schedulerId.startsWith('batch-job:') ? schedulerId.slice('batch-job:'.length) : undefined;
}

/** The scheduler a job should have, or null when it should have none (paused, no or invalid expression). */
export function desiredSchedule(job: JobScheduleSource, now: Date = new Date()): DesiredSchedule | null {
  if (job.paused || !job.cronExpression) return null;
  // An expression that no longer fires (its last occurrence passed) wants no scheduler either.
  const cron = validateCronExpression(job.cronExpression, { now });
  const tz = validateTimeZone(job.timeZone);
  if (!cron.ok || !tz.ok) return null;
  return { pattern: cron.expression, tz: tz.timeZone };
}

export type ScheduleChange = 'upserted' | 'removed' | 'unchanged';

/** BullMQ holds something other than the saved schedule after the change was asked for. */
export class SchedulerMismatchError extends Error {
  constructor(
    readonly jobKey: string,
    readonly desired: DesiredSchedule | null,
    readonly held: { pattern: string | null; tz: string | null } | null,
  ) {
    const wanted = desired ? `"${desired.pattern}" (${desired.tz})` : 'no scheduler';
    const got = held ? `"${held.pattern ?? ''}" (${held.tz ?? 'UTC'})` : 'no scheduler';
    super(`The scheduler in Redis did not take the schedule of ${jobKey}: it should hold ${wanted} but holds ${got}.`);
    this.name = 'SchedulerMismatchError';
  }
}

function holds(existing: JobSchedulerJson<BatchJobData> | null | undefined, desired: DesiredSchedule | null): boolean {
  if (!desired) return !existing;
  return (
    !!existing &&
    existing.pattern === desired.pattern &&
    (existing.tz ?? 'UTC') === desired.tz &&
    existing.template?.opts?.attempts === RUN_JOB_OPTIONS.attempts &&
    (existing.template?.opts?.backoff as { type?: string } | undefined)?.type === RUN_JOB_OPTIONS.backoff.type
  );
}

/**
 * Makes the job's scheduler match the job and reads it back; `current` avoids a Redis read when
 * the caller has it. Throws SchedulerMismatchError when BullMQ did not take the change.
 */
export async function applyJobSchedule(
  queue: BatchJobsQueue,
  job: JobScheduleSource,
  current?: JobSchedulerJson<BatchJobData> | null,
): Promise<ScheduleChange> {
  const id = schedulerIdFor(job.key);
  const existing = current === undefined ? await queue.getJobScheduler(id) : current;
  const desired = desiredSchedule(job);
  // Upserting an unchanged scheduler would recompute its next firing for nothing.
  if (holds(existing, desired)) return 'unchanged';
  if (desired) {
    await queue.upsertJobScheduler(
      id,
      { pattern: desired.pattern, tz: desired.tz },
      { name: job.key, data: { jobKey: job.key, trigger: 'SCHEDULE' }, opts: RUN_JOB_OPTIONS },
    );
  } else {
    await queue.removeJobScheduler(id);
  }
  const after = await queue.getJobScheduler(id);
  if (!holds(after, desired)) {
    throw new SchedulerMismatchError(job.key, desired, after ? { pattern: after.pattern ?? null, tz: after.tz ?? null } : null);
  }
  return desired ? 'upserted' : 'removed';
}

export type ReconcileResult = Record<ScheduleChange, string[]> & {
  /** Jobs whose scheduler could not be brought in line (the reason is in the message). */
  failed: { jobKey: string; message: string }[];
};

/**
 * Brings all job schedulers in line with batch_jobs: missing ones are created (a flushed or
 * replaced Redis), changed ones replaced, and schedulers of jobs that no longer exist removed.
 * A change is reported only when Redis holds it afterwards; a job that fails does not stop the others.
 */
export async function reconcileJobSchedulers(queue: BatchJobsQueue): Promise<ReconcileResult> {
  // Plain SQL: the worker runs without Prisma (lib/db-pool.ts).
  const { rows: jobs } = await pool().query<JobScheduleSource>(
    'SELECT key, cron_expression AS "cronExpression", time_zone AS "timeZone", paused FROM batch_jobs ORDER BY key',
  );
  const schedulers = await queue.getJobSchedulers(0, -1, true);
  const byId = new Map(schedulers.map((s) => [s.key, s]));
  const result: ReconcileResult = { upserted: [], removed: [], unchanged: [], failed: [] };
  for (const job of jobs) {
    try {
      const change = await applyJobSchedule(queue, job, byId.get(schedulerIdFor(job.key)) ?? null);
      result[change].push(job.key);
    } catch (error) {
      if (!(error instanceof SchedulerMismatchError)) throw error;
      result.failed.push({ jobKey: job.key, message: error.message });
    }
  }
  const known = new Set(jobs.map((j) => j.key));
  for (const scheduler of schedulers) {
    const key = jobKeyOf(scheduler.key);
    if (key === undefined || known.has(key)) continue;
    await queue.removeJobScheduler(scheduler.key);
    result.removed.push(key);
  }
  return result;
}
