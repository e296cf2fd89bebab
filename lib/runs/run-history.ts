import { prisma } from '../db';
import { RUN_SUMMARY_SELECT, type RunSummary } from './run-summary';
import { runWritesNothing } from '../sync/threshold';

// A job's past runs, newest first, for the job page's table and chart.

export type RunHistoryEntry = RunSummary & {
  /** Start to end (or to now for a run still going); null before it started. */
  durationMs: number | null;
  /** Users created or updated: what the chart plots next to the duration. 0 for a run that wrote nothing (dry run, stopped at the threshold). */
  changes: number;
};

export const RUN_HISTORY_LIMIT = 50;

export async function listJobRunHistory(jobKey: string, options: { limit?: number; now?: Date } = {}): Promise<RunHistoryEntry[]> {
  const now = options.now ?? new Date();
  const runs = await prisma().batchRun.findMany({
    where: { jobKey },
    orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }],
    take: options.limit ?? RUN_HISTORY_LIMIT,
    select: RUN_SUMMARY_SELECT,
  });
  return runs.map((run) => ({ ...run, ...runMeasures(run, now) }));
}

export function runMeasures(
  run: Pick<RunSummary, 'startedAt' | 'finishedAt' | 'created' | 'updated' | 'dryRun' | 'confirmed' | 'status' | 'thresholdCheck'>,
  now: Date,
): { durationMs: number | null; changes: number } {
  const durationMs = run.startedAt ? Math.max(0, (run.finishedAt ?? now).getTime() - run.startedAt.getTime()) : null;
  return { durationMs, changes: runWritesNothing(run) ? 0 : run.created + run.updated };
}
