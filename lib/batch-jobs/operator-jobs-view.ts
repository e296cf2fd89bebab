import { getJobWithStatus, jobConfiguration, listJobConfigurations, listJobsWithStatus, nextExecutionOf, type JobConfiguration, type JobWithStatus } from './list-jobs-with-status';
import type { RunSummary } from '../runs/run-summary';
import { cachedView, configurationChangedSince, type ConfigurationChange } from '../cache';

// What the operator's Scheduled jobs list and job page show. The job's configuration (schedule,
// description) comes from the operator-facing cache, so an administrator's Save shows only after
// Clear cache, as in the vendor's product. The runs (active, last start and end) are read live:
// they are not configuration, and a stale "nothing running" would mislead the operator.

export type OperatorJobView = JobConfiguration & {
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

function combine(cached: JobConfiguration, live: JobWithStatus | undefined, now: Date): OperatorJobView {
  // A view cached before schedules could be paused says `enabled` instead: keep what it showed.
  const legacy = cached as JobConfiguration & { enabled?: boolean };
  const configuration = legacy.paused === undefined ? { ...cached, paused: legacy.enabled === false } : cached;
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
    cachedView('scheduled-jobs', listJobConfigurations),
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
  // On a miss, the configuration is the live row's (just read).
  const cached = await cachedView(`job:${jobKey}`, async () => jobConfiguration(live));
  // An entry written by an older release may be null (it cached "no such job"): never show nothing.
  const configuration = (cached.value as JobConfiguration | null) ?? jobConfiguration(live);
  return {
    job: combine(configuration, live, now),
    cachedAt: cached.cachedAt,
    fromCache: cached.fromCache,
    cacheUnavailable: cached.cacheUnavailable,
    configurationChange: await configurationChangedSince(cached.cachedAt, { jobKey }),
  };
}
