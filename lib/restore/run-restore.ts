import type pg from 'pg';
import { isDatabaseUnavailable, pool } from '../db-pool';
import { beginAttempt, endRun, loadRun, ownedByAttempt, ownsRun, recordTransientError, type RunRow } from '../runs/run-lifecycle';
import type { RunStatus } from '../generated/prisma/enums';
import type { RunErrorCode } from '../errors/error-codes';
import { COUNT_RESTORE_PAGE, PAGE_APPLIED, REMAINING_PAGES, RESTORE_PAGE } from './restore-sql';
import { checkThreshold, parseThresholdCheck, thresholdMessage, type ThresholdCheck } from '../sync/threshold';
import { INACTIVE_LDAP_USERS, resolveJobOptions } from '../sync/job-options';

// The engine of a restore run (a batch_runs row with restore_of_run_id): the restored run's items
// read in pages of item ids, each page one statement (lib/restore/restore-sql.ts) and its counters
// in one transaction, fenced by the attempt like a sync run's pages (lib/runs/run-lifecycle.ts).
// Two pages are applied at once, on two connections (RESTORE_LANES): a page keeps one PostgreSQL
// backend busy and the host has two cores. Pages therefore commit in any order; each page's own
// items (which record the restored item they answer) commit with its writes, so an attempt that
// takes over after a crash applies exactly the pages with no items yet (REMAINING_PAGES), and the
// end state, counters and items equal those of an uninterrupted restore. The cursor
// (restore_cursor) is the end of the applied pages' unbroken stretch from the start: the items
// before it are not looked at again. Plain SQL: it runs in the worker.

export const RESTORE_PAGE_SIZE = 1000;

/** RESTORE_PAGE_SIZE in the environment (1-10000; the fault tests use small pages), else 1000. */
function pageSizeFromEnv(): number {
  const n = Number(process.env.RESTORE_PAGE_SIZE);
  return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : RESTORE_PAGE_SIZE;
}

/** Pages applied at once, each on its own connection: RESTORE_LANES in the environment (1-4), else 2. */
export const RESTORE_LANES = 2;
function lanesFromEnv(): number {
  const n = Number(process.env.RESTORE_LANES);
  return Number.isInteger(n) && n >= 1 && n <= 4 ? n : RESTORE_LANES;
}
const PAGE_ATTEMPTS = 3;

export type RestoreCounters = {
  entriesRead: number;
  restored: number;
  unchanged: number;
  conflicts: number;
  credentialsRestored: number;
  certificatesReleased: number;
  rolesGranted: number;
  irreversible: number;
};

export type RestoreProgress = {
  entriesRead: number;
  entriesTotal: number | null;
  page: number;
  counters: RestoreCounters;
  /** Resolves once no page is being applied: the other lane's page committed or rolled back. */
  idle: () => Promise<void>;
};

export type RestoreOutcome = { runId: number; status: RunStatus; dryRun: boolean; counters: RestoreCounters; errorCode: string | null; error: string | null };

/** A failure a later attempt may overcome (the worker retries it with backoff). */
export class TransientRestoreError extends Error {
  readonly transient = true as const;
  constructor(
    readonly code: RunErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientRestoreError';
  }
}

class TakenOver extends Error {}
/** Someone changed rows of the page while it was written: it rolls back and is decided again. */
class LostWrites extends Error {}

const TERMINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED', 'THRESHOLD_EXCEEDED']);

export function restoreCountersFromRow(r: Record<string, unknown>): RestoreCounters {
  return {
    entriesRead: Number(r.entries_read),
    restored: Number(r.updated),
    unchanged: Number(r.unchanged),
    conflicts: Number(r.failed),
    credentialsRestored: Number(r.credentials_changed),
    certificatesReleased: Number(r.certificates_changed),
    rolesGranted: Number(r.roles_withdrawn),
    irreversible: Number(r.irreversible),
  };
}

function outcomeOf(r: RunRow): RestoreOutcome {
  return {
    runId: r.id,
    status: r.status as RunStatus,
    dryRun: r.dry_run,
    counters: restoreCountersFromRow(r),
    errorCode: (r.error_code as string | null) ?? null,
    error: (r.error as string | null) ?? null,
  };
}

async function finish(db: pg.Pool, runId: number, status: RunStatus, attempt: number, error?: { code: RunErrorCode; message: string }): Promise<RestoreOutcome> {
  const { run } = await endRun(db, runId, status, { error: error ?? { code: null, message: null }, attempt });
  return outcomeOf(run);
}

