import { LocalTime } from '@/components/local-time';
import type { OperatorViewMeta } from '@/lib/batch-jobs/operator-jobs-view';

/** How old the cached view is, and whether an administrator saved something newer since. */
export function CacheNotice({ cachedAt, fromCache, cacheUnavailable, configurationChange }: OperatorViewMeta) {
  return (
    <div className="mb-4 space-y-2">
      {configurationChange && (
        <p role="status" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          Configuration changed at <LocalTime value={configurationChange.changedAt} format="time" /> by {configurationChange.changedBy ?? 'someone'}; click
          Clear cache to see it.
        </p>
      )}
      {cacheUnavailable && (
        <p className="rounded-lg border border-slate-200 bg-white px-4 py-3 text-sm text-slate-700">
          The cache (Redis) did not answer: this page shows the configuration straight from the database.
        </p>
      )}
      <p className="text-xs text-slate-500">
        {fromCache ? 'Configuration as cached at ' : 'Configuration read at '}
        <LocalTime value={cachedAt} withSeconds />. Runs are shown live.
      </p>
    </div>
  );
}
