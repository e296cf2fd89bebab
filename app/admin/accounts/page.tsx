import type { Metadata } from 'next';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { DataTable } from '@/components/data-table';
import { listApplicationAccounts } from '@/lib/accounts/list-application-accounts';
import { ROLE_LABELS } from '@/lib/auth/roles';
import { AccountChanges, CreateAccountForm } from './account-forms';

export const metadata: Metadata = { title: 'Application accounts · Identity Manager Admin' };

export default async function AccountsPage() {
  const me = await requirePageRole('ADMINISTRATOR');
  const accounts = await listApplicationAccounts();
  const now = new Date();
  return (
    <>
      <PageHeader
        title="Application accounts"
        description="The people who sign in to Identity Manager Admin (Administrator) and Identity Manager Operator (Operator). At least one active administrator always remains; every change is recorded in the audit log."
      />
      <CreateAccountForm />
      <DataTable
        className="mt-8"
        caption="Application accounts"
        rows={accounts}
        rowKey={(a) => a.id}
        columns={[
          {
            key: 'username',
            header: 'Username',
            cell: (a) => (
              <>
                <span className="font-medium text-slate-900">{a.username}</span>
                {a.displayName && <span className="block text-xs text-slate-600">{a.displayName}</span>}
                {a.id === me.accountId && <span className="block text-xs text-slate-600">(you)</span>}
              </>
            ),
          },
          { key: 'role', header: 'Role', cell: (a) => ROLE_LABELS[a.role] },
          {
            key: 'status',
            header: 'Status',
            cell: (a) =>
              [
                a.disabled ? 'Disabled' : 'Active',
                a.lockedUntil && a.lockedUntil > now ? `sign-in delayed until ${a.lockedUntil.toISOString().replace('T', ' ').slice(0, 19)} UTC (${a.failedSignIns} failed)` : null,
                a.mustChangePassword ? 'must change password' : null,
              ]
                .filter(Boolean)
                .join(', '),
          },
          { key: 'lastSignIn', header: 'Last sign-in', className: 'text-slate-700', cell: (a) => (a.lastSignInAt ? a.lastSignInAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'Never') },
          {
            key: 'changes',
            header: 'Changes',
            align: 'right',
            cell: (a) => <AccountChanges id={a.id} username={a.username} role={a.role} disabled={a.disabled} locked={a.lockedUntil !== null && a.lockedUntil > now} />,
          },
        ]}
      />
    </>
  );
}