/** The restored run's items a restore reads: their id range and count, and how many people it changed (UPDATED: those a restore puts back). */
export async function restorableItems(
  db: Pick<pg.Pool, 'query'>,
  restoredRunId: number,
): Promise<{ first: string | null; last: string | null; count: number; updated: number }> {
  const { rows } = await db.query(
    `SELECT min(id)::text AS first, max(id)::text AS last, count(*)::int AS count, count(*) FILTER (WHERE outcome = 'UPDATED')::int AS updated
     FROM batch_run_items WHERE run_id = $1 AND outcome IN ('CREATED', 'UPDATED')`,
    [restoredRunId],
  );
  return { first: rows[0].first, last: rows[0].last, count: rows[0].count, updated: rows[0].updated };
}

/**
 * A restore is held to its job's threshold like a sync run (lib/sync/threshold.ts): the people it
 * would put back (the restored run's UPDATED items: created ones stay inactive) against the limits
 * and the active users now. An upper bound: conflicts found later only lower it.
 */
async function restoreThresholdCheck(db: Pick<pg.Pool, 'query'>, jobKey: string, wouldRestore: number): Promise<ThresholdCheck> {
  const { rows } = await db.query(
    `SELECT (SELECT options FROM batch_jobs WHERE key = $1) AS options, (SELECT count(*)::int FROM users WHERE state = 'ACTIVE') AS active`,
    [jobKey],
  );
  // Options that no longer parse fall back to the defaults: a restore is held to a limit whatever happens.
  let job: ReturnType<typeof resolveJobOptions>;
  try {
    job = resolveJobOptions(INACTIVE_LDAP_USERS, rows[0].options);
  } catch {
    job = resolveJobOptions(INACTIVE_LDAP_USERS, {});
  }
  return checkThreshold(wouldRestore, rows[0].active, job);
}

/** A page of the restored run's items: those in (after, last], `items` of them. */
type Page = { after: string; last: string; items: number };
type PageDone = { cancelRequested: boolean; counters: RestoreCounters };

