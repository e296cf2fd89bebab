import { prisma } from '../db';
import type { RunItemOutcome } from '../generated/prisma/enums';

export type RunItem = {
  id: bigint;
  externalId: string | null;
  username: string | null;
  ldapDn: string | null;
  userId: number | null;
  outcome: RunItemOutcome;
  reason: string | null;
  changes: unknown;
  createdAt: Date;
};

export type ListRunItemsOptions = {
  runId: number;
  /** 1-based. */
  page: number;
  pageSize: number;
  outcome?: RunItemOutcome;
};

export type RunItemsPage = { items: RunItem[]; page: number; pageSize: number; total: number };

/**
 * The per-user items of a run, in the order they were written, one page at a time; null when
 * the run does not exist. A run has at most one item per directory entry, so the count is cheap
 * through the (run_id, outcome) index.
 */
export async function listRunItems(options: ListRunItemsOptions): Promise<RunItemsPage | null> {
  const db = prisma();
  const run = await db.batchRun.findUnique({ where: { id: options.runId }, select: { id: true } });
  if (!run) return null;
  const where = { runId: options.runId, ...(options.outcome ? { outcome: options.outcome } : {}) };
  const [items, total] = await Promise.all([
    db.batchRunItem.findMany({
      where,
      orderBy: { id: 'asc' },
      skip: (options.page - 1) * options.pageSize,
      take: options.pageSize,
      select: { id: true, externalId: true, username: true, ldapDn: true, userId: true, outcome: true, reason: true, changes: true, createdAt: true },
    }),
    db.batchRunItem.count({ where }),
  ]);
  return { items, page: options.page, pageSize: options.pageSize, total };
}
