import { recordAudit } from '../audit/record-audit';
import { pool } from '../db-pool';
import { activeRunOf, createRun, endRun, releaseJob } from './run-lifecycle';
import type { RunTrigger } from '../generated/prisma/enums';
import { batchJobsQueue, RUN_JOB_OPTIONS, runJobId, type BatchJobsQueue } from '../queue/batch-jobs-queue';
import { retryOnClosedConnection, withRedisTimeout } from '../queue/redis-timeout';
import { isActiveStatus, loadRunSummary, type RunSummary } from './run-summary';
import type { Refusal } from '../errors/error-codes';
import { mayConfirm, parseConfirmationRule, stricterRule, type ConfirmationRule, type ConfirmingActor } from '../batch-jobs/confirmation-rule';

export type StartJobRunOptions = {
  jobKey: string;
  trigger: RunTrigger;
  /** Account username of the operator; null for the scheduler. */
  startedBy?: string | null;
  dryRun?: boolean;
  /**
   * The operator confirmed a run above the deactivation threshold: allowed only when the job's
   * confirmation rule lets `confirmer` confirm (lib/batch-jobs/confirmation-rule.ts).
   */
  confirmed?: boolean;
  /**
   * Who confirms, with the role they act with (an API token: its role, and its creator as alias).
   * Absent: startedBy with the least role that may start runs (OPERATOR).
   */
  confirmer?: Omit<ConfirmingActor, 'username'>;
  /**
   * The THRESHOLD_EXCEEDED run this one confirms: recorded, and its count of entries is the new
   * run's expected total (a confirmed run has no counting pass of its own). Its starter is the one
   * the two-person rule excludes; without it, the starter of this run is.
   */
  confirms?: { runId: number; entriesTotal: number | null; startedBy: string | null; rule?: ConfirmationRule | null };
  /** A restore run of this finished run (lib/restore/start-restore.ts checks that it may be restored). */
  restoreOf?: { runId: number; entriesTotal: number };
  /**
   * false when the caller already is the worker handling a scheduled firing: the run is executed
   * in place instead of being queued again.
   */
  enqueue?: boolean;
  queue?: BatchJobsQueue;
  ip?: string | null;
};

export type StartJobRunResult =
  | { started: true; run: RunSummary }
  | ({ started: false } & Refusal<'run_already_active', { activeRun: RunSummary }>)
  | ({ started: false } & Refusal<'not_found'>)
  | ({ started: false } & Refusal<'confirmation_refused', { rule: ConfirmationRule }>)
  | ({ started: false } & Refusal<'queue_unavailable', { run: RunSummary }>);

/**
 * Starts a run of a batch job unless one is already queued or running (createRun,
 * lib/runs/run-lifecycle.ts: two starts at the same moment, operator and schedule, cannot both win).
 */
