import { ownedByAttempt, ownsRun } from '../../runs/run-lifecycle';
import { addCounters, ZERO_COUNTERS, type RunCounters } from '../run-counters';
import type { Db } from './prepared-statement';

// The counting: a page's counters added to the run's, in the page's transaction (or alone for a
// page with nothing to write). pages_applied must be the page's predecessor: pages commit in
// directory order, which is what lets an interrupted run skip exactly the pages already applied.
// A page with nothing to write may leave its counters to the next page that counts (within a
// second): a run with nothing to change then costs one statement per page, and a run that stops
// in between simply reads those pages again (nothing of them was committed).

/** One text for every run and job; prepared by name like the page's other statements. */
const COUNT_PAGES = {
  name: 'count-pages',
  text: `
  UPDATE batch_runs SET pages_applied = pages_applied + $3, entries_read = entries_read + $4, created = created + $5,
         updated = updated + $6, unchanged = unchanged + $7, failed = failed + $8, credentials_changed = credentials_changed + $9,
         certificates_changed = certificates_changed + $10, roles_withdrawn = roles_withdrawn + $11,
         would_deactivate = CASE WHEN $12::int IS NULL THEN would_deactivate ELSE COALESCE(would_deactivate, 0) + $12::int END
  WHERE id = $1 AND pages_applied = $2 AND ${ownedByAttempt('$13')}
  RETURNING cancel_requested_at`,
};

/**
 * The run is no longer this attempt's: another attempt started (this worker hung and its lock ran
 * out) or the run ended. The attempt writes nothing more (its page rolls back) and stops.
 */
export class RunTakenOverError extends Error {
  constructor(runId: number, attempt: number) {
    super(`Run #${runId} is no longer attempt ${attempt}'s (another attempt took it over or it ended): this attempt stops without writing.`);
    this.name = 'RunTakenOverError';
  }
}

/** Thrown when a page would commit out of order (its predecessor is not committed). */
export class PageOrderError extends Error {
  constructor(page: number) {
    super(`Page ${page} cannot be counted: the run has not applied the page before it.`);
    this.name = 'PageOrderError';
  }
}

/** Counters of pages not yet added to the run's (pages with nothing to write wait for a page that writes). */
export type CarriedCounters = { pages: number; counters: RunCounters; wouldDeactivate: number | null };

export const NOTHING_CARRIED: CarriedCounters = { pages: 0, counters: ZERO_COUNTERS, wouldDeactivate: null };

export function carry(previous: CarriedCounters, counters: RunCounters, wouldDeactivate: number | null): CarriedCounters {
  return {
    pages: previous.pages + 1,
    counters: addCounters(previous.counters, counters),
    wouldDeactivate: wouldDeactivate === null && previous.wouldDeactivate === null ? null : (previous.wouldDeactivate ?? 0) + (wouldDeactivate ?? 0),
  };
}

/**
 * Adds `carried` (the page's own counters and those its predecessors left to it) to the run's,
 * with pages_applied checked to be the first carried page's predecessor. Returns whether a cancel
 * was requested.
 */
export async function countPages(db: Db, runId: number, attempt: number, lastPage: number, carried: CarriedCounters): Promise<boolean> {
  const c = carried.counters;
  const { rows } = await db.query({
    ...COUNT_PAGES,
    values: [
      runId,
      lastPage - carried.pages,
      carried.pages,
      c.entriesRead,
      c.created,
      c.updated,
      c.unchanged,
      c.failed,
      c.credentialsChanged,
      c.certificatesChanged,
      c.rolesWithdrawn,
      carried.wouldDeactivate,
      attempt,
    ],
  });
  if (!rows[0]) throw (await ownsRun(db, runId, attempt)) ? new PageOrderError(lastPage) : new RunTakenOverError(runId, attempt);
  return rows[0].cancel_requested_at !== null;
}
