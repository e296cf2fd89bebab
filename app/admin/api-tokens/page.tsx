import type { Metadata } from 'next';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { listApiTokens } from '@/lib/api/api-tokens';
import type { ApiTokenStatus } from '@/lib/api/api-token-status';
import { ROLE_LABELS } from '@/lib/auth/roles';
import { CreateTokenForm, RevokeTokenButton } from './token-forms';

const STATUS_LABELS: Record<ApiTokenStatus['status'], string> = { active: 'Active', revoked: 'Revoked', expired: 'Expired', inactive: 'Inactive' };

export const metadata: Metadata = { title: 'API tokens · Identity Manager Admin' };

function when(date: Date | null): string {
  return date ? date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—';
}

export default async function ApiTokensPage() {
  await requirePageRole('ADMINISTRATOR');
  const tokens = await listApiTokens();
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Tokens let scripts and other schedulers use the REST API (/api/v1) with the role you choose. A token is shown once when it is created and stored only as a hash; revoke it when it is no longer needed."
      />
      <CreateTokenForm />
      <div className="mt-8 overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">API tokens</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-4 py-2">Name</th>
              <th scope="col" className="px-4 py-2">Token</th>
              <th scope="col" className="px-4 py-2">Role</th>
              <th scope="col" className="px-4 py-2">Created</th>
              <th scope="col" className="px-4 py-2">Last used</th>
              <th scope="col" className="px-4 py-2">Expires</th>
              <th scope="col" className="px-4 py-2">Status</th>
              <th scope="col" className="px-4 py-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {tokens.length === 0 && (
              <tr>
                <td colSpan={8} className="px-4 py-6 text-center text-slate-600">No API tokens yet.</td>
              </tr>
            )}
            {tokens.map((t) => {
              const status = STATUS_LABELS[t.state.status];
              return (
                <tr key={t.id}>
                  <td className="px-4 py-2 font-medium text-slate-900">{t.name}</td>
                  <td className="px-4 py-2 font-mono text-slate-700">{t.prefix}…</td>
                  <td className="px-4 py-2">{ROLE_LABELS[t.role]}</td>
                  <td className="px-4 py-2 text-slate-700">{when(t.createdAt)}{t.createdBy ? ` by ${t.createdBy}` : ''}</td>
                  <td className="px-4 py-2 text-slate-700">{when(t.lastUsedAt)}</td>
                  <td className="px-4 py-2 text-slate-700">{t.expiresAt ? when(t.expiresAt) : 'Never'}</td>
                  <td className="px-4 py-2">
                    {t.state.status === 'inactive' ? (
                      <>
                        <span className="inline-flex rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900">{status}</span>
                        <span className="mt-1 block max-w-xs text-xs text-slate-700">{t.state.explanation} Requests with it get 401.</span>
                      </>
                    ) : (
                      status
                    )}
                  </td>
                  <td className="px-4 py-2 text-right">{(t.state.status === 'active' || t.state.status === 'inactive') && <RevokeTokenButton id={t.id} name={t.name} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