async function applyRestorePage(client: pg.PoolClient, run: RunRow, writes: boolean, attempt: number, page: Page, cursor: string): Promise<PageDone> {
  // One round trip for the transaction's settings. As the sync's pages (lib/sync/run-batch-job.ts
  // EngineSession): index scans on SSDs, and no endless lock wait. The page's CTEs are guesses to
  // the planner (it expects 5 people restored of 1,000): with them it updated held certificates by
  // a nested loop over a sequential scan of all certificates, 2,250 x 30,000 rows a page (40
  // people/s); every row this statement touches is reached by key. And planned for each page's
  // parameters (RESTORE_PAGE is sent unnamed): from the sixth page on, a prepared statement's
  // generic plan (it expects 6 people a page) joined certificates to the restored people by a
  // nested loop over both CTEs, 2,250 x 1,000 rows: 5.5 s of a 10 s page at 100,000 people.
  // Not plan_cache_mode = force_custom_plan for the transaction: it also made PostgreSQL plan
  // again each of a page's 5,000 foreign key checks (role grants against users and roles, items
  // against batch_runs: prepared statements too), ~30 us each, a third of the restore's CPU.
  await client.query(
    `BEGIN; SET LOCAL random_page_cost = 1.1; SET LOCAL lock_timeout = '15s'; SET LOCAL idle_in_transaction_session_timeout = '20s';
     SET LOCAL enable_seqscan = off`,
  );
  try {
    const { rows } = await client.query({ ...RESTORE_PAGE, values: [run.id, run.restore_of_run_id, page.after, page.last, page.items, writes] });
    const r = rows[0];
    if (r.lost_writes > 0) throw new LostWrites(`${r.lost_writes} write(s) of the page lost to a concurrent change`);
    const counters: RestoreCounters = {
      entriesRead: r.items,
      restored: r.restored,
      unchanged: r.unchanged,
      conflicts: r.conflicts,
      credentialsRestored: r.credentials,
      certificatesReleased: r.certificates,
      rolesGranted: r.roles,
      irreversible: r.irreversible,
    };
    const counted = await client.query({
      ...COUNT_RESTORE_PAGE,
      values: [run.id, cursor, r.items, r.restored, r.unchanged, r.conflicts, r.credentials, r.certificates, r.roles, r.irreversible, attempt],
    });
    if (!counted.rows[0]) throw new TakenOver();
    await client.query('COMMIT');
    return { cancelRequested: counted.rows[0].cancel_requested_at !== null, counters };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** A failure that applying the page again may overcome (on a new connection, after a pause). */
function retryable(error: unknown): boolean {
  if (error instanceof LostWrites || isDatabaseUnavailable(error)) return true;
  // 23505: two pages applied at once each gave a previous username back to its owner while it was
  // free; the page that lost the race is decided again, and now finds it taken (USERNAME_TAKEN).
  if ((error as { code?: unknown })?.code === '23505') return true;
  return /lock timeout|deadlock|could not serialize/i.test((error as Error)?.message ?? '');
}

/**
 * The pages still to apply, and the cursor: the last item of the applied pages' unbroken stretch
 * from the start, moved forward as pages commit (a page's transaction records it with the page's
 * counters when the page closes the stretch or extends it).
 */
class PagePlan {
  private readonly applied: boolean[];
  private stretch = 0;
  constructor(
    readonly pages: Page[],
    private cursor: string,
  ) {
    this.applied = pages.map(() => false);
  }
  /** The cursor once page `index` is applied: recorded in that page's transaction. */
  cursorWith(index: number): string {
    let end = this.stretch;
    while (end < this.pages.length && (this.applied[end] || end === index)) end++;
    return end > 0 ? this.pages[end - 1]!.last : this.cursor;
  }
  markApplied(index: number): void {
    this.applied[index] = true;
    while (this.stretch < this.pages.length && this.applied[this.stretch]) this.stretch++;
    if (this.stretch > 0) this.cursor = this.pages[this.stretch - 1]!.last;
  }
}

function zero(): RestoreCounters {
  return { entriesRead: 0, restored: 0, unchanged: 0, conflicts: 0, credentialsRestored: 0, certificatesReleased: 0, rolesGranted: 0, irreversible: 0 };
}

/**
 * Executes a queued restore run. Safe to call again on the same run after a crash or a transient
 * failure: it resumes after the last committed page.
 */
export async function runRestore({
  runId,
  onProgress,
  pageSize = pageSizeFromEnv(),
}: {
  runId: number;
  onProgress?: (progress: RestoreProgress) => void | Promise<void>;
  pageSize?: number;
}): Promise<RestoreOutcome> {
  const db = pool();
  let run = await loadRun(db, runId);
  if (TERMINAL.has(run.status)) return outcomeOf(run);
  if (run.restore_of_run_id === null) throw new Error(`Run #${runId} is not a restore run.`);
  if (run.cancel_requested_at) return outcomeOf((await endRun(db, runId, 'CANCELLED', { message: 'Cancelled before it started.' })).run);
  const started = await beginAttempt(db, runId);
  if (!started) return outcomeOf(await loadRun(db, runId));
  run = started;
  const attempt = Number(run.attempts);
  try {
    const range = await restorableItems(db, Number(run.restore_of_run_id));
    // The first attempt fixes the total and the cursor's start (the item before the run's first).
    const start = range.first === null ? '0' : (BigInt(range.first) - 1n).toString();
    const { rows: begun } = await db.query(
      `UPDATE batch_runs SET entries_total = COALESCE(entries_total, $2), restore_cursor = COALESCE(restore_cursor, $3::bigint)
       WHERE id = $1 AND ${ownedByAttempt('$4')} RETURNING restore_cursor::text AS cursor`,
      [runId, range.count, start, attempt],
    );
    if (!begun[0]) throw new TakenOver();
    // The threshold, checked once by the first attempt of a restore nobody confirmed (a preview
    // included: it says whether the real one would stop), and stored: a retry reads the same verdict.
    if (!run.confirmed && run.threshold_check === null) {
      const check = await restoreThresholdCheck(db, run.job_key, range.updated);
      const { rows: checked } = await db.query(
        `UPDATE batch_runs SET threshold_check = COALESCE(threshold_check, $2::jsonb) WHERE id = $1 AND ${ownedByAttempt('$3')} RETURNING threshold_check`,
        [runId, JSON.stringify(check), attempt],
      );
      if (!checked[0]) throw new TakenOver();
      run = { ...run, threshold_check: checked[0].threshold_check };
    }
    const threshold = parseThresholdCheck(run.threshold_check);
    // Over the threshold and not confirmed: it writes nothing but records, as its preview does,
    // every change it would make, then stops for an administrator allowed by the rule to confirm.
    const stopped = threshold?.exceeded === true && !run.dry_run && !run.confirmed;
    const writes = !run.dry_run && !stopped;
    const cursor: string = begun[0].cursor;
    let page = Number(run.pages_applied);
    let totals = restoreCountersFromRow(run);
    const { rows: remaining } = await db.query({ ...REMAINING_PAGES, values: [runId, run.restore_of_run_id, cursor, pageSize, page > 0] });
    const plan = new PagePlan(remaining as Page[], cursor);
    let next = 0;
    let stop = false;
    let cancelled = false;
    const inFlight = new Set<Promise<unknown>>();
    /** Resolves once no page is being applied (the worker parks the run between pages while it shuts down). */
    const idle = async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    };
    /** Applies one page on the lane's connection, again on a new one after a failure that allows it. */
    const applyPage = async (conn: { client: pg.PoolClient | null }, index: number): Promise<PageDone> => {
      const p = plan.pages[index]!;
      for (let tries = 1; ; tries++) {
        conn.client ??= await db.connect();
        try {
          return await applyRestorePage(conn.client, run, writes, attempt, p, plan.cursorWith(index));
        } catch (error) {
          if (error instanceof TakenOver || !retryable(error)) throw error;
          conn.client.release(error as Error);
          conn.client = null;
          if (tries >= PAGE_ATTEMPTS) throw new TransientRestoreError('PAGE_APPLY_FAILED', `A page could not be restored after ${PAGE_ATTEMPTS} attempts: ${(error as Error).message}`, { cause: error });
          await new Promise((r) => setTimeout(r, 100 * tries));
          // A COMMIT whose answer was lost may have applied the page: never apply it twice.
          const { rows: applied } = await db.query({ ...PAGE_APPLIED, values: [runId, p.last] });
          if (applied[0].applied) {
            // Its counters are in the run's already: the progress takes them from there.
            const now = await loadRun(db, runId);
            totals = restoreCountersFromRow(now);
            return { cancelRequested: now.cancel_requested_at !== null, counters: zero() };
          }
        }
      }
    };
    const lane = async () => {
      const conn: { client: pg.PoolClient | null } = { client: null };
      try {
        while (!stop && next < plan.pages.length) {
          const index = next++;
          const applying = applyPage(conn, index);
          inFlight.add(applying);
          const done = await applying.finally(() => inFlight.delete(applying));
          plan.markApplied(index);
          page++;
          totals = addRestoreCounters(totals, done.counters);
          if (done.cancelRequested) {
            cancelled = true;
            stop = true;
          }
          await onProgress?.({ entriesRead: totals.entriesRead, entriesTotal: range.count, page, counters: totals, idle });
        }
      } catch (error) {
        stop = true;
        throw error;
      } finally {
        conn.client?.release();
      }
    };
    const lanes = await Promise.allSettled(Array.from({ length: Math.min(lanesFromEnv(), plan.pages.length) }, lane));
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
    if (cancelled) return finish(db, runId, 'CANCELLED', attempt, { code: 'CANCELLED', message: `Cancelled after ${page} page(s); every applied page is complete.` });
    if (stopped) return finish(db, runId, 'THRESHOLD_EXCEEDED', attempt, { code: 'THRESHOLD_EXCEEDED', message: thresholdMessage(threshold, 'stopped', true) });
    const final = await loadRun(db, runId);
    return finish(db, runId, Number(final.failed) > 0 ? 'COMPLETED_WITH_ERRORS' : 'SUCCEEDED', attempt);
  } catch (error) {
    if (error instanceof TakenOver || !(await ownsRun(db, runId, attempt).catch(() => true))) return outcomeOf(await loadRun(db, runId));
    if (isDatabaseUnavailable(error) || error instanceof TransientRestoreError) {
      const transient = error instanceof TransientRestoreError ? error : new TransientRestoreError('DATABASE_UNAVAILABLE', `The database is unavailable: ${(error as Error).message}`, { cause: error });
      await recordTransientError(db, runId, attempt, transient.code, transient.message).catch(() => undefined);
      throw transient;
    }
    throw error;
  }
}

export function addRestoreCounters(a: RestoreCounters, b: RestoreCounters): RestoreCounters {
  const sum = { ...a };
  for (const key of Object.keys(sum) as (keyof RestoreCounters)[]) sum[key] += b[key];
  return sum;
}
