import type { Metadata } from 'next';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { LocalTime } from '@/components/local-time';
import { LDAP_SCOPES } from '@/lib/ldap-settings/ldap-settings-input';
import { readLdapSettings } from '@/lib/ldap-settings/read-ldap-settings';
import { LdapSettingsForm } from './ldap-settings-form';

export const metadata: Metadata = { title: 'LDAP connection · Identity Manager Admin' };

export default async function LdapConnectionPage() {
  await requirePageRole('ADMINISTRATOR');
  // The view has no password field at all: only whether one is stored reaches the browser.
  const { updatedAt, updatedBy, ...settings } = await readLdapSettings();
  return (
    <>
      <Breadcrumbs items={[{ label: 'Home', href: '/admin' }, { label: 'LDAP connection' }]} />
      <PageHeader
        title="LDAP connection"
        description={
          <>
            The directory the batch jobs read from.{' '}
            {updatedAt ? (
              <>
                Last changed <LocalTime value={updatedAt} />
                {updatedBy ? ` by ${updatedBy}` : ''}.
              </>
            ) : (
              'Not configured yet.'
            )}
          </>
        }
      />
      <div className="max-w-4xl">
        <LdapSettingsForm settings={settings} scopes={[...LDAP_SCOPES]} />
      </div>
    </>
  );
}
