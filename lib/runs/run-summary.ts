import type pg from 'pg';
import type { BatchRun, RunStatus } from '../generated/prisma/client';

/** Statuses of a run that is still queued or running: the job's active run. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['QUEUED', 'RUNNING'];

export function isActiveStatus(status: RunStatus): boolean {
  return ACTIVE_RUN_STATUSES.includes(status);
}

/** What the pages show of a run (everything but the per-user items). */
export type RunSummary = Pick<
  BatchRun,
  | 'id'
  | 'jobKey'
  | 'status'
  | 'trigger'
  | 'startedBy'
  | 'dryRun'
  | 'confirmed'
  | 'queuedAt'
  | 'startedAt'
  | 'finishedAt'
  | 'cancelRequestedAt'
  | 'attempts'
  | 'pagesApplied'
  | 'entriesRead'
  | 'entriesTotal'
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'failed'
  | 'credentialsChanged'
  | 'certificatesChanged'
  | 'rolesWithdrawn'
  | 'wouldDeactivate'
  | 'thresholdCheck'
  | 'confirmsRunId'
  | 'confirmedBy'
  | 'confirmedAt'
  | 'restoreOfRunId'
  | 'irreversible'
  | 'runKind'
  | 'watermarkFrom'
  | 'watermarkTo'
  | 'fullRunReason'
  | 'errorCode'
  | 'error'
>;

export const RUN_SUMMARY_SELECT = {
  id: true,
  jobKey: true,
  status: true,
  trigger: true,
  startedBy: true,
  dryRun: true,
  confirmed: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  cancelRequestedAt: true,
  attempts: true,
  pagesApplied: true,
  entriesRead: true,
  entriesTotal: true,
  created: true,
  updated: true,
  unchanged: true,
  failed: true,
  credentialsChanged: true,
  certificatesChanged: true,
  rolesWithdrawn: true,
  wouldDeactivate: true,
  thresholdCheck: true,
  confirmsRunId: true,
  confirmedBy: true,
  confirmedAt: true,
  restoreOfRunId: true,
  irreversible: true,
  runKind: true,
  watermarkFrom: true,
  watermarkTo: true,
  fullRunReason: true,
  errorCode: true,
  error: true,
} as const;

/**
 * RUN_SUMMARY_SELECT in plain SQL, for code that runs without Prisma (the worker): the columns of
 * batch_runs under the field names, so a row is a RunSummary as Prisma returns it (pg gives
 * timestamptz as Date, jsonb parsed, the enums as their text).
 */
export const RUN_SUMMARY_COLUMNS = Object.keys(RUN_SUMMARY_SELECT)
  .map((field) => `"${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}" AS "${field}"`)
  .join(', ');

/** The summary of a run, or null when there is no such run. */
export async function loadRunSummary(db: Pick<pg.Pool, 'query'>, runId: number): Promise<RunSummary | null> {
  const { rows } = await db.query<RunSummary>(`SELECT ${RUN_SUMMARY_COLUMNS} FROM batch_runs WHERE id = $1`, [runId]);
  return rows[0] ?? null;
}
