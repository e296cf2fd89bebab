import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { requirePageRole } from '@/app/_lib/auth';
import { PageHeader } from '@/components/app-shell';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { DataTable } from '@/components/data-table';
import { LocalTime } from '@/components/local-time';
import { AUDIT_ACTION_LABELS, auditActions, listAuditEvents, parseAuditDay, type AuditEventFilter } from '@/lib/audit/list-audit-events';
import { INPUT_CLASS as inputClass } from '@/components/form-field';

export const metadata: Metadata = { title: 'Audit log · Identity Manager Admin' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// Kept as typed, so that a date that does not exist (2026-13-45) is named in the error below.
const day = z.string().trim().max(40).optional().catch(undefined);
const query = z.object({
  action: z.string().trim().max(100).optional().catch(undefined),
  actor: z.string().trim().max(200).optional().catch(undefined),
  target: z.string().trim().max(200).optional().catch(undefined),
  from: day,
  to: day,
  page: z.coerce.number().int().min(1).max(1_000_000).optional().catch(undefined),
});


function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function AuditLogPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePageRole('ADMINISTRATOR');
  const raw = await searchParams;
  const q = query.parse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, first(v) || undefined])));
  // Dates are days in UTC: "to" includes the whole day. A date that does not exist is not applied, and said so.
  const dateErrors: Partial<Record<'from' | 'to', string>> = {};
  const dayOf = (key: 'from' | 'to', label: string): Date | undefined => {
    const raw = q[key];
    if (!raw) return undefined;
    const parsed = parseAuditDay(raw);
    if (!parsed) dateErrors[key] = `${label} “${raw.slice(0, 40)}” is not a date: use YYYY-MM-DD, e.g. 2026-03-31. It was not applied.`;
    return parsed ?? undefined;
  };
  const from = dayOf('from', 'From');
  const to = dayOf('to', 'To');
  const filter: AuditEventFilter = {
    action: q.action,
    actor: q.actor,
    target: q.target,
    from,
    to: to ? new Date(to.getTime() + 86_400_000) : undefined,
  };
  const [result, actions] = await Promise.all([listAuditEvents({ filter, page: q.page }), auditActions()]);
  const pageHref = (page: number) => {
    const params = new URLSearchParams();
    for (const key of ['action', 'actor', 'target', 'from', 'to'] as const) if (q[key]) params.set(key, q[key]);
    params.set('page', String(page));
    return `/admin/audit-log?${params.toString()}`;
  };
  const filtered = Boolean(q.action || q.actor || q.target || q.from || q.to);

  return (
    <>
      <Breadcrumbs items={[{ label: 'Home', href: '/admin' }, { label: 'Audit log' }]} />
      <PageHeader title="Audit log" description="Every administrator and operator action: schedules saved, settings changed, runs started or cancelled, cache cleared, sign-ins and failed sign-ins. Newest first." />
      <form method="get" role="search" aria-label="Filter the audit log" className="mb-6 grid gap-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-6">
        <div className="lg:col-span-2">
          <label htmlFor="action" className="block text-sm font-medium text-slate-800">
            Action
          </label>
          <select id="action" name="action" defaultValue={q.action ?? ''} className={inputClass}>
            <option value="">All actions</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {AUDIT_ACTION_LABELS[a] ?? a} ({a})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="actor" className="block text-sm font-medium text-slate-800">
            Actor
          </label>
          <input id="actor" name="actor" defaultValue={q.actor ?? ''} className={inputClass} />
        </div>
        <div>
          <label htmlFor="target" className="block text-sm font-medium text-slate-800">
            Target
          </label>
          <input id="target" name="target" defaultValue={q.target ?? ''} className={inputClass} />
        </div>
        <div>
          <label htmlFor="from" className="block text-sm font-medium text-slate-800">
            From (UTC)
          </label>
          <input id="from" name="from" type="date" defaultValue={dateErrors.from ? '' : (q.from ?? '')} aria-invalid={dateErrors.from ? true : undefined} aria-describedby={dateErrors.from ? 'audit-date-errors' : undefined} className={inputClass} />
        </div>
        <div>
          <label htmlFor="to" className="block text-sm font-medium text-slate-800">
            To (UTC)
          </label>
          <input id="to" name="to" type="date" defaultValue={dateErrors.to ? '' : (q.to ?? '')} aria-invalid={dateErrors.to ? true : undefined} aria-describedby={dateErrors.to ? 'audit-date-errors' : undefined} className={inputClass} />
        </div>
        {(dateErrors.from || dateErrors.to) && (
          <div id="audit-date-errors" role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 lg:col-span-6">
            {[dateErrors.from, dateErrors.to].filter(Boolean).map((message) => (
              <p key={message}>{message}</p>
            ))}
          </div>
        )}
        <div className="flex items-end gap-3 lg:col-span-6">
          <button type="submit" className="rounded-md bg-brand-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-800">
            Filter
          </button>
          {filtered && (
            <Link href="/admin/audit-log" className="rounded-md px-3 py-2 text-sm font-medium text-brand-700 hover:bg-brand-50">
              Clear filters
            </Link>
          )}
          <p className="ml-auto text-sm text-slate-600" aria-live="polite">
            {result.total} {result.total === 1 ? 'event' : 'events'}
          </p>
        </div>
      </form>

      <DataTable
        caption="Audit events, newest first"
        density="relaxed"
        stickyHeader
        rows={result.events}
        rowKey={(event) => event.id}
        empty={`No events ${filtered ? 'match these filters' : 'yet'}.`}
        columns={[
          { key: 'at', header: 'When', className: 'whitespace-nowrap text-slate-800', cell: (event) => <LocalTime value={event.at} withSeconds /> },
          { key: 'actor', header: 'Actor', className: 'font-medium text-slate-900', cell: (event) => event.actor },
          {
            key: 'action',
            header: 'Action',
            className: 'text-slate-800',
            cell: (event) => (
              <>
                <span className="block">{AUDIT_ACTION_LABELS[event.action] ?? event.action}</span>
                <code className="font-mono text-xs text-slate-500">{event.action}</code>
              </>
            ),
          },
          { key: 'target', header: 'Target', className: 'font-mono text-xs break-all text-slate-700', cell: (event) => event.target ?? '—' },
          {
            key: 'details',
            header: 'Details',
            className: 'max-w-md text-slate-700',
            cell: (event) =>
              event.details == null ? (
                '—'
              ) : (
                <details>
                  <summary className="cursor-pointer text-brand-700">Show</summary>
                  <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap">{JSON.stringify(event.details, null, 2)}</pre>
                </details>
              ),
          },
          { key: 'ip', header: 'Address', className: 'font-mono text-xs text-slate-600', cell: (event) => event.ip ?? '—' },
        ]}
      />

      {result.pageCount > 1 && (
        <nav aria-label="Audit log pages" className="mt-4 flex items-center justify-between text-sm">
          {result.page > 1 ? (
            <Link href={pageHref(result.page - 1)} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50">
              Previous page
            </Link>
          ) : (
            <span />
          )}
          <span className="text-slate-600">
            Page {result.page} of {result.pageCount}
          </span>
          {result.page < result.pageCount ? (
            <Link href={pageHref(result.page + 1)} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50">
              Next page
            </Link>
          ) : (
            <span />
          )}
        </nav>
      )}
    </>
  );
}
