import type pg from 'pg';
import { isDatabaseUnavailable, pool } from '../db-pool';
import { beginAttempt, endRun, loadRun, ownedByAttempt, recordTransientError, type RunRow } from '../runs/run-lifecycle';
import { connectLdap, searchPages, type DirectoryEntry, type LdapConnection } from '../ldap/connection';
import { checkFilter, filtersExclude } from '../ldap/filter';
import { LdapError, toLdapError } from '../ldap/errors';
import type { RunStatus } from '../generated/prisma/enums';
import { applyPage, type PageResult } from './apply-page';
import { addCounters, countersFromRow, ZERO_COUNTERS, type RunCounters } from './run-counters';
import { countPages, RunTakenOverError, type CarriedCounters } from './page-sql/count-pages';
import { planPage, type PageCorrelation } from './page-sql/plan-page';
import { PageRolledBackError, PageTicket } from './page-pipeline';
import { isSyncJobKey, requestedAttributes, resolveJobOptions, siblingJob, type ResolvedJobOptions, type SyncJobKey } from './job-options';
import { loadLdapSettings } from '../ldap-settings/load-ldap-settings';
import { mapEntry, type MappedEntry } from './mapping';
import { outcomeOf, type JobOutcome } from './outcome';
import { bothFilters, siblingMatches, siblingOverlap } from './sibling-matches';
import { claimScope, contestedUsernames } from './claimants';
import type { ReleasedUsername } from './page-plan';
import { checkThreshold, parseThresholdCheck, thresholdMessage, type ThresholdCheck } from './threshold';
import { binaryAttributes } from './unique-id';
import type { PhaseTimer } from './phase-timer';
import { runRestore, type RestoreCounters } from '../restore/run-restore';
import { readDirectoryClock, type ClockReading } from '../ldap/directory-clock';
import { selectionFingerprint } from './job-options';
import { decideRunKind, deltaFilter, storedWatermark, type Watermark } from './delta';
import { uniqueIdFilter } from './unique-id';
import { entryUniqueId } from './mapping';
import { config } from '../config';
import { isRunErrorCode, type RunErrorCode } from '../errors/error-codes';

export type RunProgress = {
  entriesRead: number;
  entriesTotal: number | null;
  usersProcessed: number;
  page: number;
  counters: RunCounters;
  /**
   * For a worker parking the run at this report: rolls back the page in flight after this one
   * (it commits only once this report returned) and resolves when the run holds no transaction.
   * No new page starts while onProgress is pending.
   */
  quiesce: () => Promise<void>;
};

export type RunOutcome = {
  runId: number;
  jobKey: string;
  status: RunStatus;
  dryRun: boolean;
  counters: RunCounters;
  entriesTotal: number | null;
  wouldDeactivate: number | null;
  thresholdCheck: ThresholdCheck | null;
  errorCode: string | null;
  error: string | null;
  /** FULL or DELTA (null: a restore run, or a run that ended before it was decided). */
  kind: 'FULL' | 'DELTA' | null;
  /** Why a job in delta mode ran in full. */
  fullRunReason: string | null;
  watermarkFrom: Watermark | null;
  watermarkTo: Watermark | null;
};

/** Thrown for failures a later attempt may overcome; the run stays RUNNING with the error recorded. */
export class TransientSyncError extends Error {
  readonly transient = true as const;
  readonly code: RunErrorCode;
  constructor(code: RunErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientSyncError';
    this.code = code;
  }
}

/** A page with nothing to write leaves its counters to a later page, but the run's are updated at least this often. */
const COUNT_AT_LEAST_EVERY_MS = 1000;
const TERMINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED', 'THRESHOLD_EXCEEDED']);
const PAGE_ATTEMPTS = 3;

