import Link from 'next/link';
import { DataTable } from '@/components/data-table';
import { describeChanges, LINKED_TO_DIRECTORY } from '@/lib/runs/describe-changes';
import { sourceLabel, stateWord } from '@/lib/labels';
import { DEACTIVATED, RUN_ITEM_OUTCOMES, type RunItemsFilter, type RunItemsPage } from '@/lib/runs/run-items';
import { runItemOutcomeLabels } from '@/lib/runs/run-vocabulary';

const OUTCOME_CLASSES: Record<(typeof RUN_ITEM_OUTCOMES)[number], string> = {
  CREATED: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  UPDATED: 'bg-brand-50 text-brand-800 ring-brand-100',
  UNCHANGED: 'bg-slate-100 text-slate-700 ring-slate-300',
  FAILED: 'bg-red-50 text-red-800 ring-red-200',
};

function query(runId: number, filter: Partial<RunItemsFilter>, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (filter.q) params.set('q', filter.q);
  if (filter.outcome) params.set('outcome', filter.outcome);
  if (filter.page && filter.page > 1) params.set('page', String(filter.page));
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
}

function Arrow() {
  return (
    <span aria-label="changed to" className="px-1 text-slate-400">
      →
    </span>
  );
}

type ChangesView = ReturnType<typeof describeChanges>;

function UserAttributeChanges({ view }: { view: ChangesView }) {
  return (
    <ul className="space-y-0.5">
      {view.link && (
        <li>
          <span className="text-slate-600">{LINKED_TO_DIRECTORY}:</span> source <span className="text-slate-500">{sourceLabel(view.link.before)}</span>
          <Arrow />
          <span className="font-medium">{sourceLabel(view.link.after)}</span>
        </li>
      )}
      {view.user.map((f) => (
        <li key={f.field}>
          <span className="text-slate-600">{f.label}:</span>{' '}
          <span className="text-slate-500">{f.before === null ? '—' : f.field === 'state' ? stateWord(f.before) : f.before}</span>
          <Arrow />
          <span className="font-medium">{f.after === null ? '—' : f.field === 'state' ? stateWord(f.after) : f.after}</span>
        </li>
      ))}
    </ul>
  );
}

