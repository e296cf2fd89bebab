import { z } from 'zod';
import { prisma, type Prisma } from '../db';
import type { RunItemOutcome } from '../generated/prisma/enums';

// The per-user changes of a run: the run page's table (server-side search, outcome filter and
// pagination), the CSV export and the REST API (GET /api/v1/runs/{runId}/items) share one query
// so that each shows exactly the same items.

export const RUN_ITEM_OUTCOMES = ['CREATED', 'UPDATED', 'UNCHANGED', 'FAILED'] as const satisfies readonly RunItemOutcome[];
/**
 * The items that move a user from active to inactive: the people a mass-deactivation threshold
 * counts, and whom an operator must see before confirming a run stopped at it. A subset of UPDATED.
 */
export const DEACTIVATED = 'DEACTIVATED';
export const RUN_ITEM_FILTERS = [...RUN_ITEM_OUTCOMES, DEACTIVATED] as const;
export const RUN_ITEMS_PAGE_SIZE = 25;

/** The table's query string (?q=&outcome=&page=), validated; anything odd falls back to the default. */
export const runItemsFilterSchema = z.object({
  q: z.string().trim().max(200).catch('').default(''),
  outcome: z.enum(RUN_ITEM_FILTERS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1).default(1),
});

export type RunItemsFilter = z.output<typeof runItemsFilterSchema>;

export function parseRunItemsFilter(params: Record<string, string | string[] | undefined> | URLSearchParams): RunItemsFilter {
  const get = (key: string) => {
    const v = params instanceof URLSearchParams ? params.get(key) : params[key];
    return (Array.isArray(v) ? v[0] : v) ?? undefined;
  };
  const outcome = get('outcome');
  return runItemsFilterSchema.parse({ q: get('q'), outcome: outcome === '' ? undefined : outcome, page: get('page') });
}

function whereOf(runId: number, filter: Pick<RunItemsFilter, 'q' | 'outcome'>): Prisma.BatchRunItemWhereInput {
  const where: Prisma.BatchRunItemWhereInput = { runId };
  if (filter.outcome === DEACTIVATED) {
    where.outcome = 'UPDATED';
    where.AND = [
      { changes: { path: ['user', 'before', 'state'], equals: 'ACTIVE' } },
      { changes: { path: ['user', 'after', 'state'], equals: 'INACTIVE' } },
    ];
  } else if (filter.outcome) {
    where.outcome = filter.outcome;
  }
  if (filter.q) {
    where.OR = [
      { username: { contains: filter.q, mode: 'insensitive' } },
      { ldapDn: { contains: filter.q, mode: 'insensitive' } },
      { externalId: { equals: filter.q } },
    ];
  }
  return where;
}

export type RunItemRow = {
  id: string;
  externalId: string | null;
  username: string | null;
  ldapDn: string | null;
  userId: number | null;
  outcome: RunItemOutcome;
  reason: string | null;
  changes: unknown;
  createdAt: Date;
};

export type RunItemsPage = {
  items: RunItemRow[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
  /** Items per outcome in the whole run (unfiltered): the filter's counts; null when not asked for. */
  outcomeCounts: Record<RunItemOutcome, number> | null;
};

const ITEM_SELECT = {
  id: true,
  externalId: true,
  username: true,
  ldapDn: true,
  userId: true,
  outcome: true,
  reason: true,
  changes: true,
  createdAt: true,
} as const;

type ItemRecord = Prisma.BatchRunItemGetPayload<{ select: typeof ITEM_SELECT }>;

function toRow(r: ItemRecord): RunItemRow {
  return { ...r, id: r.id.toString() };
}

export type ListRunItemsOptions = {
  pageSize?: number;
  /**
   * The run page shows the last page for a page number past the end (a stale link still shows
   * something); the API answers that page as asked, empty, as paginated APIs do.
   */
  clampPage?: boolean;
  /** Count the whole run's items per outcome as well (the run page's filter shows them); the API has no use for them. */
  withOutcomeCounts?: boolean;
};

/** One page of a run's items in the order they were applied; null when there is no such run. */
export async function listRunItems(runId: number, filter: RunItemsFilter, options: ListRunItemsOptions = {}): Promise<RunItemsPage | null> {
  const { pageSize = RUN_ITEMS_PAGE_SIZE, clampPage = true, withOutcomeCounts = true } = options;
  const db = prisma();
  const where = whereOf(runId, filter);
  const [total, grouped] = await Promise.all([
    db.batchRunItem.count({ where }),
    withOutcomeCounts ? db.batchRunItem.groupBy({ by: ['outcome'], where: { runId }, _count: { _all: true } }) : null,
  ]);
  // A run with items exists; only an empty answer needs the run looked up.
  if (total === 0 && !(await db.batchRun.findUnique({ where: { id: runId }, select: { id: true } }))) return null;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = clampPage ? Math.min(filter.page, pageCount) : filter.page;
  const items = await db.batchRunItem.findMany({
    where,
    orderBy: { id: 'asc' },
    skip: (page - 1) * pageSize,
    take: pageSize,
    select: ITEM_SELECT,
  });
  let outcomeCounts: Record<RunItemOutcome, number> | null = null;
  if (grouped) {
    outcomeCounts = Object.fromEntries(RUN_ITEM_OUTCOMES.map((o) => [o, 0])) as Record<RunItemOutcome, number>;
    for (const g of grouped) outcomeCounts[g.outcome] = g._count._all;
  }
  return { items: items.map(toRow), total, page, pageSize, pageCount, outcomeCounts };
}

/**
 * Every item matching the filter, in batches by id (keyset, not offset): a run of a million
 * users is exported in constant memory and time per batch.
 */
export async function* iterateRunItems(runId: number, filter: Pick<RunItemsFilter, 'q' | 'outcome'>, batchSize = 1000): AsyncGenerator<RunItemRow> {
  const db = prisma();
  let after: bigint | null = null;
  for (;;) {
    const where = whereOf(runId, filter);
    if (after !== null) where.id = { gt: after };
    const batch: ItemRecord[] = await db.batchRunItem.findMany({ where, orderBy: { id: 'asc' }, take: batchSize, select: ITEM_SELECT });
    for (const r of batch) yield toRow(r);
    if (batch.length < batchSize) return;
    after = batch[batch.length - 1]!.id;
  }
}
