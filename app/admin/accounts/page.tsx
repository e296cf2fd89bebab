import type { Metadata } from 'next';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
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
      <div className="mt-8 overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Application accounts</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-4 py-2">Username</th>
              <th scope="col" className="px-4 py-2">Role</th>
              <th scope="col" className="px-4 py-2">Status</th>
              <th scope="col" className="px-4 py-2">Last sign-in</th>
              <th scope="col" className="px-4 py-2 text-right">Changes</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {accounts.map((a) => {
              const status = [
                a.disabled ? 'Disabled' : 'Active',
                a.lockedUntil && a.lockedUntil > now ? `sign-in delayed until ${a.lockedUntil.toISOString().replace('T', ' ').slice(0, 19)} UTC (${a.failedSignIns} failed)` : null,
                a.mustChangePassword ? 'must change password' : null,
              ].filter(Boolean).join(', ');
              return (
                <tr key={a.id}>
                  <td className="px-4 py-2">
                    <span className="font-medium text-slate-900">{a.username}</span>
                    {a.displayName && <span className="block text-xs text-slate-600">{a.displayName}</span>}
                    {a.id === me.accountId && <span className="block text-xs text-slate-600">(you)</span>}
                  </td>
                  <td className="px-4 py-2">{ROLE_LABELS[a.role]}</td>
                  <td className="px-4 py-2">{status}</td>
                  <td className="px-4 py-2 text-slate-700">{a.lastSignInAt ? a.lastSignInAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'Never'}</td>
                  <td className="px-4 py-2">
                    <AccountChanges id={a.id} username={a.username} role={a.role} disabled={a.disabled} locked={a.lockedUntil !== null && a.lockedUntil > now} />
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
