import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { DataTable } from '@/components/data-table';
import { LocalTime } from '@/components/local-time';
import { StateBadge } from '@/components/state-badge';
import { credentialTypeLabel, stateWord } from '@/lib/labels';
import { formatInTimeZone, timeZoneChoices } from '@/lib/cron';
import { scheduleState, type ScheduleState } from '@/lib/batch-jobs/schedule-status';
import { getJobSettings } from '@/lib/job-settings/get-job-settings';
import { JobSettingsForm } from './job-settings-form';

type Params = { params: Promise<{ jobKey: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const settings = await getJobSettings((await params).jobKey);
  return { title: settings ? `${settings.job.processName} · Batch Synchronization` : 'Batch Synchronization' };
}


const NO_NEXT_RUN: Record<ScheduleState, string> = {
  SCHEDULED: '—',
  PAUSED: 'None: the schedule is paused',
  NOT_SCHEDULED: 'None: no schedule',
  NEVER_FIRES: 'None: the expression never fires',
};

export default async function BatchJobPage({ params }: Params) {
  await requirePageRole('ADMINISTRATOR');
  const settings = await getJobSettings((await params).jobKey);
  if (!settings) notFound();
  const { job, outcome } = settings;
  const renderedAt = new Date().toISOString();

  return (
    <>
      <Breadcrumbs items={[{ label: 'Home', href: '/admin' }, { label: 'Batch Synchronization', href: '/admin/batch-synchronization' }, { label: job.processName }]} />
      <PageHeader title={job.processName} description={job.description} />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(18rem,1fr)]">
        <JobSettingsForm
          jobKey={job.key}
          version={job.version}
          cronExpression={job.cronExpression ?? ''}
          timeZone={job.timeZone}
          paused={job.paused}
          options={settings.fields}
          presets={settings.presets}
          uniqueIds={settings.uniqueIds}
          timeZones={timeZoneChoices()}
          renderedAt={renderedAt}
        />
        <aside className="space-y-6" aria-label="About this job">
          <section aria-labelledby="status-heading" className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="status-heading" className="text-base font-semibold text-slate-900">
              Status
            </h2>
            <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
              <dt className="text-slate-600">Saved schedule</dt>
              <dd className="text-slate-900">
                {job.cronExpression ? (
                  <>
                    <code className="font-mono">{job.cronExpression}</code> ({job.timeZone}){job.paused ? ', paused' : ''}
                  </>
                ) : (
                  'None'
                )}
              </dd>
              <dt className="text-slate-600">Next run</dt>
              <dd className="text-slate-900" data-testid="admin-next-run">
                {job.nextExecutionAt ? formatInTimeZone(job.nextExecutionAt, job.timeZone) : NO_NEXT_RUN[scheduleState(job).state]}
              </dd>
              <dt className="text-slate-600">Last run</dt>
              <dd className="text-slate-900">
                {job.lastRun ? (
                  <span className="flex flex-wrap items-center gap-2">
                    <LocalTime value={job.lastRun.startedAt ?? job.lastRun.queuedAt} />
                    <StateBadge state={job.lastRun.status} />
                  </span>
                ) : (
                  'Never'
                )}
              </dd>
              <dt className="text-slate-600">Last saved</dt>
              <dd className="text-slate-900">
                <LocalTime value={job.updatedAt} /> {job.updatedBy ? `by ${job.updatedBy}` : ''}
              </dd>
              <dt className="text-slate-600">Filter last changed</dt>
              <dd className="text-slate-900" data-testid="filter-changed">
                {job.filterChangedAt ? (
                  <>
                    <LocalTime value={job.filterChangedAt} /> {job.filterChangedBy ? `by ${job.filterChangedBy}` : ''}
                  </>
                ) : (
                  'Not since this was recorded'
                )}
              </dd>
            </dl>
          </section>

          <section aria-labelledby="details-heading" className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="details-heading" className="text-base font-semibold text-slate-900">
              Use case details
            </h2>
            <dl className="mt-3 space-y-2 text-sm">
              <div>
                <dt className="text-slate-600">Symbolic name</dt>
                <dd className="font-mono text-xs break-all text-slate-900">{job.symbolicName}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Process name</dt>
                <dd className="text-slate-900">{job.processName}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Component</dt>
                <dd className="text-slate-900">Identity Manager Admin</dd>
              </div>
              <div>
                <dt className="text-slate-600">Process start</dt>
                <dd className="text-slate-900">Batch synchronization</dd>
              </div>
              <div>
                <dt className="text-slate-600">Executable for</dt>
                <dd className="text-slate-900">Administrator</dd>
              </div>
            </dl>
            <h3 className="mt-5 text-sm font-semibold text-slate-900">Outcome</h3>
            <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-700">
              <li>User is created in Identity Manager if the user does not exist; existing users are updated</li>
              <li>End state for user = &quot;{stateWord(outcome.userState)}&quot;</li>
              {outcome.credentials ? (
                <>
                  <li>The relation from user to credentials still exists</li>
                  {outcome.withdrawRoles && <li>All roles for the user are withdrawn</li>}
                  <li>A revoked certificate stays revoked</li>
                </>
              ) : (
                <li>Credentials, certificates and roles are not changed</li>
              )}
            </ul>
            {outcome.credentials && (
              <DataTable
                variant="compact"
                className="mt-3"
                caption="End states of related credentials and certificates"
                rows={Object.entries(outcome.credentials)}
                rowKey={([type]) => type}
                columns={[
                  { key: 'type', header: 'Related credentials', rowHeader: true, className: 'text-xs text-slate-800', cell: ([type]) => `${credentialTypeLabel(type)} and related certificates` },
                  { key: 'credential', header: 'Credential', className: 'text-xs text-slate-800', cell: ([, end]) => stateWord(end.credential) },
                  { key: 'certificate', header: 'Certificates', className: 'text-xs text-slate-800', cell: ([, end]) => stateWord(end.certificate) },
                ]}
              />
            )}
            {settings.effectiveFilter && (
              <p className="mt-4 text-xs text-slate-600">
                Filter in use: <code className="font-mono break-all text-slate-800">{settings.effectiveFilter}</code>
              </p>
            )}
            <p className="mt-2 text-xs text-slate-600" data-testid="effective-unique-id">
              Unique id in use:{' '}
              {settings.effectiveUniqueIdAttribute ? (
                <code className="font-mono text-slate-800">{settings.effectiveUniqueIdAttribute}</code>
              ) : (
                <span className="text-red-800">none: the saved options are incomplete (a custom filter names its unique id and username attribute); runs fail until they are saved complete</span>
              )}
            </p>
            {settings.effectiveMapping && (
              <p className="mt-2 text-xs text-slate-600">
                Username read from: <code className="font-mono text-slate-800">{settings.effectiveMapping.username}</code>
              </p>
            )}
          </section>
        </aside>
      </div>
    </>
  );
}
