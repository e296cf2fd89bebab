import type { Metadata } from 'next';
import { requirePageRole } from '@/app/_lib/auth';
import { LinkCard, PageHeader } from '@/components/app-shell';

export const metadata: Metadata = { title: 'Identity Manager Admin' };

export default async function AdminHomePage() {
  const account = await requirePageRole('ADMINISTRATOR');
  return (
    <>
      <PageHeader title="Home" description={`Welcome, ${account.displayName ?? account.username}. Configure how the Identity Manager keeps its people in step with the LDAP directory.`} />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <LinkCard href="/admin/batch-synchronization" title="Batch Synchronization">
          Schedule the batch jobs that synchronize active and inactive LDAP users to Identity Manager.
        </LinkCard>
        <LinkCard href="/admin/ldap-connection" title="LDAP connection">
          Directory URL, TLS, bind account and base DN the batch jobs read from.
        </LinkCard>
        <LinkCard href="/admin/notifications" title="Notifications">
          Webhooks and e-mail when a run ends, fails, stops at the threshold or needs confirmation; what was sent.
        </LinkCard>
        <LinkCard href="/admin/audit-log" title="Audit log">
          Who changed a schedule or the settings, started a run, cleared the cache or signed in.
        </LinkCard>
      </div>
    </>
  );
}
