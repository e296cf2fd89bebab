import { prisma } from '../db';
import { describeCronExpression } from '../cron/describe-cron-expression';
import { nextRuns } from '../cron/next-runs';
import { desiredSchedule } from '../queue/job-schedulers';
import { isActiveStatus, RUN_SUMMARY_SELECT, type RunSummary } from '../runs/run-summary';

export type JobWithStatus = {
  key: string;
  processName: string;
  symbolicName: string;
  description: string;
  cronExpression: string | null;
  timeZone: string;
  /** The expression is kept but does not fire (see BatchJob.paused). */
  paused: boolean;
  version: number;
  updatedAt: Date;
  updatedBy: string | null;
  /** Who last changed the filter the job runs with, and when (the two-person rule excludes them). */
  filterChangedBy: string | null;
  filterChangedAt: Date | null;
  /** "At 02:00, Monday through Friday"; null without an expression. */
  scheduleDescription: string | null;
  /** Next firing of the schedule; null when the job is paused or has no expression. */
  nextExecutionAt: Date | null;
  /** The queued or running run, if any. */
  activeRun: RunSummary | null;
  /** The most recent run (it may be the active one): last start, end and result. */
  lastRun: RunSummary | null;
  /** The most recent run that ended. */
  lastFinishedRun: RunSummary | null;
};

/**
 * The scheduled jobs with their status, for the operator's list and the admin's job page. The
 * next execution is computed from the saved schedule with the scheduler's own cron-parser.
 */
export async function listJobsWithStatus(options: { now?: Date } = {}): Promise<JobWithStatus[]> {
  const jobs = await prisma().batchJob.findMany({ orderBy: { key: 'asc' } });
  return Promise.all(jobs.map((job) => withStatus(job, options.now ?? new Date())));
}

export async function getJobWithStatus(jobKey: string, options: { now?: Date } = {}): Promise<JobWithStatus | null> {
  const job = await prisma().batchJob.findUnique({ where: { key: jobKey } });
  return job ? withStatus(job, options.now ?? new Date()) : null;
}

type JobRow = Awaited<ReturnType<ReturnType<typeof prisma>['batchJob']['findUniqueOrThrow']>>;

/** What an administrator configures of a job, as shown: the part the operator cache keeps. */
export type JobConfiguration = Pick<
  JobWithStatus,
  'key' | 'processName' | 'symbolicName' | 'description' | 'cronExpression' | 'timeZone' | 'paused' | 'scheduleDescription' | 'version'
>;

/** Every job's configuration alone (no run queries): what the operator cache is filled with. */
export async function listJobConfigurations(): Promise<JobConfiguration[]> {
  return (await prisma().batchJob.findMany({ orderBy: { key: 'asc' } })).map(jobConfiguration);
}

export function jobConfiguration(job: Omit<JobConfiguration, 'scheduleDescription'>): JobConfiguration {
  return {
    key: job.key,
    processName: job.processName,
    symbolicName: job.symbolicName,
    description: job.description,
    cronExpression: job.cronExpression,
    timeZone: job.timeZone,
    paused: job.paused,
    scheduleDescription: job.cronExpression ? (describeCronExpression(job.cronExpression) ?? null) : null,
    version: job.version,
  };
}

/** The next execution of a schedule from `now`; null when paused, empty, invalid or never firing. */
export function nextExecutionOf(job: Pick<JobConfiguration, 'key' | 'cronExpression' | 'timeZone' | 'paused'>, now: Date): Date | null {
  const schedule = desiredSchedule(job, now);
  if (!schedule) return null;
  return nextRuns(schedule.pattern, { timeZone: schedule.tz, count: 1, from: now })[0] ?? null;
}

async function withStatus(job: JobRow, now: Date): Promise<JobWithStatus> {
  const db = prisma();
  const [lastRun, lastFinishedRun, activeRun] = await Promise.all([
    db.batchRun.findFirst({ where: { jobKey: job.key }, orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }], select: RUN_SUMMARY_SELECT }),
    db.batchRun.findFirst({
      where: { jobKey: job.key, finishedAt: { not: null } },
      orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
      select: RUN_SUMMARY_SELECT,
    }),
    job.activeRunId == null
      ? null
      : db.batchRun.findUnique({ where: { id: job.activeRunId }, select: RUN_SUMMARY_SELECT }),
  ]);
  return {
    ...jobConfiguration(job),
    updatedAt: job.updatedAt,
    updatedBy: job.updatedBy,
    filterChangedBy: job.filterChangedBy,
    filterChangedAt: job.filterChangedAt,
    nextExecutionAt: nextExecutionOf(job, now),
    activeRun: activeRun && isActiveStatus(activeRun.status) ? activeRun : null,
    lastRun,
    lastFinishedRun,
  };
}
