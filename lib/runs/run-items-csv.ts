import { prisma } from '../db';
import { changesAsText, describeChanges } from './describe-changes';
import { iterateRunItems, type RunItemRow, type RunItemsFilter } from './run-items';
import { runItemCsvOutcome } from './run-vocabulary';

// CSV of a run's per-user changes (RFC 4180), streamed: the route handler sends it as it is read.

export const RUN_ITEMS_CSV_HEADER = [
  'item',
  'outcome',
  'username',
  'ldap_dn',
  'external_id',
  'user_id',
  'user_changes',
  'credential_changes',
  'certificate_changes',
  'roles_withdrawn',
  'reason',
] as const;

/** A restore run's CSV: its outcomes (RESTORED, UNCHANGED, CONFLICT), the roles it granted again and what it cannot undo. */
export const RESTORE_ITEMS_CSV_HEADER = [
  'item',
  'outcome',
  'username',
  'ldap_dn',
  'external_id',
  'user_id',
  'user_changes',
  'credential_changes',
  'certificate_changes',
  'roles_granted',
  'irreversible',
  'reason',
] as const;

/**
 * Quotes a field when needed, and defuses values a spreadsheet would run as a formula
 * (=, +, -, @ at the start): directory attributes are not ours to trust.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n']/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly (string | number | null | undefined)[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

export function runItemCsvLine(item: RunItemRow, options: { restore?: boolean } = {}): string {
  const text = changesAsText(describeChanges(item.changes));
  if (options.restore) {
    return csvLine([
      item.id,
      runItemCsvOutcome(item.outcome, true),
      item.username,
      item.ldapDn,
      item.externalId,
      item.userId,
      text.user,
      text.credentials,
      text.certificates,
      text.rolesGranted,
      text.irreversible,
      item.reason,
    ]);
  }
  return csvLine([
    item.id,
    item.outcome,
    item.username,
    item.ldapDn,
    item.externalId,
    item.userId,
    text.user,
    text.credentials,
    text.certificates,
    text.rolesWithdrawn,
    item.reason,
  ]);
}

/**
 * "Download as CSV" of a run's page: the lines of run `runId`'s items (the table's search and
 * outcome filter), in restore words for a restore run, and the file's name; null when there is no
 * such run.
 */
export async function runItemsExport(runId: number, filter: Pick<RunItemsFilter, 'q' | 'outcome'>): Promise<{ fileName: string; lines: AsyncGenerator<string> } | null> {
  const run = await prisma().batchRun.findUnique({ where: { id: runId }, select: { id: true, jobKey: true, restoreOfRunId: true } });
  if (!run) return null;
  const restore = run.restoreOfRunId !== null;
  return {
    fileName: `run-${run.id}-${run.jobKey}-${restore ? `restore-of-${run.restoreOfRunId}` : 'changes'}.csv`,
    lines: runItemsCsv(runId, filter, { restore }),
  };
}

/** The whole CSV as a stream of lines, header first; `restore`: the run is a restore run. */
export async function* runItemsCsv(runId: number, filter: Pick<RunItemsFilter, 'q' | 'outcome'>, options: { restore?: boolean } = {}): AsyncGenerator<string> {
  yield csvLine(options.restore ? RESTORE_ITEMS_CSV_HEADER : RUN_ITEMS_CSV_HEADER);
  for await (const item of iterateRunItems(runId, filter)) yield runItemCsvLine(item, options);
}
