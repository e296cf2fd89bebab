import type pg from 'pg';
import type { RunStatus, RunTrigger } from '../generated/prisma/enums';
import { inTransaction } from '../db-pool';
import { RUN_SUMMARY_COLUMNS, type RunSummary } from './run-summary';
import type { RunErrorCode } from '../errors/error-codes';
import { recordRunEndEvents } from '../notifications/outbox';

// The one place that moves a run between states and frees its job for the next run. Every
// transition is conditional on the state it leaves (and, for an engine's writes, on the attempt
// that owns the run: its fencing token), so two writers can never both win and a worker that hung
// and woke up can never write onto a run that another attempt took over or that ended.
//
//   createRun ──▶ QUEUED (and its job's active run) ──beginAttempt──▶ RUNNING ──beginAttempt (a retry, a resume)──▶ RUNNING
//   QUEUED | RUNNING ──endRun──▶ SUCCEEDED | COMPLETED_WITH_ERRORS | THRESHOLD_EXCEEDED | CANCELLED | FAILED
//   QUEUED | RUNNING ──requestCancel──▶ the same state, cancel_requested_at set (the engine ends it CANCELLED)
//
// A page's counters are fenced by countPages (lib/sync/apply-page.ts). Plain SQL on pg: the worker
// runs without Prisma (lib/db-pool.ts says why).

type Db = Pick<pg.Pool, 'query' | 'connect'>;

export const ACTIVE_RUN_SQL = `status IN ('QUEUED', 'RUNNING')`;

/** SQL true while the attempt whose number is the parameter `param` (e.g. '$5') owns the run: the fence of every engine write. */
export function ownedByAttempt(param: string): string {
  return `status = 'RUNNING' AND attempts = ${param}::int`;
}

/** Whether `attempt` still owns the run: it is RUNNING and no later attempt started. */
export async function ownsRun(db: Pick<pg.Pool, 'query'>, runId: number, attempt: number): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM batch_runs WHERE id = $1 AND ${ownedByAttempt('$2')}`, [runId, attempt]);
  return rows.length > 0;
}

export type NewRun = {
  jobKey: string;
  trigger: RunTrigger;
  startedBy: string | null;
  dryRun: boolean;
  confirmed: boolean;
  /** The THRESHOLD_EXCEEDED run this one confirms. */
  confirmsRunId?: number | null;
  /** Known beforehand for a confirmed run (the count of the run it confirms). */
  entriesTotal?: number | null;
  /** Who confirmed (confirmed runs): recorded with the time on this run and on the run it confirms. */
  confirmedBy?: string | null;
  /** A restore run: the run whose changes it reverses (lib/restore). */
  restoreOfRunId?: number | null;
};

class AlreadyActive extends Error {}

/**
 * A new QUEUED run that becomes its job's active run, in one transaction with a conditional
 * update, so two starts at the same moment (operator and schedule) cannot both win. Null when the
 * job already has an active run: nothing is written then.
 */
export async function createRun(db: Pick<pg.Pool, 'connect'>, run: NewRun): Promise<RunSummary | null> {
  try {
    return await inTransaction(async (client) => {
      // The job's row first, and only while it has no active run: concurrent starts queue here one
      // after the other. Inserting first deadlocked: each INSERT holds a key-share lock on the job
      // row (the foreign key), and setting active_run_id (a unique column) needs the row exclusively.
      const free = await client.query('SELECT 1 FROM batch_jobs WHERE key = $1 AND active_run_id IS NULL FOR UPDATE', [run.jobKey]);
      if (free.rowCount !== 1) throw new AlreadyActive();
      const { rows } = await client.query<RunSummary>(
        `INSERT INTO batch_runs (job_key, status, trigger, started_by, dry_run, confirmed, confirms_run_id, entries_total, confirmed_by, confirmed_at, restore_of_run_id)
         VALUES ($1, 'QUEUED', $2::"RunTrigger", $3, $4, $5, $6, $7, $8, CASE WHEN $5 THEN now() END, $9) RETURNING ${RUN_SUMMARY_COLUMNS}`,
        [run.jobKey, run.trigger, run.startedBy, run.dryRun, run.confirmed, run.confirmsRunId ?? null, run.entriesTotal ?? null, run.confirmed ? (run.confirmedBy ?? null) : null, run.restoreOfRunId ?? null],
      );
      const [created] = rows;
      if (!created) throw new Error('INSERT ... RETURNING returned no row');
      if (run.confirmed && run.confirmsRunId != null) {
        // The stopped run shows who confirmed it and when (the latest confirmation, if it was confirmed again).
        await client.query('UPDATE batch_runs SET confirmed_by = $2, confirmed_at = $3 WHERE id = $1', [run.confirmsRunId, created.confirmedBy, created.confirmedAt]);
      }
      // Starting a run is not a configuration change, so updated_at/version stay as they are.
      const claimed = await client.query('UPDATE batch_jobs SET active_run_id = $2 WHERE key = $1 AND active_run_id IS NULL', [run.jobKey, created.id]);
      if (claimed.rowCount !== 1) throw new AlreadyActive();
      return created;
    }, db);
  } catch (error) {
    if (error instanceof AlreadyActive) return null;
    throw error;
  }
}

/** The run a job is waiting for (its active run), or null. */
export async function activeRunOf(db: Pick<pg.Pool, 'query'>, jobKey: string): Promise<RunSummary | null> {
  const { rows } = await db.query<RunSummary>(
    `SELECT ${RUN_SUMMARY_COLUMNS} FROM batch_runs WHERE id = (SELECT active_run_id FROM batch_jobs WHERE key = $1)`,
    [jobKey],
  );
  return rows[0] ?? null;
}

/** The run's status, or null when there is no such run. */
export async function runStatus(db: Pick<pg.Pool, 'query'>, runId: number): Promise<RunStatus | null> {
  const { rows } = await db.query<{ status: RunStatus }>('SELECT status FROM batch_runs WHERE id = $1', [runId]);
  return rows[0]?.status ?? null;
}

/** Asks an active run to stop (once: a second request changes nothing). True when this call asked. */
export async function requestCancel(db: Pick<pg.Pool, 'query'>, runId: number, at: Date = new Date()): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE batch_runs SET cancel_requested_at = $2 WHERE id = $1 AND ${ACTIVE_RUN_SQL} AND cancel_requested_at IS NULL`,
    [runId, at],
  );
  return rowCount === 1;
}

