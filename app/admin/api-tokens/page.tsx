import type { Metadata } from 'next';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { DataTable, HiddenHeader } from '@/components/data-table';
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
      <DataTable
        className="mt-8"
        caption="API tokens"
        rows={tokens}
        rowKey={(t) => t.id}
        empty="No API tokens yet."
        columns={[
          { key: 'name', header: 'Name', className: 'font-medium text-slate-900', cell: (t) => t.name },
          { key: 'token', header: 'Token', className: 'font-mono text-slate-700', cell: (t) => `${t.prefix}…` },
          { key: 'role', header: 'Role', cell: (t) => ROLE_LABELS[t.role] },
          { key: 'created', header: 'Created', className: 'text-slate-700', cell: (t) => `${when(t.createdAt)}${t.createdBy ? ` by ${t.createdBy}` : ''}` },
          { key: 'lastUsed', header: 'Last used', className: 'text-slate-700', cell: (t) => when(t.lastUsedAt) },
          { key: 'expires', header: 'Expires', className: 'text-slate-700', cell: (t) => (t.expiresAt ? when(t.expiresAt) : 'Never') },
          {
            key: 'status',
            header: 'Status',
            cell: (t) =>
              t.state.status === 'inactive' ? (
                <>
                  <span className="inline-flex rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900">{STATUS_LABELS[t.state.status]}</span>
                  <span className="mt-1 block max-w-xs text-xs text-slate-700">{t.state.explanation} Requests with it get 401.</span>
                </>
              ) : (
                STATUS_LABELS[t.state.status]
              ),
          },
          {
            key: 'actions',
            header: <HiddenHeader>Actions</HiddenHeader>,
            align: 'right',
            cell: (t) => (t.state.status === 'active' || t.state.status === 'inactive') && <RevokeTokenButton id={t.id} name={t.name} />,
          },
        ]}
      />
    </>
  );
}
