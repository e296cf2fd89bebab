import type { Metadata } from 'next';
import Link from 'next/link';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
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
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Batch jobs with their status, last synchronization and next execution</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-4 py-3">Job</th>
              <th scope="col" className="px-4 py-3">Status</th>
              <th scope="col" className="px-4 py-3">Last start</th>
              <th scope="col" className="px-4 py-3">Last end</th>
              <th scope="col" className="px-4 py-3">Next execution</th>
              <th scope="col" className="px-4 py-3"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {view.jobs.map((job) => {
              const run = job.activeRun ?? job.lastRun;
              return (
                <tr key={job.key} className="align-top">
                  <th scope="row" className="max-w-md px-4 py-4 text-left font-normal">
                    <Link href={`/operator/jobs/${job.key}`} className="font-semibold text-brand-700 hover:underline">
                      {job.processName}
                    </Link>
                    <p className="mt-1 text-slate-600">{job.description}</p>
                    <p className="mt-1 font-mono text-xs break-all text-slate-500">{job.symbolicName}</p>
                  </th>
                  <td className="px-4 py-4">
                    {run ? (
                      <Link href={`/operator/runs/${run.id}`} className="inline-flex flex-col gap-1 hover:underline">
                        <RunStatusBadge status={run.status} dryRun={run.dryRun} />
                        <span className="text-xs text-slate-600">Run #{run.id}</span>
                      </Link>
                    ) : (
                      <span className="text-slate-500">Never run</span>
                    )}
                  </td>
                  <td className="px-4 py-4 whitespace-nowrap">
                    <LocalTime value={run?.startedAt ?? null} />
                  </td>
                  <td className="px-4 py-4 whitespace-nowrap">
                    <LocalTime value={run?.finishedAt ?? null} />
                  </td>
                  <td className="px-4 py-4" data-testid={`next-execution-${job.key}`}>
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
                  </td>
                  <td className="px-4 py-4 text-right">
                    <StartNowButton jobKey={job.key} processName={job.processName} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
