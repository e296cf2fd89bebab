import { getJobWithStatus, listJobsWithStatus, type JobWithStatus, type RunSummary } from '../batch-jobs';
import { cachedView, configurationChangedSince, type ConfigurationChange } from '../cache';
import { nextRuns } from '../cron/next-runs';
import { desiredSchedule } from '../queue/job-schedulers';

// What the operator's Scheduled jobs list and job page show. The job's configuration (schedule,
// description) comes from the operator-facing cache, so an administrator's Save shows only after
// Clear cache, as in the vendor's product. The runs (active, last start and end) are read live:
// they are not configuration, and a stale "nothing running" would mislead the operator.

export type JobConfigurationView = Pick<
  JobWithStatus,
  'key' | 'processName' | 'symbolicName' | 'description' | 'cronExpression' | 'timeZone' | 'enabled' | 'scheduleDescription' | 'version'
>;

export type OperatorJobView = JobConfigurationView & {
  /** Next firing of the schedule shown (the cached one), from now. */
  nextExecutionAt: Date | null;
  activeRun: RunSummary | null;
  lastRun: RunSummary | null;
  lastFinishedRun: RunSummary | null;
};

export type OperatorViewMeta = {
  cachedAt: Date;
  fromCache: boolean;
  cacheUnavailable: boolean;
  /** Set when an administrator saved a configuration after the view was cached. */
  configurationChange: ConfigurationChange | null;
};

function configurationOf(job: JobWithStatus): JobConfigurationView {
  return {
    key: job.key,
    processName: job.processName,
    symbolicName: job.symbolicName,
    description: job.description,
    cronExpression: job.cronExpression,
    timeZone: job.timeZone,
    enabled: job.enabled,
    scheduleDescription: job.scheduleDescription,
    version: job.version,
  };
}

/** The next execution of a schedule from `now`; null when disabled, empty or invalid. */
export function nextExecutionOf(job: Pick<JobConfigurationView, 'key' | 'cronExpression' | 'timeZone' | 'enabled'>, now: Date): Date | null {
  const schedule = desiredSchedule(job);
  if (!schedule) return null;
  return nextRuns(schedule.pattern, { timeZone: schedule.tz, count: 1, from: now })[0] ?? null;
}

function combine(configuration: JobConfigurationView, live: JobWithStatus | undefined, now: Date): OperatorJobView {
  return {
    ...configuration,
    nextExecutionAt: nextExecutionOf(configuration, now),
    activeRun: live?.activeRun ?? null,
    lastRun: live?.lastRun ?? null,
    lastFinishedRun: live?.lastFinishedRun ?? null,
  };
}

export async function operatorJobsView(options: { now?: Date } = {}): Promise<{ jobs: OperatorJobView[] } & OperatorViewMeta> {
  const now = options.now ?? new Date();
  const [cached, live] = await Promise.all([
    cachedView('scheduled-jobs', async () => (await listJobsWithStatus()).map(configurationOf)),
    listJobsWithStatus({ now }),
  ]);
  const liveByKey = new Map(live.map((j) => [j.key, j]));
  return {
    jobs: cached.value.map((c) => combine(c, liveByKey.get(c.key), now)),
    cachedAt: cached.cachedAt,
    fromCache: cached.fromCache,
    cacheUnavailable: cached.cacheUnavailable,
    configurationChange: await configurationChangedSince(cached.cachedAt),
  };
}

export async function operatorJobView(jobKey: string, options: { now?: Date } = {}): Promise<({ job: OperatorJobView } & OperatorViewMeta) | null> {
  const now = options.now ?? new Date();
  const live = await getJobWithStatus(jobKey, { now });
  if (!live) return null;
  const cached = await cachedView(`job:${jobKey}`, async () => {
    const job = await getJobWithStatus(jobKey, { now });
    return job ? configurationOf(job) : null;
  });
  // A job cached before it existed cannot happen (keys are seeded), but never show nothing.
  const configuration = cached.value ?? configurationOf(live);
  return {
    job: combine(configuration, live, now),
    cachedAt: cached.cachedAt,
    fromCache: cached.fromCache,
    cacheUnavailable: cached.cacheUnavailable,
    configurationChange: await configurationChangedSince(cached.cachedAt, { jobKey }),
  };
}