function CredentialChanges({ view }: { view: ChangesView }) {
  return (
    <ul className="space-y-1">
      {view.credentials.map((c, i) => (
        <li key={i}>
          <span className="font-medium">{c.typeLabel}</span>
          {c.label && <span className="text-slate-600"> {c.label}</span>}:{' '}
          {c.before === c.after ? (
            <span>{stateWord(c.after)}</span>
          ) : (
            <>
              <span className="text-slate-500">{stateWord(c.before)}</span>
              <Arrow />
              <span className="font-medium">{stateWord(c.after)}</span>
            </>
          )}
          {c.certificates.length > 0 && (
            <ul className="ml-4 list-disc text-xs text-slate-700">
              {c.certificates.map((ce) => (
                <li key={ce.serial}>
                  Certificate <span className="font-mono">{ce.serial}</span>: {stateWord(ce.before)}
                  <Arrow />
                  <span className="font-medium">{stateWord(ce.after)}</span>
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * The per-user changes of a run: search, outcome filter and pages are all done by the server (GET
 * form). `restoreOfRunId`: the run is a restore, and its items are named in the restore's words.
 */
export function RunItemsTable({
  runId,
  filter,
  page,
  restoreOfRunId = null,
  dryRun = false,
}: {
  runId: number;
  filter: RunItemsFilter;
  page: RunItemsPage;
  restoreOfRunId?: number | null;
  dryRun?: boolean;
}) {
  const restore = restoreOfRunId !== null;
  const outcomeLabels = runItemOutcomeLabels({ restoreOfRunId, dryRun });
  // A restore writes no CREATED item (a user the restored run created is kept: UNCHANGED).
  const outcomes = restore ? RUN_ITEM_OUTCOMES.filter((o) => o !== 'CREATED') : RUN_ITEM_OUTCOMES;
  const first = (page.page - 1) * page.pageSize + 1;
  const last = first + page.items.length - 1;
  return (
    <section aria-labelledby="run-changes" className="mt-8 space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id="run-changes" className="text-lg font-semibold text-slate-900">
            Changes per user
          </h2>
          <p className="text-sm text-slate-600">
            {restore
              ? `Every user run #${restoreOfRunId} changed: restored, left as they are (unchanged), or skipped as a conflict; with what cannot be undone.`
              : 'Users already in their end state are counted as unchanged and not listed.'}
          </p>
        </div>
        <a
          href={`/operator/runs/${runId}/items.csv${query(runId, { q: filter.q, outcome: filter.outcome })}`}
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-50"
          download
        >
          Export CSV
        </a>
      </div>
      {/* Keyed by the filter: a link that changes it (the threshold banner's) remounts the fields with its values. */}
      <form key={`${filter.q}\u0000${filter.outcome ?? ''}`} method="get" role="search" aria-label="Filter the changes" className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <label className="flex min-w-60 flex-1 flex-col gap-1 text-sm">
          <span className="font-medium text-slate-700">Search username or DN</span>
          <input
            type="search"
            name="q"
            defaultValue={filter.q}
            maxLength={200}
            className="rounded-md border border-slate-300 px-3 py-1.5"
          />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          <span className="font-medium text-slate-700">Outcome</span>
          <select name="outcome" defaultValue={filter.outcome ?? ''} className="rounded-md border border-slate-300 px-3 py-1.5">
            <option value="">All outcomes</option>
            {outcomes.map((o) => (
              <option key={o} value={o}>
                {outcomeLabels[o]}
                {page.outcomeCounts && ` (${page.outcomeCounts[o]})`}
              </option>
            ))}
            {!restore && <option value={DEACTIVATED}>Deactivated (active → inactive)</option>}
          </select>
        </label>
        <button type="submit" className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-800">
          Apply
        </button>
        {(filter.q || filter.outcome) && (
          <Link href={`/operator/runs/${runId}`} className="py-1.5 text-sm text-brand-700 hover:underline">
            Clear filter
          </Link>
        )}
      </form>

      {page.items.length === 0 ? (
        <p className="rounded-xl border border-slate-200 bg-white p-6 text-sm text-slate-600">
          {filter.q || filter.outcome ? 'No changes match this filter.' : 'No per-user changes recorded (yet).'}
        </p>
      ) : (
        <DataTable
          caption={`Changes per user, ${first} to ${last} of ${page.total}`}
          density="relaxed"
          // Each item's changes are described once, for the three columns that show them.
          rows={page.items.map((item) => ({ item, view: describeChanges(item.changes) }))}
          rowKey={({ item }) => item.id}
          rowData={() => ({ 'data-testid': 'run-item' })}
          columns={[
            {
              key: 'user',
              header: 'User',
              rowHeader: true,
              cell: ({ item }) => (
                <>
                  {item.userId !== null && item.username ? (
                    <Link href={`/operator/users/${encodeURIComponent(item.username)}`} className="font-medium text-brand-700 hover:underline">
                      {item.username}
                    </Link>
                  ) : (
                    <span className="font-medium">{item.username ?? '(no username)'}</span>
                  )}
                  {item.ldapDn && <p className="mt-0.5 font-mono text-xs break-all text-slate-500">{item.ldapDn}</p>}
                </>
              ),
            },
            {
              key: 'outcome',
              header: 'Outcome',
              cell: ({ item }) => (
                <>
                  <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${OUTCOME_CLASSES[item.outcome]}`}>{outcomeLabels[item.outcome]}</span>
                  {item.reason && <p className={`mt-1 max-w-xs text-xs ${item.outcome === 'FAILED' ? 'text-red-800' : 'text-slate-700'}`}>{item.reason}</p>}
                </>
              ),
            },
            { key: 'attributes', header: 'User attributes', cell: ({ view }) => <UserAttributeChanges view={view} /> },
            { key: 'credentials', header: 'Credentials and certificates', cell: ({ view }) => <CredentialChanges view={view} /> },
            {
              key: 'roles',
              header: restore ? 'Roles granted again' : 'Roles withdrawn',
              cell: ({ view }) => (
                <>
                  {restore ? view.rolesGranted.join(', ') : view.rolesWithdrawn.join(', ')}
                  {view.irreversible.length > 0 && (
                    <ul className="mt-1 list-disc pl-4 text-xs text-amber-900" aria-label="Cannot be undone">
                      {view.irreversible.map((line) => (
                        <li key={line}>{line}</li>
                      ))}
                    </ul>
                  )}
                </>
              ),
            },
          ]}
        />
      )}

      <nav aria-label="Pages of changes" className="flex items-center justify-between text-sm">
        <p className="text-slate-600">
          {page.total === 0 ? 'No entries' : `${first}–${last} of ${page.total}`} · page {page.page} of {page.pageCount}
        </p>
        <div className="flex gap-2">
          {page.page > 1 ? (
            <Link href={`/operator/runs/${runId}${query(runId, { ...filter, page: page.page - 1 })}`} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-50" rel="prev">
              Previous page
            </Link>
          ) : null}
          {page.page < page.pageCount ? (
            <Link href={`/operator/runs/${runId}${query(runId, { ...filter, page: page.page + 1 })}`} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-50" rel="next">
              Next page
            </Link>
          ) : null}
        </div>
      </nav>
    </section>
  );
}