export async function startJobRun(options: StartJobRunOptions): Promise<StartJobRunResult> {
  const db = pool();
  const { rows: jobs } = await db.query<{ processName: string; options: unknown; filterChangedBy: string | null }>(
    'SELECT process_name AS "processName", options, filter_changed_by AS "filterChangedBy" FROM batch_jobs WHERE key = $1',
    [options.jobKey],
  );
  const job = jobs[0];
  if (!job) return { started: false, code: 'not_found', message: `There is no batch job "${options.jobKey}".` };

  if (options.confirmed) {
    // Four-eyes: enforced here, where every confirmation passes (run page, API, scripts).
    // A stopped run is confirmed under the rule it stopped under, or the job's current one if stricter.
    const rule = stricterRule(options.confirms?.rule, parseConfirmationRule((job.options as { confirmationRule?: unknown } | null)?.confirmationRule));
    const startedBy = options.confirms ? options.confirms.startedBy : (options.startedBy ?? null);
    const decision = mayConfirm(rule, {
      actor: { username: options.startedBy ?? 'scheduler', role: options.confirmer?.role ?? 'OPERATOR', aliases: options.confirmer?.aliases ?? [] },
      startedBy,
      startedByAliases: await personBehind(db, startedBy),
      filterChangedBy: job.filterChangedBy,
    });
    if (!decision.allowed) {
      await recordAudit({
        actor: options.startedBy ?? 'scheduler',
        action: 'run.threshold_confirmation_refused',
        target: options.jobKey,
        ip: options.ip ?? null,
        details: { rule, ...(options.confirms ? { runId: options.confirms.runId } : {}), startedBy, filterChangedBy: job.filterChangedBy },
      });
      return { started: false, code: 'confirmation_refused', rule, message: decision.message };
    }
  }

  let run: RunSummary | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    run = await createRun(db, {
      jobKey: options.jobKey,
      trigger: options.trigger,
      startedBy: options.startedBy ?? null,
      dryRun: options.dryRun ?? false,
      confirmed: options.confirmed ?? false,
      confirmsRunId: options.confirms?.runId ?? null,
      confirmedBy: options.confirmed ? (options.startedBy ?? null) : null,
      entriesTotal: options.confirms?.entriesTotal ?? options.restoreOf?.entriesTotal ?? null,
      restoreOfRunId: options.restoreOf?.runId ?? null,
    });
    if (run) break;
    const active = await activeRunOf(db, options.jobKey);
    if (active && isActiveStatus(active.status)) {
      return {
        started: false,
        code: 'run_already_active',
        activeRun: active,
        message:
          `${job.processName} is already ${active.status === 'RUNNING' ? 'running' : 'queued'} ` +
          `(run #${active.id}, started ${active.trigger === 'SCHEDULE' ? 'by the schedule' : `by ${active.startedBy ?? 'someone'}`}). ` +
          'Wait for it to finish or cancel it.',
      };
    }
    // The pointer names a run that already ended (its process died before clearing it): release it once.
    await releaseJob(db, options.jobKey, active?.id ?? null);
  }
  if (!run) throw new Error(`Could not start ${options.jobKey}: its active run could not be released.`);

  await recordAudit({
    actor: options.startedBy ?? 'scheduler',
    action: options.restoreOf ? (run.dryRun ? 'run.restore.previewed' : 'run.restore.started') : 'run.started',
    target: options.jobKey,
    ip: options.ip ?? null,
    details: {
      runId: run.id,
      trigger: run.trigger,
      dryRun: run.dryRun,
      confirmed: run.confirmed,
      ...(options.confirms ? { confirmsRunId: options.confirms.runId } : {}),
      ...(options.restoreOf ? { restoreOfRunId: options.restoreOf.runId } : {}),
    },
  });

  if (options.enqueue === false) return { started: true, run };
  try {
    const queue = options.queue ?? batchJobsQueue();
    const add = () =>
      queue.add(
        options.jobKey,
        {
          jobKey: options.jobKey,
          trigger: run.trigger,
          runId: run.id,
          startedBy: run.startedBy,
          dryRun: run.dryRun,
          confirmed: run.confirmed,
        },
        { ...RUN_JOB_OPTIONS, jobId: runJobId(run.id) },
      );
    // Added again if its connection was being replaced (a failover): the jobId makes it idempotent.
    await withRedisTimeout(retryOnClosedConnection(add), 'queue the run');
  } catch (error) {
    // Nothing will execute this run: end it so that the job can be started again.
    const message = `The run could not be queued: ${(error as Error).message}`;
    await endRun(db, run.id, 'FAILED', { error: { code: 'QUEUE_UNAVAILABLE', message } });
    const failed = await loadRunSummary(db, run.id);
    if (!failed) throw new Error(`Run #${run.id} vanished while it was being failed.`);
    return { started: false, code: 'queue_unavailable', run: failed, message };
  }
  return { started: true, run };
}

/** The administrator behind a run started with an API token (recorded as api-token:NAME), for the two-person rule. */
async function personBehind(db: ReturnType<typeof pool>, startedBy: string | null): Promise<string[]> {
  if (!startedBy?.startsWith('api-token:')) return [];
  const { rows } = await db.query<{ username: string }>(
    'SELECT a.username FROM api_tokens t JOIN accounts a ON a.id = t.created_by_id WHERE t.name = $1',
    [startedBy.slice('api-token:'.length)],
  );
  return rows.map((r) => r.username);
}