/** A batch_runs row as SQL returns it, status as text. */
export type RunRow = Record<string, unknown> & { id: number; job_key: string; status: string; attempts: number; dry_run: boolean; confirmed: boolean };

export async function loadRun(db: Pick<pg.Pool, 'query'>, runId: number): Promise<RunRow> {
  const { rows } = await db.query('SELECT *, status::text AS status FROM batch_runs WHERE id = $1', [runId]);
  if (!rows[0]) throw new Error(`Run ${runId} does not exist`);
  return rows[0];
}

/** An engine starts an attempt of an active run: RUNNING, attempts + 1 (the new fencing token). Null when the run ended meanwhile. */
export async function beginAttempt(db: Pick<pg.Pool, 'query'>, runId: number): Promise<RunRow | null> {
  const { rows } = await db.query(
    `UPDATE batch_runs SET status = 'RUNNING', attempts = attempts + 1, started_at = COALESCE(started_at, now())
     WHERE id = $1 AND ${ACTIVE_RUN_SQL} RETURNING *, status::text AS status`,
    [runId],
  );
  return rows[0] ?? null;
}

export type EndRun = {
  /** The run's error; null clears one a transient failure left. Absent: keeps error_code, sets nothing else. */
  error?: { code: RunErrorCode | null; message: string | null };
  /** Only while this attempt owns the run (an engine's own end); absent for runs no engine works on. */
  attempt?: number;
  /** With `error` absent: the message to record (a cancellation's), keeping the code. */
  message?: string;
};

/**
 * Ends an active run, frees its job and records its notification events (lib/notifications/outbox.ts), in one transaction. A run that is no longer active (or no
 * longer the attempt's) is left as it is: the answer is the row as it stands, `ended: false`.
 */
export async function endRun(db: Db, runId: number, status: RunStatus, options: EndRun = {}): Promise<{ run: RunRow; ended: boolean }> {
  const ended = await inTransaction(async (client) => {
    const keepCode = options.error === undefined;
    const { rows } = await client.query<RunRow>(
      `UPDATE batch_runs SET status = $2::"RunStatus", finished_at = now(),
              error_code = CASE WHEN $6 THEN error_code ELSE $3 END, error = CASE WHEN $6 THEN COALESCE($4, error) ELSE $4 END
       WHERE id = $1 AND ${ACTIVE_RUN_SQL} AND ($5::int IS NULL OR ${ownedByAttempt('$5')}) RETURNING *, status::text AS status`,
      [runId, status, options.error?.code ?? null, options.error ? options.error.message : (options.message ?? null), options.attempt ?? null, keepCode],
    );
    if (rows[0]) {
      await releaseJob(client, rows[0].job_key, runId);
      // The run's notifications (run.finished, run.failed, …) commit with its end, or not at all.
      await recordRunEndEvents(client, rows[0]);
    }
    return rows[0];
  }, db);
  return ended ? { run: ended, ended: true } : { run: await loadRun(db, runId), ended: false };
}

/** The job is free for its next run, if `runId` is the run it was waiting for (a run that ended). */
export async function releaseJob(db: Pick<pg.Pool, 'query'>, jobKey: string, runId: number | null): Promise<void> {
  await db.query('UPDATE batch_jobs SET active_run_id = NULL WHERE key = $1 AND active_run_id IS NOT DISTINCT FROM $2::int', [jobKey, runId]);
}

/** A transient failure, recorded on the run while its attempt still owns it (the run waits for its retry). */
export async function recordTransientError(db: Pick<pg.Pool, 'query'>, runId: number, attempt: number, code: RunErrorCode, message: string): Promise<void> {
  await db.query(`UPDATE batch_runs SET error_code = $2, error = $3 WHERE id = $1 AND ${ownedByAttempt('$4')}`, [runId, code, message, attempt]);
}
