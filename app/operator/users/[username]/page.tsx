import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { DataTable } from '@/components/data-table';
import { LocalTime } from '@/components/local-time';
import { StateBadge } from '@/components/state-badge';
import { getUserDetails, RUN_CHANGES_LIMIT } from '@/lib/users/get-user-details';
import { summarizeUserChanges } from '@/lib/users/summarize-user-changes';
import { credentialTypeLabel } from '@/lib/labels';

type Props = { params: Promise<{ username: string }> };


/** The segment as typed in the URL; a stray "%" (e.g. in "rate100%") is taken literally. */
function segment(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `User ${segment((await params).username)}` };
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="py-2 sm:grid sm:grid-cols-3 sm:gap-4">
      <dt className="text-sm font-medium text-slate-600">{label}</dt>
      <dd className="mt-1 text-sm break-all text-slate-900 sm:col-span-2 sm:mt-0">{children ?? <span className="text-slate-500">—</span>}</dd>
    </div>
  );
}

function Section({ id, title, children, description }: { id: string; title: string; description?: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="rounded-xl border border-slate-200 bg-white shadow-sm">
      <div className="border-b border-slate-200 px-4 py-3">
        <h2 id={id} className="text-base font-semibold text-slate-900">
          {title}
        </h2>
        {description && <p className="mt-0.5 text-sm text-slate-600">{description}</p>}
      </div>
      <div className="px-4 py-3">{children}</div>
    </section>
  );
}

