import type { JobSchedulerJson } from 'bullmq';
import type { PrismaClient } from '../generated/prisma/client';
import { validateCronExpression } from '../cron/validate-cron-expression';
import { validateTimeZone } from '../cron/time-zone';
import { RUN_JOB_OPTIONS, type BatchJobData, type BatchJobsQueue } from './batch-jobs-queue';

// The database is the source of truth for schedules: BullMQ job schedulers are derived from
// batch_jobs (expression, time zone, enabled) and can always be rebuilt from it.

export type JobScheduleSource = {
  key: string;
  cronExpression: string | null;
  timeZone: string;
  enabled: boolean;
};

export type DesiredSchedule = { pattern: string; tz: string };

export function schedulerIdFor(jobKey: string): string {
  return `batch-job:${jobKey}`;
}

function jobKeyOf(schedulerId: string): string | undefined {
  return schedulerId.startsWith('batch-job:') ? schedulerId.slice('batch-job:'.length) : undefined;
}

/** The scheduler a job should have, or null when it should have none (disabled, no or invalid expression). */
export function desiredSchedule(job: JobScheduleSource): DesiredSchedule | null {
  if (!job.enabled || !job.cronExpression) return null;
  const cron = validateCronExpression(job.cronExpression);
  const tz = validateTimeZone(job.timeZone);
  if (!cron.ok || !tz.ok) return null;
  return { pattern: cron.expression, tz: tz.timeZone };
}

export type ScheduleChange = 'upserted' | 'removed' | 'unchanged';

/** Makes the job's scheduler match the job; `current` avoids a Redis read when the caller has it. */
export async function applyJobSchedule(
  queue: BatchJobsQueue,
  job: JobScheduleSource,
  current?: JobSchedulerJson<BatchJobData> | null,
): Promise<ScheduleChange> {
  const id = schedulerIdFor(job.key);
  const existing = current === undefined ? await queue.getJobScheduler(id) : current;
  const desired = desiredSchedule(job);
  if (!desired) {
    if (!existing) return 'unchanged';
    await queue.removeJobScheduler(id);
    return 'removed';
  }
  // Upserting an unchanged scheduler would recompute its next firing for nothing.
  if (
    existing &&
    existing.pattern === desired.pattern &&
    (existing.tz ?? 'UTC') === desired.tz &&
    existing.template?.opts?.attempts === RUN_JOB_OPTIONS.attempts &&
    (existing.template?.opts?.backoff as { type?: string } | undefined)?.type === RUN_JOB_OPTIONS.backoff.type
  ) {
    return 'unchanged';
  }
  await queue.upsertJobScheduler(
    id,
    { pattern: desired.pattern, tz: desired.tz },
    { name: job.key, data: { jobKey: job.key, trigger: 'SCHEDULE' }, opts: RUN_JOB_OPTIONS },
  );
  return 'upserted';
}

export type ReconcileResult = Record<ScheduleChange, string[]>;

/**
 * Brings all job schedulers in line with batch_jobs: missing ones are created (a flushed or
 * replaced Redis), changed ones replaced, and schedulers of jobs that no longer exist removed.
 */
export async function reconcileJobSchedulers(queue: BatchJobsQueue, db: PrismaClient): Promise<ReconcileResult> {
  const jobs = await db.batchJob.findMany({
    select: { key: true, cronExpression: true, timeZone: true, enabled: true },
    orderBy: { key: 'asc' },
  });
  const schedulers = await queue.getJobSchedulers(0, -1, true);
  const byId = new Map(schedulers.map((s) => [s.key, s]));
  const result: ReconcileResult = { upserted: [], removed: [], unchanged: [] };
  for (const job of jobs) {
    const change = await applyJobSchedule(queue, job, byId.get(schedulerIdFor(job.key)) ?? null);
    result[change].push(job.key);
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
