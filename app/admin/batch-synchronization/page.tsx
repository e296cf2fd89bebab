import type { Metadata } from 'next';
import Link from 'next/link';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { LocalTime } from '@/components/local-time';
import { StateBadge } from '@/components/state-badge';
import { listJobsWithStatus } from '@/lib/batch-jobs/list-jobs-with-status';
import { scheduleState } from '@/lib/batch-jobs/schedule-status';
import { formatInTimeZone } from '@/lib/cron';

export const metadata: Metadata = { title: 'Batch Synchronization · Identity Manager Admin' };

export default async function BatchSynchronizationPage() {
  await requirePageRole('ADMINISTRATOR');
  const jobs = await listJobsWithStatus();
  return (
    <>
      <Breadcrumbs items={[{ label: 'Home', href: '/admin' }, { label: 'Batch Synchronization' }]} />
      <PageHeader
        title="Batch Synchronization"
        description="The batch jobs that keep Identity Manager in step with the LDAP directory. Select a job to change its schedule, filter, attribute mapping and thresholds."
      />
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full divide-y divide-slate-200 text-left text-sm">
          <caption className="sr-only">Batch jobs</caption>
          <thead className="bg-slate-50 text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-4 py-3">Process name</th>
              <th scope="col" className="px-4 py-3">Symbolic name</th>
              <th scope="col" className="px-4 py-3">Status</th>
              <th scope="col" className="px-4 py-3">Schedule</th>
              <th scope="col" className="px-4 py-3">Next run</th>
              <th scope="col" className="px-4 py-3">Last run</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {jobs.map((job) => (
              <tr key={job.key} className="align-top hover:bg-slate-50">
                <th scope="row" className="px-4 py-3 font-medium">
                  <Link href={`/admin/batch-synchronization/${job.key}`} className="text-brand-700 hover:underline">
                    {job.processName}
                  </Link>
                </th>
                <td className="px-4 py-3 font-mono text-xs break-all text-slate-700">{job.symbolicName}</td>
                <td className="px-4 py-3">
                  <StateBadge state={scheduleState(job).state} />
                </td>
                <td className="px-4 py-3 text-slate-800">
                  {job.cronExpression ? (
                    <>
                      <span className="block">{job.scheduleDescription ?? job.cronExpression}</span>
                      <span className="block font-mono text-xs text-slate-500">
                        {job.cronExpression} · {job.timeZone}
                      </span>
                    </>
                  ) : (
                    <span className="text-slate-500">Not scheduled</span>
                  )}
                </td>
                <td className="px-4 py-3 whitespace-nowrap text-slate-800">
                  {job.nextExecutionAt ? formatInTimeZone(job.nextExecutionAt, job.timeZone) : <span className="text-slate-500">—</span>}
                </td>
                <td className="px-4 py-3 text-slate-800">
                  {job.lastRun ? (
                    <span className="flex flex-col gap-1">
                      <LocalTime value={job.lastRun.finishedAt ?? job.lastRun.startedAt ?? job.lastRun.queuedAt} />
                      <StateBadge state={job.lastRun.status} />
                    </span>
                  ) : (
                    <span className="text-slate-500">Never run</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
