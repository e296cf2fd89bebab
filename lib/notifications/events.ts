// The notification events: their names, what each carries, and the JSON body a webhook receives.
// Pure (no I/O): the outbox (outbox.ts) stores `data`, the deliveries wrap it in the envelope.
//
// Envelope (every webhook body; the e-mail renders the same data as text):
//   { "id": "evt_42", "type": "run.failed", "createdAt": "2026-12-06T10:00:00.000Z", "data": { ... } }
// `id` is the same for every attempt and every receiver of one event: receivers deduplicate on it.

import type { RunCounters } from '../sync/run-counters';

/** Events an administrator can subscribe a webhook or the e-mail list to. */
export const NOTIFICATION_EVENT_TYPES = [
  'run.finished',
  'run.failed',
  'run.threshold_exceeded',
  'run.confirmation_required',
  'restore.finished',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

/** Sent only by "Send test" (to the one webhook or the e-mail list it was pressed for). */
export const TEST_EVENT_TYPES = ['webhook.test', 'email.test'] as const;
export type TestEventType = (typeof TEST_EVENT_TYPES)[number];
export type AnyEventType = NotificationEventType | TestEventType;

export const EVENT_LABELS: Record<AnyEventType, string> = {
  'run.finished': 'Run finished',
  'run.failed': 'Run failed',
  'run.threshold_exceeded': 'Run stopped at the threshold',
  'run.confirmation_required': 'Run needs confirmation',
  'restore.finished': 'Restore finished',
  'webhook.test': 'Test (webhook)',
  'email.test': 'Test (e-mail)',
};

export const EVENT_DESCRIPTIONS: Record<NotificationEventType, string> = {
  'run.finished': 'A run ended SUCCEEDED, COMPLETED_WITH_ERRORS or CANCELLED (dry runs too).',
  'run.failed': 'A run ended FAILED (directory unreachable after its retries, lost, …).',
  'run.threshold_exceeded': 'A run stopped before writing anything: it would deactivate more people than the job allows (with the count).',
  'run.confirmation_required': 'The same stop, as a call to action: an operator must review and confirm the run on its page.',
  'restore.finished': 'A restore of a run ended (users, credentials, certificates and roles put back).',
};

export function isNotificationEventType(value: string): value is NotificationEventType {
  return (NOTIFICATION_EVENT_TYPES as readonly string[]).includes(value);
}

/** A run as events describe it. Counters are those of batch_runs. */
export type RunEventData = {
  id: number;
  jobKey: string;
  processName: string | null;
  status: string;
  trigger: string;
  startedBy: string | null;
  dryRun: boolean;
  confirmed: boolean;
  /** The THRESHOLD_EXCEEDED run this run confirms. */
  confirmsRunId: number | null;
  /** Of a restore run: the run whose changes it restores. */
  restoreOfRunId: number | null;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  counters: RunCounters;
  /** Active users the run would deactivate (its threshold check), null before it counted. */
  wouldDeactivate: number | null;
  /** The threshold check as made: { activeUsers, maxUsers, maxPercent, exceeded }. */
  threshold: unknown;
  error: { code: string | null; message: string | null } | null;
  /** Path of the run's page (prefixed with APP_PUBLIC_URL when it is set). */
  url: string;
};

/** data of run.finished and run.failed. */
export type RunEndedData = { run: RunEventData };
/** data of run.threshold_exceeded and run.confirmation_required. */
export type RunStoppedData = {
  run: RunEventData;
  /** A sync run: the active users it would deactivate. */
  wouldDeactivate: number | null;
  /** A restore run (run.restoreOfRunId): the people it would restore. */
  wouldRestore?: number;
  confirmUrl: string;
};

/**
 * data of restore.finished: a restore run (batch_runs.restore_of_run_id, lib/restore) ended, in
 * whatever status; emitted by endRun like the run events (restoreFinishedData below), and
 * available to any other restore through notifyRunEvent (outbox.ts).
 */
export type RestoreFinishedData = {
  restore: {
    /** The restore's own id (its run id when restores are runs). */
    id: number;
    /** The run whose changes were restored. */
    restoredRunId: number;
    jobKey: string;
    status: string;
    startedBy: string | null;
    startedAt: string | null;
    finishedAt: string | null;
    /** A preview (dry restore): nothing was written. */
    dryRun: boolean;
    counts: {
      /** People put back in their state before the run. */
      restored: number;
      /** People already as they were before the run. */
      unchanged: number;
      /** People changed again after the run: skipped, never overwritten. */
      conflicts: number;
      /** Changes that cannot be undone (certificates the run revoked, roles deleted since): listed, never faked. */
      irreversible: number;
    };
    error: { code: string | null; message: string | null } | null;
    url: string;
  };
};

export type TestEventData = { message: string; webhook?: { id: number; name: string } };

export type EventDataOf<T extends AnyEventType> = T extends 'run.finished' | 'run.failed'
  ? RunEndedData
  : T extends 'run.threshold_exceeded' | 'run.confirmation_required'
    ? RunStoppedData
    : T extends 'restore.finished'
      ? RestoreFinishedData
      : TestEventData;

export type EventEnvelope = { id: string; type: string; createdAt: string; data: unknown };

export function eventEnvelope(event: { id: bigint | number | string; type: string; createdAt: Date; data: unknown }): EventEnvelope {
  return { id: `evt_${event.id}`, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data };
}

/** Which events a run's terminal status gives rise to (dry runs too: their end is news as well). */
export function eventsForRunEnd(status: string, run: { dryRun: boolean; confirmed: boolean }): NotificationEventType[] {
  switch (status) {
    case 'SUCCEEDED':
    case 'COMPLETED_WITH_ERRORS':
    case 'CANCELLED':
      return ['run.finished'];
    case 'FAILED':
      return ['run.failed'];
    case 'THRESHOLD_EXCEEDED':
      // A dry run or a confirmed run never stops at the threshold; should one, there is nothing to confirm.
      return run.dryRun || run.confirmed ? ['run.threshold_exceeded'] : ['run.threshold_exceeded', 'run.confirmation_required'];
    default:
      return [];
  }
}

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : null);
const int = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));
const intOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function runPath(runId: number, publicUrl?: string): string {
  return `${(publicUrl ?? '').replace(/\/+$/, '')}/operator/runs/${runId}`;
}

