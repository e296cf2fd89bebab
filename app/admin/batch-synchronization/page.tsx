import type { Metadata } from 'next';
import Link from 'next/link';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { DataTable } from '@/components/data-table';
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
      <DataTable
        caption="Batch jobs"
        density="relaxed"
        rows={jobs}
        rowKey={(job) => job.key}
        rowClassName="hover:bg-slate-50"
        columns={[
          {
            key: 'processName',
            header: 'Process name',
            rowHeader: true,
            className: 'font-medium',
            cell: (job) => (
              <Link href={`/admin/batch-synchronization/${job.key}`} className="text-brand-700 hover:underline">
                {job.processName}
              </Link>
            ),
          },
          { key: 'symbolicName', header: 'Symbolic name', className: 'font-mono text-xs break-all text-slate-700', cell: (job) => job.symbolicName },
          { key: 'status', header: 'Status', cell: (job) => <StateBadge state={scheduleState(job).state} /> },
          {
            key: 'schedule',
            header: 'Schedule',
            className: 'text-slate-800',
            cell: (job) =>
              job.cronExpression ? (
                <>
                  <span className="block">{job.scheduleDescription ?? job.cronExpression}</span>
                  <span className="block font-mono text-xs text-slate-500">
                    {job.cronExpression} · {job.timeZone}
                  </span>
                </>
              ) : (
                <span className="text-slate-500">Not scheduled</span>
              ),
          },
          {
            key: 'nextRun',
            header: 'Next run',
            className: 'whitespace-nowrap text-slate-800',
            cell: (job) => (job.nextExecutionAt ? formatInTimeZone(job.nextExecutionAt, job.timeZone) : <span className="text-slate-500">—</span>),
          },
          {
            key: 'lastRun',
            header: 'Last run',
            className: 'text-slate-800',
            cell: (job) =>
              job.lastRun ? (
                <span className="flex flex-col gap-1">
                  <LocalTime value={job.lastRun.finishedAt ?? job.lastRun.startedAt ?? job.lastRun.queuedAt} />
                  <StateBadge state={job.lastRun.status} />
                </span>
              ) : (
                <span className="text-slate-500">Never run</span>
              ),
          },
        ]}
      />
    </>
  );
}