function outcomeFromRow(r: RunRow): RunOutcome {
  const { pagesApplied: _pages, ...counters } = countersFromRow(r);
  return {
    runId: r.id,
    jobKey: r.job_key,
    status: r.status as RunStatus,
    dryRun: r.dry_run,
    counters,
    entriesTotal: (r.entries_total as number | null) ?? null,
    wouldDeactivate: (r.would_deactivate as number | null) ?? null,
    thresholdCheck: parseThresholdCheck(r.threshold_check),
    errorCode: (r.error_code as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    kind: (r.run_kind as 'FULL' | 'DELTA' | null) ?? null,
    fullRunReason: (r.full_run_reason as string | null) ?? null,
    watermarkFrom: storedWatermark(r.watermark_from),
    watermarkTo: storedWatermark(r.watermark_to),
  };
}

/** Ends the run (lib/runs/run-lifecycle.ts): only while `attempt`, when given, owns it; else answers it as it is. */
async function finishRun(db: pg.Pool, runId: number, status: RunStatus, error?: { code: RunErrorCode; message: string }, attempt?: number): Promise<RunOutcome> {
  const { run } = await endRun(db, runId, status, { error: error ?? { code: null, message: null }, attempt });
  return outcomeFromRow(run);
}

/** For the worker when retries are exhausted: the run ends FAILED with the last error. */
export async function failRun(runId: number, error: unknown): Promise<RunOutcome> {
  const code = (error as { code?: unknown })?.code;
  return finishRun(pool(), runId, 'FAILED', {
    code: isRunErrorCode(code) ? code : 'RUN_FAILED',
    message: error instanceof Error ? error.message : String(error),
  });
}

/** Keeps one page in flight: the directory serves page n+1 while page n is applied. */
async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let pending = source.next();
  pending.catch(() => undefined);
  try {
    for (;;) {
      const current = await pending;
      if (current.done) return;
      pending = source.next();
      pending.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await source.return(undefined).catch(() => undefined);
  }
}

type Context = {
  db: pg.Pool;
  session: EngineSession;
  run: RunRow;
  /** Nothing is written: a dry run, or a run stopped at the threshold recording what it would do. */
  writesNothing: boolean;
  jobKey: SyncJobKey;
  options: ResolvedJobOptions;
  outcome: JobOutcome;
  siblingFilter: string | null;
  /**
   * Searches on a second connection (overlap, claimants, sibling matches), one at a time:
   * OpenLDAP drops a paged search's state when another search runs on its connection.
   */
  lookup: <T>(search: (connection: LdapConnection) => Promise<T>) => Promise<T>;
  /** Both filters: the people whose usernames compete (claimants.ts). */
  claimScope: string;
  /** Usernames given up by renames in this run (page-plan.ts Correlation). */
  released: Map<string, ReleasedUsername>;
  /** Entries both filters match, read once per run; null: too many, checked page by page. */
  overlap: Promise<Set<string> | null> | null;
  /** A delta run: reads the entries changed since `from`, after re-checking `recheck` (lib/sync/delta.ts). Null: a full run. */
  delta: { from: Watermark; recheck: readonly string[] } | null;
  timer?: PhaseTimer;
};

/**
 * A database connection a run works on: taken from the pool for the work of a page and given
 * back when the page is done (a worker may park the run between pages, and must be able to close
 * the pool). Set once per connection: random_page_cost = 1.1 (SSD; with the default 4 the planner
 * scans certificates and roles in full on every page), and a lock_timeout, so that a lock cycle
 * through another application's transaction and the page pipeline's ordered commits ends in a
 * retried page instead of a hang. An idle_in_transaction_session_timeout too: a worker that
 * hangs (stopped, swapped out) inside a page's transaction would otherwise hold its users' row
 * locks for as long as it hangs, and the attempt that takes its run over could never apply that
 * page; PostgreSQL ends such a transaction, the page rolls back, and the hung worker, if it wakes,
 * finds its run taken over (fencing). A page legitimately idle that long (waiting for the page
 * before it) is simply applied again. A connection that failed is discarded and the next attempt
 * gets a fresh one.
 */
const TUNED = new WeakSet<pg.PoolClient>();
const LOCK_TIMEOUT = '15s';
const IDLE_IN_TRANSACTION_TIMEOUT = '20s';

class EngineSession {
  private current: Promise<pg.PoolClient> | null = null;
  constructor(private readonly db: pg.Pool) {}

  client(): Promise<pg.PoolClient> {
    this.current ??= (async () => {
      const client = await this.db.connect();
      if (TUNED.has(client)) return client;
      try {
        await client.query(
          `SET random_page_cost = 1.1; SET lock_timeout = '${LOCK_TIMEOUT}'; SET idle_in_transaction_session_timeout = '${IDLE_IN_TRANSACTION_TIMEOUT}'`,
        );
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      TUNED.add(client);
      return client;
    })();
    const pending = this.current;
    pending.catch(() => {
      if (this.current === pending) this.current = null;
    });
    return pending;
  }

  /** Back to the pool; a failed connection (error given) is closed instead. */
  async release(error?: unknown): Promise<void> {
    const pending = this.current;
    this.current = null;
    const client = await pending?.catch(() => null);
    if (!client) return;
    client.release(error === undefined ? undefined : error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * The entries a delta run reads, page by page: first the people to re-check (drifted in the
 * Identity Manager, or failed last time), read with the job's filter by unique id, then the
 * entries changed since the watermark, without those already read. A full run: the job's filter.
 */
async function* selectionPages(connection: LdapConnection, ctx: Context): AsyncGenerator<DirectoryEntry[]> {
  const search = { attributes: requestedAttributes(ctx.options), bufferAttributes: binaryAttributes(ctx.options.uniqueIdAttribute), pageSize: ctx.options.pageSize };
  if (!ctx.delta) {
    yield* searchPages(connection, { ...search, filter: ctx.options.filter });
    return;
  }
  const seen = new Set<string>();
  const { recheck, from } = ctx.delta;
  for (let i = 0; i < recheck.length; i += ctx.options.pageSize) {
    const ids = recheck.slice(i, i + ctx.options.pageSize);
    const filter = `(&${ctx.options.filter}(|${ids.map((id) => uniqueIdFilter(ctx.options.uniqueIdAttribute, id)).join('')}))`;
    const page: DirectoryEntry[] = [];
    for await (const entries of searchPages(connection, { ...search, filter })) page.push(...entries);
    for (const entry of page) {
      const id = entryUniqueId(entry, ctx.options.uniqueIdAttribute);
      if (id !== undefined) seen.add(id);
    }
    if (page.length) yield page;
  }
  for await (const entries of searchPages(connection, { ...search, filter: deltaFilter(ctx.options.filter, from) })) {
    const fresh = seen.size ? entries.filter((e) => !seen.has(entryUniqueId(e, ctx.options.uniqueIdAttribute) ?? '')) : entries;
    if (fresh.length) yield fresh;
  }
}

async function* mappedPages(connection: LdapConnection, ctx: Context): AsyncGenerator<MappedEntry[]> {
  const pages = selectionPages(connection, ctx);
  // Mapped inside the read-ahead: page n+1 is mapped while the database works on page n.
  async function* mapped(): AsyncGenerator<MappedEntry[]> {
    for await (const page of pages) {
      const t1 = performance.now();
      const entries = page.map((entry) => mapEntry(entry, ctx.options));
      ctx.timer?.add('map', performance.now() - t1);
      yield entries;
    }
  }
  const it = readAhead(mapped());
  for (;;) {
    const t0 = performance.now();
    const next = await it.next();
    ctx.timer?.add('ldap.wait', performance.now() - t0);
    if (next.done) return;
    yield next.value;
  }
}

async function siblingOf(ctx: Context, entries: MappedEntry[]): Promise<ReadonlySet<string>> {
  if (!ctx.siblingFilter) return new Set();
  const t0 = performance.now();
  try {
    const overlap = ctx.overlap ? await ctx.overlap : null;
    if (overlap) return overlap;
    return await ctx.lookup((connection) => ldapErrors(connection, ctx.siblingFilter!, () => siblingMatches(connection, ctx.siblingFilter, ctx.options.uniqueIdAttribute, entries)));
  } finally {
    ctx.timer?.add('sibling', performance.now() - t0);
  }
}

async function ldapErrors<T>(connection: LdapConnection, filter: string, search: () => Promise<T>): Promise<T> {
  try {
    return await search();
  } catch (error) {
    if (error instanceof LdapError) throw error;
    throw toLdapError(error, { url: connection.url, baseDn: connection.settings.baseDn, filter });
  }
}

/** What the page's plan needs beyond its entries: the sibling job's matches and who else claims its usernames. */
async function correlate(ctx: Context, entries: MappedEntry[]): Promise<{ sibling: ReadonlySet<string>; correlation: PageCorrelation }> {
  const sibling = await siblingOf(ctx, entries);
  const claims = async (unsettled: readonly MappedEntry[]) => {
    const t0 = performance.now();
    try {
      return await ctx.lookup((connection) => ldapErrors(connection, ctx.claimScope, () => contestedUsernames(connection, ctx.claimScope, ctx.options, unsettled)));
    } finally {
      ctx.timer?.add('claimants', performance.now() - t0);
    }
  };
  return { sibling, correlation: { claims, released: ctx.released } };
}

/** Serialises searches on one lazily opened connection. */
function searchLane(connect: () => Promise<LdapConnection>): Context['lookup'] {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(search: (connection: LdapConnection) => Promise<T>) => {
    const run = tail.then(async () => search(await connect()));
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Usernames renames gave up in pages an earlier attempt of the run committed (the run items say which). */
async function releasedByEarlierAttempts(db: pg.Pool, runId: number): Promise<Map<string, ReleasedUsername>> {
  const { rows } = await db.query(
    `SELECT user_id, changes->'user'->'before'->>'username' AS "from", changes->'user'->'after'->>'username' AS "to"
     FROM batch_run_items WHERE run_id = $1 AND outcome = 'UPDATED' AND changes->'user'->'before'->>'username' IS NOT NULL`,
    [runId],
  );
  const released = new Map<string, ReleasedUsername>();
  for (const r of rows) {
    // Usernames are keyed as mapping.ts keys them: NFC, lower case.
    const from = (r.from as string).normalize('NFC').toLowerCase();
    if (from !== (r.to as string).normalize('NFC').toLowerCase()) released.set(from, { userId: r.user_id, from, to: r.to });
  }
  return released;
}

/** Starts the one overlap search of the run on the second connection, beside the main search. */
function startOverlap(ctx: Context): Promise<Set<string> | null> | null {
  if (!ctx.siblingFilter) return null;
  const siblingFilter = ctx.siblingFilter;
  // The presets' two filters contradict each other: no search needed (it would read the whole
  // selection once more, ~2 s at 1,000,000 entries, before the first page).
  if (filtersExclude(ctx.options.filter, siblingFilter)) return Promise.resolve(new Set());
  const pending = ctx.lookup((connection) =>
    ldapErrors(connection, bothFilters(ctx.options.filter, siblingFilter), () => siblingOverlap(connection, ctx.options.filter, siblingFilter, ctx.options.uniqueIdAttribute)),
  );
  pending.catch(() => undefined); // awaited (and reported) by the first page
  return pending;
}

type PrePass = { entriesTotal: number; pages: number; wouldDeactivate: number; pending: number; unchanged: number };

/** Reads the whole selection without writing: how many active users would be deactivated, and whether anything changes at all. */
async function prePass(connection: LdapConnection, ctx: Context): Promise<PrePass> {
  const result: PrePass = { entriesTotal: 0, pages: 0, wouldDeactivate: 0, pending: 0, unchanged: 0 };
  for await (const entries of mappedPages(connection, ctx)) {
    const { sibling, correlation } = await correlate(ctx, entries);
    const client = await ctx.session.client();
    const t0 = performance.now();
    const plan = await planPage(client, ctx.outcome, entries, sibling, siblingJob(ctx.jobKey), correlation);
    ctx.timer?.add('prepass.plan', performance.now() - t0);
    result.entriesTotal += entries.length;
    result.pages++;
    result.wouldDeactivate += plan.wouldDeactivate;
    result.unchanged += plan.unchanged;
    result.pending += plan.creates.length + plan.candidates.length + plan.failures.length;
  }
  return result;
}

async function applyWithRetry(
  ctx: Context,
  session: EngineSession,
  page: number,
  entries: MappedEntry[],
  sibling: ReadonlySet<string>,
  correlation: PageCorrelation,
  countWouldDeactivate: boolean,
  previous: PageTicket | null,
  ticket: PageTicket,
  mayDeferCount: () => boolean,
): Promise<PageResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const client = await session.client();
      return await applyPage(
        client,
        {
          runId: ctx.run.id,
          attempt: Number(ctx.run.attempts),
          page,
          outcome: ctx.outcome,
          dryRun: ctx.writesNothing,
          siblingJobKey: siblingJob(ctx.jobKey),
          correlation,
          countWouldDeactivate,
          timer: ctx.timer,
          mayDeferCount,
          ...PageTicket.hooks(previous, ticket),
        },
        entries,
        sibling,
      );
    } catch (error) {
      await session.release(error);
      // The directory's errors (a claim search in the plan) are the run's to report, as they are.
      if (error instanceof PageRolledBackError || error instanceof LdapError || error instanceof RunTakenOverError) throw error;
      if (attempt >= PAGE_ATTEMPTS) {
        throw new TransientSyncError('PAGE_APPLY_FAILED', `A page could not be applied after ${PAGE_ATTEMPTS} attempts: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

type PageTask = { page: number; ticket: PageTicket; result: Promise<PageResult> };

/** Starts applying a page beside the one in flight (if any), on the other connection. */
function startPage(
  ctx: Context,
  sessions: readonly EngineSession[],
  page: number,
  entries: MappedEntry[],
  countWouldDeactivate: boolean,
  previous: PageTask | undefined,
  mayDeferCount: () => boolean,
): PageTask {
  const ticket = new PageTicket(page);
  const session = sessions[page % sessions.length]!;
  const result = (async () => {
    try {
      const { sibling, correlation } = await correlate(ctx, entries);
      const applied = await applyWithRetry(ctx, session, page, entries, sibling, correlation, countWouldDeactivate, previous?.ticket ?? null, ticket, mayDeferCount);
      ticket.settled(undefined, applied.carried);
      return applied;
    } catch (error) {
      ticket.settled(error);
      throw error;
    } finally {
      await session.release();
    }
  })();
  result.catch(() => undefined); // awaited in page order by the run
  return { page, ticket, result };
}

/**
 * Executes an existing batch_runs row (queued by the jobs layer or the CLI). Safe to call again
 * on the same run after a crash or a transient failure: pages already committed are skipped
 * (their counters were committed with them), so the end state and counters equal those of an
 * uninterrupted run.
 */
export async function runBatchJob({ runId, onProgress, timer }: { runId: number; onProgress?: (p: RunProgress) => void | Promise<void>; timer?: PhaseTimer }): Promise<RunOutcome> {
  const db = pool();
  let run = await loadRun(db, runId);
  if (TERMINAL.has(run.status)) return outcomeFromRow(run);
  // A restore run (lib/restore) goes through the same queue, worker and lifecycle as a sync run.
  if (run.restore_of_run_id !== null) return restoreRun(runId, onProgress);
  if (!isSyncJobKey(run.job_key)) return finishRun(db, runId, 'FAILED', { code: 'UNKNOWN_JOB', message: `No synchronization engine for job ${run.job_key}.` });
  if (run.cancel_requested_at) return finishRun(db, runId, 'CANCELLED');
  const started = await beginAttempt(db, runId);
  if (!started) return outcomeFromRow(await loadRun(db, runId)); // ended meanwhile
  run = started;
  // This attempt's fencing token: every later write of the run is conditional on it.
  const attempt = Number(run.attempts);
  const jobKey = run.job_key as SyncJobKey;

  let ctx: Context;
  try {
    const { rows: jobs } = await db.query('SELECT key, options FROM batch_jobs WHERE key = ANY($1::text[])', [[jobKey, siblingJob(jobKey)]]);
    const own = jobs.find((j) => j.key === jobKey);
    const sibling = jobs.find((j) => j.key === siblingJob(jobKey));
    const options = resolveJobOptions(jobKey, own?.options);
    options.filter = checkFilter(options.filter);
    let siblingFilter: string | null = null;
    if (sibling) {
      try {
        siblingFilter = checkFilter(resolveJobOptions(siblingJob(jobKey), sibling.options).filter);
      } catch {
        siblingFilter = null; // the sibling's own runs report its broken filter
      }
    }
    ctx = {
      db,
      run,
      writesNothing: run.dry_run,
      jobKey,
      options,
      outcome: outcomeOf(jobKey),
      siblingFilter,
      lookup: () => Promise.reject(new Error('not connected')),
      claimScope: claimScope(options.filter, siblingFilter),
      released: new Map(),
      overlap: null,
      delta: null,
      timer,
      session: new EngineSession(db),
    };
  } catch (error) {
    if (error instanceof LdapError) return finishRun(db, runId, 'FAILED', { code: error.code, message: error.message }, attempt);
    return finishRun(db, runId, 'FAILED', { code: 'INVALID_JOB_OPTIONS', message: `The job's options are invalid: ${(error as Error).message}` }, attempt);
  }

  if (Number(run.attempts) > 1) ctx.released = await releasedByEarlierAttempts(db, runId);

  let connection: LdapConnection | undefined;
  let siblingConnection: Promise<LdapConnection> | undefined;
  try {
    const settings = await loadLdapSettings(db);
    // The run's start, timed (--profile): what a delta run pays before its first page.
    let t0 = performance.now();
    connection = await connectLdap(settings);
    timer?.add('start.ldap-connect', performance.now() - t0);
    t0 = performance.now();
    run = await settleRunKind(db, run, attempt, ctx, connection);
    timer?.add('start.run-kind', performance.now() - t0);
    ctx.lookup = searchLane(() => (siblingConnection ??= connectLdap(settings)));
    ctx.overlap = startOverlap(ctx);

    // A confirmed run goes ahead whatever the threshold says: no pre-pass (the directory is read
    // once), and the would-deactivate count is added up page by page as the run applies them.
    const countWouldDeactivate = ctx.outcome.userState === 'INACTIVE' && run.confirmed === true;
    if (ctx.outcome.userState === 'INACTIVE' && !run.confirmed && run.would_deactivate === null) {
      const pre = await prePass(connection, ctx);
      const { rows } = await (await ctx.session.client()).query(`SELECT count(*)::int AS n FROM users WHERE state = 'ACTIVE'`);
      const check = checkThreshold(pre.wouldDeactivate, rows[0].n, ctx.options);
      // The verdict is stored with the count in one statement: a retried attempt reads the same one.
      const { rowCount } = await db.query(
        `UPDATE batch_runs SET would_deactivate = $2, entries_total = $3, threshold_check = $4 WHERE id = $1 AND ${ownedByAttempt('$5')}`,
        [runId, pre.wouldDeactivate, pre.entriesTotal, JSON.stringify(check), attempt],
      );
      if (!rowCount) throw new RunTakenOverError(runId, attempt);
      // Nothing to create, change or report: the pre-pass already did all the work of this run.
      if (pre.pending === 0 && Number(run.pages_applied) === 0) {
        const { rowCount: counted } = await db.query(
          `UPDATE batch_runs SET entries_read = $2, unchanged = $3, pages_applied = $4 WHERE id = $1 AND ${ownedByAttempt('$5')}`,
          [runId, pre.entriesTotal, pre.unchanged, pre.pages, attempt],
        );
        if (!counted) throw new RunTakenOverError(runId, attempt);
        const counters = { ...ZERO_COUNTERS, entriesRead: pre.entriesTotal, unchanged: pre.unchanged };
        await ctx.session.release();
        await onProgress?.({ entriesRead: pre.entriesTotal, entriesTotal: pre.entriesTotal, usersProcessed: pre.entriesTotal, page: pre.pages, counters, quiesce: () => Promise.resolve() });
        return finishRun(db, runId, 'SUCCEEDED', undefined, attempt);
      }
      run = await loadRun(db, runId);
    }
    // Over the threshold and not confirmed: the run writes nothing, but records, as a dry run does,
    // every change it would make, so that the operator confirms people they have seen, not a number.
    // A dry run over the threshold is a preview all the same and goes on as one.
    const threshold = parseThresholdCheck(run.threshold_check);
    const stopped = threshold?.exceeded === true && !run.dry_run && !run.confirmed;
    ctx.writesNothing = run.dry_run || stopped;

    const skip = Number(run.pages_applied);
    const sessions = [ctx.session, new EngineSession(db)];
    const inFlight: PageTask[] = [];
    const idle = () => Promise.allSettled(inFlight.map((t) => t.result)).then(() => undefined);
    let cancelled = false;
    // The run's counters as the pages report them (some pages leave theirs to a later page's count).
    const { pagesApplied: _applied, ...counted } = countersFromRow(run);
    let totals: RunCounters = counted;
    let lastCount = Date.now();
    let uncounted: { page: number; carried: CarriedCounters } | null = null;
    const mayDeferCount = () => Date.now() - lastCount < COUNT_AT_LEAST_EVERY_MS;
    /** Waits for the oldest page in flight and reports it; false when the run stops there. */
    const finishOldest = async (): Promise<boolean> => {
      const task = inFlight.shift()!;
      let result: PageResult;
      try {
        result = await task.result;
        totals = addCounters(totals, result.counters);
        uncounted = result.carried ? { page: task.page, carried: result.carried } : null;
        if (!result.carried) lastCount = Date.now();
        await onProgress?.({
          entriesRead: totals.entriesRead,
          entriesTotal: (run.entries_total as number | null) ?? null,
          usersProcessed: totals.created + totals.updated + totals.unchanged + totals.failed,
          page: task.page,
          counters: totals,
          quiesce: () => {
            task.ticket.reported('the run was paused');
            return idle();
          },
        });
      } catch (error) {
        task.ticket.reported('the run stopped on an error');
        throw error;
      }
      if (result.cancelRequested) {
        cancelled = true;
        task.ticket.reported('the run was cancelled');
        return false;
      }
      task.ticket.reported();
      return true;
    };
    try {
      let page = 0;
      for await (const entries of mappedPages(connection, ctx)) {
        page++;
        if (page <= skip) continue; // committed by an earlier attempt, counters included
        if (inFlight.length >= sessions.length && !(await finishOldest())) break;
        inFlight.push(startPage(ctx, sessions, page, entries, countWouldDeactivate, inFlight.at(-1), mayDeferCount));
      }
      while (!cancelled && inFlight.length) await finishOldest();
      // The last pages had nothing to write and left their counters: count them now.
      const last = uncounted as { page: number; carried: CarriedCounters } | null;
      if (!cancelled && last) {
        await countPages(await ctx.session.client(), runId, attempt, last.page, last.carried);
        await ctx.session.release();
      }
    } finally {
      // Never leave a page's transaction behind: when the run stops before reporting the pages in
      // flight (an error reading the directory, say), the oldest may commit, the one after rolls back.
      for (const task of inFlight) task.ticket.reported('the run stopped');
      await idle();
      await sessions[1]!.release();
    }
    const final = await loadRun(db, runId);
    if (cancelled) {
      const pages = Number(final.pages_applied);
      return finishRun(db, runId, 'CANCELLED', { code: 'CANCELLED', message: `Cancelled after ${pages} page(s); every applied page is complete.` }, attempt);
    }
    // The whole selection was read: what was an expectation (a confirmed run's) or unknown is now counted.
    await db.query(
      `UPDATE batch_runs SET entries_total = entries_read WHERE id = $1 AND entries_total IS DISTINCT FROM entries_read AND ${ownedByAttempt('$2')}`,
      [runId, attempt],
    );
    if (stopped) return finishRun(db, runId, 'THRESHOLD_EXCEEDED', { code: 'THRESHOLD_EXCEEDED', message: thresholdMessage(threshold, 'stopped') }, attempt);
    return finishRun(db, runId, Number(final.failed) > 0 ? 'COMPLETED_WITH_ERRORS' : 'SUCCEEDED', undefined, attempt);
  } catch (error) {
    // Another attempt owns the run now: this one has nothing left to say about it.
    if (error instanceof RunTakenOverError) return outcomeFromRow(await loadRun(db, runId));
    if (error instanceof LdapError && !error.transient) return finishRun(db, runId, 'FAILED', { code: error.code, message: error.message }, attempt);
    if (isDatabaseUnavailable(error)) throw new TransientSyncError('DATABASE_UNAVAILABLE', `The database is unavailable: ${(error as Error).message}`, { cause: error });
    if ((error instanceof LdapError && error.transient) || error instanceof TransientSyncError) {
      const code = error.code;
      await recordTransientError(db, runId, attempt, code, error.message);
      throw error instanceof TransientSyncError ? error : new TransientSyncError(code, error.message, { cause: error });
    }
    throw error;
  } finally {
    await ctx.session.release();
    await ctx.overlap?.catch(() => undefined);
    await connection?.close();
    await siblingConnection?.then((c) => c.close(), () => undefined);
  }
}

/**
 * The run's kind (FULL or DELTA), decided once at its first attempt and stored with the watermark
 * it starts from, the one it records, and the people it re-checks: a retried attempt reads the
 * same selection in the same pages (its committed pages are skipped by number).
 */
async function settleRunKind(db: pg.Pool, run: RunRow, attempt: number, ctx: Context, connection: LdapConnection): Promise<RunRow> {
  if (run.run_kind === null) {
    let reading: ClockReading;
    try {
      const t0 = performance.now();
      reading = await readDirectoryClock(connection);
      ctx.timer?.add('start.directory-clock', performance.now() - t0);
    } catch (error) {
      // The run goes on in full (a delta job says why); the job's own search reports a directory that is really gone.
      reading = { clock: null, reason: `the directory's clock could not be read: ${(error as Error).message}` };
    }
    const fingerprint = selectionFingerprint(ctx.options);
    const decision = await decideRunKind({ db, runId: run.id, jobKey: ctx.jobKey, options: ctx.options, outcome: ctx.outcome, fingerprint, reading, overlapSeconds: config().DELTA_OVERLAP_SECONDS });
    const { rows } = await db.query(
      `UPDATE batch_runs SET run_kind = $2::"RunKind", watermark_from = $3, watermark_to = $4, full_run_reason = $5, selection_fingerprint = $6, recheck_external_ids = $7
       WHERE id = $1 AND run_kind IS NULL AND ${ownedByAttempt('$8')} RETURNING *, status::text AS status`,
      [run.id, decision.kind, decision.from && JSON.stringify(decision.from), decision.to && JSON.stringify(decision.to), decision.reason, fingerprint, decision.recheck, attempt],
    );
    if (!rows[0]) throw new RunTakenOverError(run.id, attempt);
    run = rows[0];
  }
  const from = storedWatermark(run.watermark_from);
  ctx.delta = run.run_kind === 'DELTA' && from ? { from, recheck: (run.recheck_external_ids as string[] | null) ?? [] } : null;
  return run;
}

/** A restore's counters under the run's columns: restored users are `updated`, conflicts `failed`, roles granted again `rolesWithdrawn`. */
function restoreAsRunCounters(c: RestoreCounters): RunCounters {
  return {
    entriesRead: c.entriesRead,
    created: 0,
    updated: c.restored,
    unchanged: c.unchanged,
    failed: c.conflicts,
    credentialsChanged: c.credentialsRestored,
    certificatesChanged: c.certificatesReleased,
    rolesWithdrawn: c.rolesGranted,
  };
}

async function restoreRun(runId: number, onProgress?: (p: RunProgress) => void | Promise<void>): Promise<RunOutcome> {
  await runRestore({
    runId,
    onProgress: (p) => {
      const counters = restoreAsRunCounters(p.counters);
      return onProgress?.({
        entriesRead: p.entriesRead,
        entriesTotal: p.entriesTotal,
        usersProcessed: p.entriesRead,
        page: p.page,
        counters,
        // Reported after the page committed; the other lane's page may still be in flight.
        quiesce: p.idle,
      });
    },
  });
  return outcomeFromRow(await loadRun(pool(), runId));
}
