import type pg from 'pg';
import type { MappedEntry } from './mapping';
import type { JobOutcome } from './outcome';
import type { PageClassification } from './page-plan';
import type { PhaseTimer } from './phase-timer';
import { ZERO_COUNTERS, type RunCounters } from './run-counters';
import { carry, countPages, NOTHING_CARRIED, type CarriedCounters } from './page-sql/count-pages';
import { planPage, type PageCorrelation } from './page-sql/plan-page';
import type { Db } from './page-sql/prepared-statement';
import { writePage } from './page-sql/write-page';

// One page of a run, applied: planned (page-sql/plan-page.ts), written (page-sql/write-page.ts)
// and counted (page-sql/count-pages.ts) in one transaction. A handful of set-based statements
// whatever the page size.

export type PageContext = {
  runId: number;
  /** The attempt applying the page (batch_runs.attempts): its fencing token. */
  attempt: number;
  /** The page's position in the directory search (1-based). */
  page: number;
  outcome: JobOutcome;
  dryRun: boolean;
  siblingJobKey: string;
  /** The page's contested usernames and the run's released ones (page-plan.ts Correlation). */
  correlation?: PageCorrelation;
  /** Add the page's would-deactivate count to the run (runs that skipped the threshold pre-pass). */
  countWouldDeactivate?: boolean;
  timer?: PhaseTimer;
  /**
   * Pages applied side by side (lib/sync/page-pipeline.ts): called with the plan before any write,
   * it may wait for the page before this one and returns true when the plan must be made again.
   */
  beforeWrite?: (plan: PageClassification) => Promise<boolean>;
  /** Awaited before the page is counted and committed: its predecessor's commit and report; what it left uncounted. */
  beforeCommit?: () => Promise<CarriedCounters>;
  /** A page with nothing to write may leave its counters to the next page (page-sql/count-pages.ts). */
  mayDeferCount?: () => boolean;
};

export type PageResult = {
  counters: RunCounters;
  cancelRequested: boolean;
  /** Counters the page left to the next one (not committed yet); null when the run's include them. */
  carried: CarriedCounters | null;
};

/** Times each statement under its name (--profile). */
function timed(client: Db, timer: PhaseTimer | undefined): Db {
  if (!timer) return client;
  const query = (sql: string | pg.QueryConfig, values?: unknown[]) => {
    const label = typeof sql === 'string' ? sql.trim().split(/\s+/).slice(0, 3).join(' ') : sql.name;
    return timer.time(`db.${label}`, () => client.query(sql, values));
  };
  return { query } as unknown as Db;
}

/**
 * Applies one page: the users' changes, the run items and the run's counters commit together
 * (one transaction: BEGIN, write, counters, COMMIT), so a page is either fully applied and
 * counted or not at all. A page with nothing to create, change or report costs two statements
 * (plan, counters). A dry run runs the same statements with writing switched off.
 */
export async function applyPage(client: pg.PoolClient, ctx: PageContext, entries: readonly MappedEntry[], siblingMatches: ReadonlySet<string>): Promise<PageResult> {
  const db = timed(client, ctx.timer);
  let plan = await planPage(db, ctx.outcome, entries, siblingMatches, ctx.siblingJobKey, ctx.correlation);
  if (ctx.beforeWrite && (await ctx.beforeWrite(plan))) plan = await planPage(db, ctx.outcome, entries, siblingMatches, ctx.siblingJobKey, ctx.correlation);
  const wouldDeactivate = ctx.countWouldDeactivate ? plan.wouldDeactivate : null;
  if (!plan.creates.length && !plan.candidates.length && !plan.failures.length) {
    const inherited = (await ctx.beforeCommit?.()) ?? NOTHING_CARRIED;
    const counters = { ...ZERO_COUNTERS, entriesRead: entries.length, unchanged: plan.unchanged };
    const carried = carry(inherited, counters, wouldDeactivate);
    if (ctx.mayDeferCount?.()) return { counters, cancelRequested: false, carried };
    const cancelRequested = await countPages(db, ctx.runId, ctx.attempt, ctx.page, carried);
    return { counters, cancelRequested, carried: null };
  }
  await db.query('BEGIN');
  try {
    const written = await writePage(db, ctx, plan);
    const counters: RunCounters = {
      entriesRead: entries.length,
      created: plan.creates.length,
      updated: written.updated,
      unchanged: plan.unchanged + written.unchanged,
      failed: plan.failures.length,
      credentialsChanged: written.credentialsChanged,
      certificatesChanged: written.certificatesChanged,
      rolesWithdrawn: written.rolesWithdrawn,
    };
    const inherited = (await ctx.beforeCommit?.()) ?? NOTHING_CARRIED;
    const cancelRequested = await countPages(db, ctx.runId, ctx.attempt, ctx.page, carry(inherited, counters, wouldDeactivate));
    await db.query('COMMIT');
    return { counters, cancelRequested, carried: null };
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
