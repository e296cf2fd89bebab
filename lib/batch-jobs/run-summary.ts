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
  errorCode: true,
  error: true,
} as const;
