import type { RunItemOutcome } from '../generated/prisma/enums';

// The words a run's pages use for its counters and items. A restore run (lib/restore) stores its
// counts in the sync's columns (restored in `updated`, conflicts in `failed`, roles granted again
// in `rolesWithdrawn`: lib/sync/run-batch-job.ts restoreAsRunCounters), so every page that shows
// them names them through here, or a restore would read as "Roles withdrawn: 12".

/** A run's counter columns, as the run summary carries them. */
export type RunCounterKey = 'created' | 'updated' | 'unchanged' | 'failed' | 'credentialsChanged' | 'certificatesChanged' | 'rolesWithdrawn' | 'irreversible';

/** `id` names the counter on the page (data-testid `counter-<id>`). */
export type RunCounterLabel = { key: RunCounterKey; id: string; label: string };

type RunKind = { restoreOfRunId: number | null; dryRun: boolean };

export function isRestoreRun(run: Pick<RunKind, 'restoreOfRunId'>): boolean {
  return run.restoreOfRunId !== null && run.restoreOfRunId !== undefined;
}

const SYNC_COUNTERS: readonly RunCounterLabel[] = [
  { key: 'created', id: 'created', label: 'Created' },
  { key: 'updated', id: 'updated', label: 'Updated' },
  { key: 'unchanged', id: 'unchanged', label: 'Unchanged' },
  { key: 'failed', id: 'failed', label: 'Failed' },
  { key: 'credentialsChanged', id: 'credentialsChanged', label: 'Credentials changed' },
  { key: 'certificatesChanged', id: 'certificatesChanged', label: 'Certificates changed' },
  { key: 'rolesWithdrawn', id: 'rolesWithdrawn', label: 'Roles withdrawn' },
];

/** The counters of the live panel, in order, with the words of the run's kind. */
export function runCounterLabels(run: RunKind): readonly RunCounterLabel[] {
  if (!isRestoreRun(run)) return SYNC_COUNTERS;
  const preview = run.dryRun;
  return [
    { key: 'updated', id: 'restored', label: preview ? 'To restore' : 'Restored' },
    { key: 'unchanged', id: 'unchanged', label: 'Unchanged (kept, already restored)' },
    { key: 'failed', id: 'conflicts', label: 'Conflicts (skipped)' },
    { key: 'irreversible', id: 'irreversible', label: 'Irreversible' },
    { key: 'credentialsChanged', id: 'credentialsRestored', label: preview ? 'Credentials to restore' : 'Credentials restored' },
    { key: 'certificatesChanged', id: 'certificatesReleased', label: preview ? 'Certificates to release' : 'Certificates released' },
    { key: 'rolesWithdrawn', id: 'rolesGranted', label: preview ? 'Roles to grant again' : 'Roles granted again' },
  ];
}

/** What the progress bar counts: a sync reads directory entries, a restore checks the restored run's users. */
export function runProgressWords(run: RunKind): { read: string; unit: string; processed: string } {
  return isRestoreRun(run) ? { read: 'Users checked', unit: 'users', processed: 'Users restored or skipped' } : { read: 'Entries read', unit: 'entries', processed: 'Users processed' };
}

const SYNC_OUTCOMES: Record<RunItemOutcome, string> = { CREATED: 'Created', UPDATED: 'Updated', UNCHANGED: 'Unchanged', FAILED: 'Failed' };
// A restore writes UPDATED for a restored user, UNCHANGED for one kept as it is, FAILED for a conflict (lib/restore/restore-sql.ts).
const RESTORE_OUTCOMES: Record<RunItemOutcome, string> = { CREATED: 'Created', UPDATED: 'Restored', UNCHANGED: 'Unchanged', FAILED: 'Conflict' };
const PREVIEW_OUTCOMES: Record<RunItemOutcome, string> = { ...RESTORE_OUTCOMES, UPDATED: 'To restore' };

/** An item's outcome in words (the table's badge and filter). */
export function runItemOutcomeLabels(run: RunKind): Record<RunItemOutcome, string> {
  if (!isRestoreRun(run)) return SYNC_OUTCOMES;
  return run.dryRun ? PREVIEW_OUTCOMES : RESTORE_OUTCOMES;
}

/** An item's outcome in the CSV: the API's value for a sync, the restore's word for a restore. */
export function runItemCsvOutcome(outcome: RunItemOutcome, restore: boolean): string {
  if (!restore) return outcome;
  return { CREATED: 'CREATED', UPDATED: 'RESTORED', UNCHANGED: 'UNCHANGED', FAILED: 'CONFLICT' }[outcome];
}
