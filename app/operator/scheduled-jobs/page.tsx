import type { Metadata } from 'next';
import Link from 'next/link';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { DataTable, HiddenHeader } from '@/components/data-table';
import { LocalTime } from '@/components/local-time';
import { RunStatusBadge } from '@/components/run-status-badge';
import { stateLabel } from '@/lib/labels';
import { scheduleState } from '@/lib/batch-jobs/schedule-status';
import { operatorJobsView } from '@/lib/batch-jobs/operator-jobs-view';
import { ClearCacheButton } from './clear-cache-button';
import { StartNowButton } from './start-now-button';
import { CacheNotice } from './cache-notice';

export const metadata: Metadata = { title: 'Scheduled jobs · Identity Manager Operator' };

export default async function ScheduledJobsPage() {
  await requirePageRole('OPERATOR');
  const view = await operatorJobsView();
  return (
    <>
      <PageHeader
        title="Scheduled jobs"
        description="The batch jobs that keep the Identity Manager in step with the LDAP directory: their schedule, last synchronization and next execution."
      >
        <ClearCacheButton />
      </PageHeader>
      <CacheNotice {...view} />
      <DataTable
        caption="Batch jobs with their status, last synchronization and next execution"
        density="relaxed"
        rows={view.jobs}
        rowKey={(job) => job.key}
        columns={[
          {
            key: 'job',
            header: 'Job',
            rowHeader: true,
            className: 'max-w-md',
            cell: (job) => (
              <>
                <Link href={`/operator/jobs/${job.key}`} className="font-semibold text-brand-700 hover:underline">
                  {job.processName}
                </Link>
                <p className="mt-1 text-slate-600">{job.description}</p>
                <p className="mt-1 font-mono text-xs break-all text-slate-500">{job.symbolicName}</p>
              </>
            ),
          },
          {
            key: 'status',
            header: 'Status',
            cell: (job) => {
              const run = job.activeRun ?? job.lastRun;
              return run ? (
                <Link href={`/operator/runs/${run.id}`} className="inline-flex flex-col gap-1 hover:underline">
                  <RunStatusBadge status={run.status} dryRun={run.dryRun} />
                  <span className="text-xs text-slate-600">Run #{run.id}</span>
                </Link>
              ) : (
                <span className="text-slate-500">Never run</span>
              );
            },
          },
          { key: 'lastStart', header: 'Last start', className: 'whitespace-nowrap', cell: (job) => <LocalTime value={(job.activeRun ?? job.lastRun)?.startedAt ?? null} /> },
          { key: 'lastEnd', header: 'Last end', className: 'whitespace-nowrap', cell: (job) => <LocalTime value={(job.activeRun ?? job.lastRun)?.finishedAt ?? null} /> },
          {
            key: 'nextExecution',
            header: 'Next execution',
            cell: (job) => (
              <div data-testid={`next-execution-${job.key}`}>
                {job.nextExecutionAt ? (
                  <span className="whitespace-nowrap">
                    <LocalTime value={job.nextExecutionAt} />
                  </span>
                ) : (
                  <span className="text-slate-500">{stateLabel(scheduleState(job).state)}</span>
                )}
                {job.cronExpression && (
                  <p className="mt-1 text-xs text-slate-600">
                    <code className="rounded bg-slate-100 px-1 py-0.5 font-mono">{job.cronExpression}</code>{' '}
                    {job.scheduleDescription && <span>{job.scheduleDescription}</span>} ({job.timeZone})
                  </p>
                )}
              </div>
            ),
          },
          { key: 'actions', header: <HiddenHeader>Actions</HiddenHeader>, align: 'right', cell: (job) => <StartNowButton jobKey={job.key} processName={job.processName} /> },
        ]}
      />
    </>
  );
}
