import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { isRestoreRun } from '@/lib/runs/run-vocabulary';
import { DataTable } from '@/components/data-table';
import { LocalTime } from '@/components/local-time';
import { RunHistoryChart } from '@/components/run-history-chart';
import { RunStatusBadge } from '@/components/run-status-badge';
import { formatDuration } from '@/lib/runs/run-estimate';
import { listJobRunHistory } from '@/lib/runs/run-history';
import { RUN_TRIGGER_LABELS } from '@/lib/runs/run-status';
import { RUN_STATUS_LABELS } from '@/lib/labels';
import { operatorJobView } from '@/lib/batch-jobs/operator-jobs-view';
import { CacheNotice } from '../../scheduled-jobs/cache-notice';
import { ClearCacheButton } from '../../scheduled-jobs/clear-cache-button';
import { StartNowButton } from '../../scheduled-jobs/start-now-button';

export const metadata: Metadata = { title: 'Batch job · Identity Manager Operator' };

const jobKeySchema = z.string().regex(/^[a-z0-9-]{1,100}$/);

export default async function JobPage({ params }: { params: Promise<{ jobKey: string }> }) {
  await requirePageRole('OPERATOR');
  const parsed = jobKeySchema.safeParse((await params).jobKey);
  if (!parsed.success) notFound();
  const [view, history] = await Promise.all([operatorJobView(parsed.data), listJobRunHistory(parsed.data)]);
  if (!view) notFound();
  const { job } = view;
  const oldestFirst = [...history].reverse();
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/operator/scheduled-jobs" className="text-brand-700 hover:underline">
          Scheduled jobs
        </Link>
      </nav>
      <PageHeader title={job.processName} description={job.description}>
        <div className="flex items-start gap-3">
          <StartNowButton jobKey={job.key} processName={job.processName} />
          <ClearCacheButton />
        </div>
      </PageHeader>
      <CacheNotice {...view} />

      <section aria-labelledby="job-details" className="mb-8 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="job-details" className="sr-only">Details</h2>
        <dl className="grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-3">
          <div>
            <dt className="font-medium text-slate-600">Symbolic name</dt>
            <dd className="font-mono text-xs break-all text-slate-900">{job.symbolicName}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-600">Schedule</dt>
            <dd className="text-slate-900">
              {job.cronExpression ? (
                <>
                  <code className="rounded bg-slate-100 px-1 py-0.5 font-mono">{job.cronExpression}</code> {job.scheduleDescription} ({job.timeZone})
                  {job.paused && <span className="ml-1 text-amber-800">— paused</span>}
                </>
              ) : (
                'Not scheduled: runs only when started by hand'
              )}
            </dd>
          </div>
          <div>
            <dt className="font-medium text-slate-600">Next execution</dt>
            <dd className="text-slate-900">{job.nextExecutionAt ? <LocalTime value={job.nextExecutionAt} /> : 'None'}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-600">Status</dt>
            <dd>
              {job.activeRun ? (
                <Link href={`/operator/runs/${job.activeRun.id}`} className="hover:underline">
                  <RunStatusBadge status={job.activeRun.status} dryRun={job.activeRun.dryRun} /> run #{job.activeRun.id}
                </Link>
              ) : job.lastRun ? (
                <Link href={`/operator/runs/${job.lastRun.id}`} className="hover:underline">
                  <RunStatusBadge status={job.lastRun.status} dryRun={job.lastRun.dryRun} /> run #{job.lastRun.id}
                </Link>
              ) : (
                'Never run'
              )}
            </dd>
          </div>
          <div>
            <dt className="font-medium text-slate-600">Last start</dt>
            <dd className="text-slate-900">
              <LocalTime value={job.lastRun?.startedAt ?? null} />
            </dd>
          </div>
          <div>
            <dt className="font-medium text-slate-600">Last end</dt>
            <dd className="text-slate-900">
              <LocalTime value={job.lastFinishedRun?.finishedAt ?? null} />
            </dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="run-history" className="space-y-4">
        <h2 id="run-history" className="text-lg font-semibold text-slate-900">
          Run history
        </h2>
        <div className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
          <RunHistoryChart
            title={`Duration and users changed of the last ${history.length} runs of ${job.processName}`}
            points={oldestFirst.map((r) => ({
              runId: r.id,
              at: r.queuedAt,
              durationMs: r.durationMs,
              changes: r.changes,
              failed: r.status === 'FAILED' || r.status === 'THRESHOLD_EXCEEDED',
              label: `${isRestoreRun(r) ? `Restore #${r.id} of run #${r.restoreOfRunId}` : `Run #${r.id}`} (${RUN_STATUS_LABELS[r.status]})`,
            }))}
          />
        </div>
        {history.length > 0 && (
          <DataTable
            caption={`Runs of ${job.processName}, newest first`}
            rows={history}
            rowKey={(r) => r.id}
            columns={[
              {
                key: 'run',
                header: 'Run',
                rowHeader: true,
                className: 'font-medium',
                cell: (r) => (
                  <>
                    <Link href={`/operator/runs/${r.id}`} className="text-brand-700 hover:underline">
                      #{r.id}
                    </Link>
                    {isRestoreRun(r) && <span className="block text-xs font-normal text-slate-600">Restore of #{r.restoreOfRunId}</span>}
                  </>
                ),
              },
              { key: 'status', header: 'Status', cell: (r) => <RunStatusBadge status={r.status} dryRun={r.dryRun} /> },
              { key: 'startedBy', header: 'Started by', cell: (r) => `${RUN_TRIGGER_LABELS[r.trigger]}${r.startedBy ? ` (${r.startedBy})` : ''}` },
              { key: 'start', header: 'Start', className: 'whitespace-nowrap', cell: (r) => <LocalTime value={r.startedAt ?? r.queuedAt} /> },
              { key: 'duration', header: 'Duration', className: 'tabular-nums', cell: (r) => (r.durationMs === null ? '—' : formatDuration(r.durationMs)) },
              // A restore counts in the sync's columns (lib/runs/run-vocabulary.ts): its own words beside its figures.
              { key: 'entries', header: 'Entries', numeric: true, cell: (r) => (isRestoreRun(r) ? `${r.entriesRead} users checked` : r.entriesRead) },
              { key: 'created', header: 'Created', numeric: true, cell: (r) => (isRestoreRun(r) ? '—' : r.created) },
              { key: 'updated', header: 'Updated', numeric: true, cell: (r) => (isRestoreRun(r) ? `${r.updated} restored` : r.updated) },
              { key: 'failed', header: 'Failed', numeric: true, cell: (r) => (isRestoreRun(r) ? `${r.failed} conflicts` : r.failed) },
            ]}
          />
        )}
      </section>
    </>
  );
}
