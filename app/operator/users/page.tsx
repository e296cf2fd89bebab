import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { DataTable } from '@/components/data-table';
import { LocalTime } from '@/components/local-time';
import { StateBadge } from '@/components/state-badge';
import { CONTAINS_MIN_LENGTH, MAX_QUERY_LENGTH, searchUsers } from '@/lib/users/search-users';
import { userPagePath } from '@/lib/users/user-page-path';

export const metadata: Metadata = { title: 'Users' };

const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
const text = (max: number) => z.preprocess(first, z.string().max(max).optional().catch(undefined));
const paramsSchema = z.object({
  q: z.preprocess(first, z.string().optional().catch(undefined)),
  state: z.preprocess(first, z.enum(['ACTIVE', 'INACTIVE']).optional().catch(undefined)),
  after: text(300),
  before: text(300),
});

type Params = { q?: string; state?: string; after?: string; before?: string };

function usersHref(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const query = search.toString();
  return query ? `/operator/users?${query}` : '/operator/users';
}

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageRole('OPERATOR');
  const params = paramsSchema.parse(await searchParams);
  const page = await searchUsers({ query: params.q, state: params.state, after: params.after, before: params.before });
  const filters = { q: page.query, state: params.state };
  const searched = page.query !== '' || !!params.state;
  return (
    <>
      <PageHeader
        title="Users"
        description="Find a person of the Identity Manager by username, name, email or employee number, then open their page for credentials, certificates, roles and the runs that changed them."
      />
      <form role="search" aria-label="Search users" method="get" action="/operator/users" className="mb-6 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <div className="min-w-64 flex-1">
          <label htmlFor="users-q" className="block text-sm font-medium text-slate-800">
            Search
          </label>
          <input
            id="users-q"
            name="q"
            type="search"
            defaultValue={page.query}
            maxLength={MAX_QUERY_LENGTH}
            autoComplete="off"
            aria-describedby="users-q-hint"
            placeholder="e.g. schmidt, greta.schmidt@example.com, E0004711"
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-brand-600"
          />
          <p id="users-q-hint" className="mt-1 text-xs text-slate-600">
            {CONTAINS_MIN_LENGTH} or more characters are searched anywhere in username, name, email and employee number; 1–2 characters match the start of the username or of a name (given name, surname or any word of the display name, e.g. 王 finds 王伟). Case does not matter.
          </p>
        </div>
        <div>
          <label htmlFor="users-state" className="block text-sm font-medium text-slate-800">
            State
          </label>
          <select
            id="users-state"
            name="state"
            defaultValue={params.state ?? ''}
            className="mt-1 block rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600"
          >
            <option value="">Any state</option>
            <option value="ACTIVE">Active</option>
            <option value="INACTIVE">Inactive</option>
          </select>
        </div>
        <div className="flex gap-2 pb-5">
          <button type="submit" className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-800">
            Search
          </button>
          {searched && (
            <Link href="/operator/users" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50">
              Clear
            </Link>
          )}
        </div>
      </form>

      <section aria-labelledby="users-results" className="rounded-xl border border-slate-200 bg-white shadow-sm">
        <h2 id="users-results" className="sr-only">
          Results
        </h2>
        <p role="status" className="border-b border-slate-200 px-4 py-3 text-sm text-slate-700">
          {page.users.length === 0
            ? searched
              ? 'No user matches this search.'
              : 'The Identity Manager has no users yet.'
            : `${page.users.length} user${page.users.length === 1 ? '' : 's'} on this page, in username order${page.query ? ` matching “${page.query}”` : ''}${params.state ? `, ${params.state === 'ACTIVE' ? 'active' : 'inactive'} only` : ''}.`}
        </p>
        {page.users.length > 0 && (
          <DataTable
            variant="flush"
            caption="Users, in username order"
            rows={page.users}
            rowKey={(user) => user.id}
            rowClassName="hover:bg-slate-50"
            columns={[
              {
                key: 'username',
                header: 'Username',
                className: 'font-medium',
                cell: (user) => (
                  <Link href={userPagePath(user.username)} className="rounded text-brand-700 hover:underline">
                    {user.username}
                  </Link>
                ),
              },
              { key: 'name', header: 'Name', className: 'text-slate-800', cell: (user) => user.displayName ?? ([user.givenName, user.surname].filter(Boolean).join(' ') || '—') },
              { key: 'email', header: 'Email', className: 'text-slate-700', cell: (user) => user.email ?? '—' },
              { key: 'employeeNumber', header: 'Employee number', className: 'font-mono text-xs text-slate-700', cell: (user) => user.employeeNumber ?? '—' },
              { key: 'state', header: 'State', cell: (user) => <StateBadge state={user.state} /> },
              { key: 'source', header: 'Source', cell: (user) => <StateBadge state={user.source} /> },
              { key: 'lastSynchronized', header: 'Last synchronized', className: 'text-slate-700', cell: (user) => <LocalTime value={user.lastSynchronizedAt} /> },
            ]}
          />
        )}
        {(page.previousCursor || page.nextCursor) && (
          <nav aria-label="Pages of users" className="flex items-center justify-between border-t border-slate-200 px-4 py-3 text-sm">
            {page.previousCursor ? (
              <Link href={usersHref({ ...filters, before: page.previousCursor })} rel="prev" className="rounded-md border border-slate-300 px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50">
                ← Previous page
              </Link>
            ) : (
              <span />
            )}
            {page.nextCursor && (
              <Link href={usersHref({ ...filters, after: page.nextCursor })} rel="next" className="rounded-md border border-slate-300 px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50">
                Next page →
              </Link>
            )}
          </nav>
        )}
      </section>
    </>
  );
}