export default async function UserPage({ params }: Props) {
  await requirePageRole('OPERATOR');
  const username = segment((await params).username);
  // Bounded before it reaches the database: no username is this long.
  if (username.length > 300) notFound();
  const user = await getUserDetails({ username });
  if (!user) notFound();
  const name = user.displayName ?? ([user.givenName, user.surname].filter(Boolean).join(' ') || null);
  const certificateCount = user.credentials.reduce((n, c) => n + c.certificates.length, 0);
  return (
    <>
      <Breadcrumbs items={[{ label: 'Users', href: '/operator/users' }, { label: user.username }]} />
      <PageHeader title={name ? `${name} (${user.username})` : user.username}>
        <p className="flex items-center gap-2 text-sm text-slate-700">
          User state <StateBadge state={user.state} />
        </p>
      </PageHeader>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section id="user-identity" title="Identity">
          <dl className="divide-y divide-slate-100">
            <Field label="Username">{user.username}</Field>
            <Field label="State">
              <StateBadge state={user.state} />
            </Field>
            <Field label="Given name">{user.givenName}</Field>
            <Field label="Surname">{user.surname}</Field>
            <Field label="Email">{user.email}</Field>
            <Field label="Employee number">{user.employeeNumber}</Field>
          </dl>
        </Section>
        <Section id="user-directory" title="Directory">
          <dl className="divide-y divide-slate-100">
            <Field label="Source">
              <StateBadge state={user.source} />
            </Field>
            <Field label="LDAP DN">{user.ldapDn && <span className="font-mono text-xs">{user.ldapDn}</span>}</Field>
            <Field label="External id">{user.ldapExternalId && <span className="font-mono text-xs">{user.ldapExternalId}</span>}</Field>
            <Field label="Last synchronized">
              <LocalTime value={user.lastSynchronizedAt} />
            </Field>
            <Field label="Created">
              <LocalTime value={user.createdAt} />
            </Field>
            <Field label="Last changed">
              <LocalTime value={user.updatedAt} />
            </Field>
          </dl>
        </Section>
      </div>

      <div className="mt-6 space-y-6">
        <Section
          id="user-credentials"
          title="Credentials and certificates"
          description={`${user.credentials.length} credential${user.credentials.length === 1 ? '' : 's'} with ${certificateCount} certificate${certificateCount === 1 ? '' : 's'}.`}
        >
          {user.credentials.length === 0 ? (
            <p className="text-sm text-slate-600">This user has no credentials.</p>
          ) : (
            <ul className="space-y-4">
              {user.credentials.map((credential) => (
                <li key={credential.id} aria-label={`Credential ${credentialTypeLabel(credential.type)}${credential.label ? ` ${credential.label}` : ''}`} className="rounded-lg border border-slate-200">
                  <div className="flex flex-wrap items-center justify-between gap-2 bg-slate-50 px-3 py-2">
                    <p className="text-sm font-medium text-slate-900">
                      {credentialTypeLabel(credential.type)}
                      {credential.label && <span className="ml-2 font-mono text-xs text-slate-600">{credential.label}</span>}
                    </p>
                    <p className="flex items-center gap-2 text-xs text-slate-600">
                      Credential state <StateBadge state={credential.state} />
                    </p>
                  </div>
                  {credential.certificates.length === 0 ? (
                    <p className="px-3 py-2 text-sm text-slate-600">No certificates.</p>
                  ) : (
                    <DataTable
                      variant="flush"
                      caption="Certificates of this credential"
                      rows={credential.certificates}
                      rowKey={(certificate) => certificate.id}
                      columns={[
                        { key: 'serial', header: 'Serial', className: 'font-mono text-xs', cell: (certificate) => certificate.serial },
                        { key: 'subject', header: 'Subject', className: 'text-slate-700', cell: (certificate) => certificate.subject },
                        {
                          key: 'valid',
                          header: 'Valid',
                          className: 'text-slate-700',
                          cell: (certificate) => (
                            <>
                              <LocalTime value={certificate.validFrom} format="date" /> – <LocalTime value={certificate.validTo} format="date" />
                            </>
                          ),
                        },
                        { key: 'state', header: 'State', cell: (certificate) => <StateBadge state={certificate.state} /> },
                        {
                          key: 'reason',
                          header: 'Reason',
                          className: 'text-slate-700',
                          cell: (certificate) => (
                            <>
                              {certificate.revocationReason ?? '—'}
                              {certificate.revokedAt && (
                                <span className="block text-xs text-slate-500">
                                  since <LocalTime value={certificate.revokedAt} />
                                </span>
                              )}
                            </>
                          ),
                        },
                      ]}
                    />
                  )}
                </li>
              ))}
            </ul>
          )}
        </Section>

        <Section id="user-roles" title="Roles">
          {user.roles.length === 0 ? (
            <p className="text-sm text-slate-600">This user has no roles.</p>
          ) : (
            <ul className="flex flex-wrap gap-2">
              {user.roles.map((role) => (
                <li key={role.id} className="rounded-md bg-slate-100 px-2.5 py-1 text-sm text-slate-800" title={role.description ?? undefined}>
                  {role.name}
                </li>
              ))}
            </ul>
          )}
        </Section>

        <Section
          id="user-runs"
          title="Runs that changed this user"
          description={`Newest first (at most ${RUN_CHANGES_LIMIT}). Dry runs and runs that found nothing to change are not listed.`}
        >
          {user.runChanges.length === 0 ? (
            <p className="text-sm text-slate-600">No run has changed this user.</p>
          ) : (
            <DataTable
              variant="flush"
              caption="Changes of this user, run by run"
              rows={user.runChanges}
              rowKey={(change) => change.itemId}
              columns={[
                {
                  key: 'run',
                  header: 'Run',
                  cell: (change) => (
                    <>
                      <Link href={`/operator/runs/${change.runId}`} className="rounded font-medium text-brand-700 hover:underline">
                        Run #{change.runId}
                      </Link>
                      <span className="mt-1 block">
                        <StateBadge state={change.runStatus} />
                      </span>
                    </>
                  ),
                },
                { key: 'job', header: 'Job', className: 'text-slate-800', cell: (change) => change.processName },
                { key: 'started', header: 'Started', className: 'text-slate-700', cell: (change) => <LocalTime value={change.runStartedAt} /> },
                { key: 'outcome', header: 'Outcome', cell: (change) => <StateBadge state={change.outcome} /> },
                {
                  key: 'changes',
                  header: 'Changes',
                  className: 'text-slate-700',
                  cell: (change) => {
                    const lines = summarizeUserChanges(change.changes);
                    return (
                      <>
                        {change.reason && <p className="text-red-800">{change.reason}</p>}
                        {lines.length > 0 && (
                          <ul className="space-y-0.5">
                            {lines.map((line, i) => (
                              <li key={i}>{line}</li>
                            ))}
                          </ul>
                        )}
                      </>
                    );
                  },
                },
              ]}
            />
          )}
        </Section>
      </div>
    </>
  );
}
