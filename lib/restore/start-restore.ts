import type pg from 'pg';
import { pool } from '../db-pool';
import type { RunTrigger } from '../generated/prisma/enums';
import { startJobRun, type StartJobRunOptions, type StartJobRunResult } from '../runs/start-job-run';
import { loadRunSummary, type RunSummary } from '../runs/run-summary';
import type { BatchJobsQueue } from '../queue/batch-jobs-queue';
import { INACTIVE_LDAP_USERS } from '../sync/job-options';
import { restorableItems } from './run-restore';
import type { Refusal } from '../errors/error-codes';

// "Restore users changed by this run": a restore is itself a run of the job (it takes the job's
// active-run slot, so no sync of that job runs while people are restored), queued to the worker
// like a sync run. A dry run first (the preview), then the real one. Who may start it is the
// caller's check (administrators: app/ and the API check the role themselves). Above the job's
// threshold a restore needs the same confirmation as a sync run (four-eyes: lib/runs/
// confirm-threshold-run.ts confirms a restore that stopped there).

/** Statuses of a run that wrote something a restore can reverse (a cancelled or failed run wrote its committed pages). */
const RESTORABLE_STATUSES = new Set(['SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'CANCELLED', 'FAILED']);
/** A real restore that ended so: the run is restored, a second restore is refused. */
const RESTORED_STATUSES = ['SUCCEEDED', 'COMPLETED_WITH_ERRORS'];

export type RestoreRefusal = Refusal<'not_found' | 'run_not_restorable'> | Refusal<'run_already_restored', { restoredBy: number }>;

export type Restorability = { restorable: true; run: RunSummary; items: number } | ({ restorable: false } & RestoreRefusal);

/** Whether run `runId` can be restored, and why not. */
export async function checkRestorable(runId: number, db: Pick<pg.Pool, 'query'> = pool()): Promise<Restorability> {
  const run = await loadRunSummary(db, runId);
  if (!run) return { restorable: false, code: 'not_found', message: `There is no run #${runId}.` };
  const refuse = (message: string): Restorability => ({ restorable: false, code: 'run_not_restorable', message });
  if (run.jobKey !== INACTIVE_LDAP_USERS) return refuse(`Run #${runId} is not a run of "Synchronize inactive LDAP Users to Identity Manager": only its runs can be restored.`);
  if (run.restoreOfRunId !== null) return refuse(`Run #${runId} is itself a restore; it cannot be restored.`);
  if (run.dryRun) return refuse(`Run #${runId} was a dry run: it changed nothing.`);
  if (run.status === 'THRESHOLD_EXCEEDED') return refuse(`Run #${runId} stopped at the threshold and changed nothing.`);
  if (!RESTORABLE_STATUSES.has(run.status)) return refuse(`Run #${runId} has not finished (${run.status}); restore it once it has.`);
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM batch_runs WHERE restore_of_run_id = $1 AND NOT dry_run AND status::text = ANY($2::text[]) ORDER BY id LIMIT 1`,
    [runId, RESTORED_STATUSES],
  );
  if (rows[0]) {
    return { restorable: false, code: 'run_already_restored', restoredBy: rows[0].id, message: `Run #${runId} was already restored by run #${rows[0].id}; restoring it again would change nothing.` };
  }
  const items = await restorableItems(db, runId);
  return { restorable: true, run, items: items.count };
}

export type StartRestoreOptions = {
  /** The run to restore. */
  runId: number;
  dryRun: boolean;
  /**
   * The administrator confirms a restore above the job's threshold (the job's confirmation rule
   * decides whether they may, lib/batch-jobs/confirmation-rule.ts). Not confirmed, a restore above
   * the threshold records what it would do and stops THRESHOLD_EXCEEDED for someone to confirm.
   */
  confirmed?: boolean;
  /** The role the actor confirms with (an API token: its role and its creator as alias). */
  confirmer?: StartJobRunOptions['confirmer'];
  /** The restore that stopped at the threshold which this one confirms. */
  confirms?: StartJobRunOptions['confirms'];
  trigger: Extract<RunTrigger, 'MANUAL' | 'API'>;
  /** Account username of the administrator. */
  actor: string;
  ip?: string | null;
  queue?: BatchJobsQueue;
  /** false: only create the run (the caller executes it, e.g. a test or the CLI). */
  enqueue?: boolean;
};

export type StartRestoreResult = StartJobRunResult | ({ started: false } & RestoreRefusal);

/** Queues a restore run (or its dry run) of a finished run of the inactive job. */
export async function startRestore(options: StartRestoreOptions): Promise<StartRestoreResult> {
  const check = await checkRestorable(options.runId);
  if (!check.restorable) {
    const { restorable: _, ...refusal } = check;
    return { started: false, ...refusal };
  }
  return startJobRun({
    jobKey: check.run.jobKey,
    trigger: options.trigger,
    startedBy: options.actor,
    dryRun: options.dryRun,
    // A preview is never confirmed: it reports whether the real restore would stop at the threshold.
    confirmed: !options.dryRun && options.confirmed === true,
    confirmer: options.confirmer ?? { role: 'ADMINISTRATOR' },
    confirms: options.confirms,
    restoreOf: { runId: options.runId, entriesTotal: check.items },
    enqueue: options.enqueue,
    queue: options.queue,
    ip: options.ip,
  });
}
