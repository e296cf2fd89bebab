import type { Metadata } from 'next';
import { requirePageRole } from '@/app/_lib/auth';
import { LinkCard, PageHeader } from '@/components/app-shell';

export const metadata: Metadata = { title: 'Identity Manager Operator' };

export default async function OperatorHomePage() {
  const account = await requirePageRole('OPERATOR');
  return (
    <>
      <PageHeader title="Home" description={`Welcome, ${account.displayName ?? account.username}. Follow the batch synchronization and look up people.`} />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <LinkCard href="/operator/scheduled-jobs" title="Scheduled jobs">
          Status, last start and end, next execution; Start now and Clear cache.
        </LinkCard>
        <LinkCard href="/operator/users" title="Users">
          Find a person by username, name, email or employee number and see their credentials, certificates and roles.
        </LinkCard>
      </div>
    </>
  );
}