/** A batch_runs row (snake_case, as SQL returns it) as events describe it. */
export function runEventData(row: Record<string, unknown>, processName: string | null, publicUrl?: string): RunEventData {
  const id = int(row.id);
  const errorCode = (row.error_code as string | null) ?? null;
  const error = (row.error as string | null) ?? null;
  return {
    id,
    jobKey: String(row.job_key),
    processName,
    status: String(row.status),
    trigger: String(row.trigger),
    startedBy: (row.started_by as string | null) ?? null,
    dryRun: Boolean(row.dry_run),
    confirmed: Boolean(row.confirmed),
    confirmsRunId: intOrNull(row.confirms_run_id),
    restoreOfRunId: intOrNull(row.restore_of_run_id),
    queuedAt: iso(row.queued_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    counters: {
      entriesRead: int(row.entries_read),
      created: int(row.created),
      updated: int(row.updated),
      unchanged: int(row.unchanged),
      failed: int(row.failed),
      credentialsChanged: int(row.credentials_changed),
      certificatesChanged: int(row.certificates_changed),
      rolesWithdrawn: int(row.roles_withdrawn),
    },
    wouldDeactivate: intOrNull(row.would_deactivate),
    threshold: row.threshold_check ?? null,
    error: errorCode || error ? { code: errorCode, message: error } : null,
    url: runPath(id, publicUrl),
  };
}

export function runEventPayload(type: NotificationEventType, run: RunEventData): RunEndedData | RunStoppedData {
  if (type === 'run.threshold_exceeded' || type === 'run.confirmation_required') {
    if (run.restoreOfRunId !== null) {
      const check = run.threshold as { wouldDeactivate?: unknown } | null;
      return { run, wouldDeactivate: null, wouldRestore: int(check?.wouldDeactivate), confirmUrl: run.url };
    }
    return { run, wouldDeactivate: run.wouldDeactivate, confirmUrl: run.url };
  }
  return { run };
}

/** A restore run's row (batch_runs with restore_of_run_id) as restore.finished describes it (lib/restore/run-restore.ts maps the counters so). */
export function restoreFinishedData(row: Record<string, unknown>, publicUrl?: string): RestoreFinishedData {
  const run = runEventData(row, null, publicUrl);
  return {
    restore: {
      id: run.id,
      restoredRunId: int(row.restore_of_run_id),
      jobKey: run.jobKey,
      status: run.status,
      startedBy: run.startedBy,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      dryRun: run.dryRun,
      counts: { restored: run.counters.updated, unchanged: run.counters.unchanged, conflicts: run.counters.failed, irreversible: int(row.irreversible) },
      error: run.error,
      url: run.url,
    },
  };
}
