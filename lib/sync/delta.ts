import type pg from 'pg';
import { z } from 'zod';
import { shiftGeneralizedTime, type ClockReading } from '../ldap/directory-clock';
import { andFilter, greaterOrEqualFilter } from '../ldap/filter';
import type { RunKind } from '../generated/prisma/enums';
import type { ResolvedJobOptions, SyncJobKey } from './job-options';
import type { JobOutcome } from './outcome';

// Delta runs (issue 17): a job in delta mode reads only the entries its filter matches that changed
// since the watermark the last successful run recorded, plus the people the Identity Manager itself
// let drift out of the job's end state, re-checked against the directory.
//
// What a delta cannot see: an entry that stopped matching the filter (unlocked, deleted, moved out
// of the base). For "Synchronize inactive LDAP Users" that changes nothing: the job never
// reactivates anyone, a full run would not either (the active job does, and in delta mode it sees
// the unlock, which moves modifyTimestamp / uSNChanged). What a delta can miss beyond that (a change
// the directory does not stamp, a watermark taken on a clock that jumped) is bounded by the full run
// every N runs / D days (jobOptions.fullRunEvery).

/** Where a run's reading starts or the next one will: the directory's clock, or AD's USN on one DC. */
export const watermarkSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('modifyTimestamp'), value: z.string().regex(/^\d{14}Z$/) }),
  z.object({ type: z.literal('usn'), usn: z.string().regex(/^\d+$/), invocationId: z.string(), dnsHostName: z.string().nullable() }),
]);
export type Watermark = z.infer<typeof watermarkSchema>;

/** A stored watermark column: the watermark, or null (none, or written by another release). */
export function storedWatermark(value: unknown): Watermark | null {
  const parsed = watermarkSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** More would be re-checked by a delta than it is worth: the run goes full instead. */
export const MAX_RECHECKS = 10_000;

/**
 * The watermark this run records, from the directory's clock at its start.
 *
 * modifyTimestamp: the server's own time (OpenLDAP's or 389-DS's monitor), never ours, minus an
 * overlap (DELTA_OVERLAP_SECONDS, default 60). Why not the highest modifyTimestamp the run saw: a
 * paged search is no snapshot, so an entry changed behind the search (after the run passed it) may
 * carry an older stamp than one changed ahead of it, and would be missed. The server's time at the
 * start is earlier than any stamp a later write gets; the overlap covers writes stamped just before
 * that instant but committed after the search passed their entry, and the 1-second granularity of
 * the stamp (the filter is >=). Re-reading the overlap is harmless: runs are idempotent.
 *
 * usn: the DC's highestCommittedUSN; every later change on it gets a higher uSNChanged. USNs are
 * local to one DC's database (its invocationId), so the DC is recorded with it.
 */
export function watermarkAt(reading: ClockReading, overlapSeconds: number): Watermark | null {
  const clock = reading.clock;
  if (!clock) return null;
  if (clock.type === 'usn') return { type: 'usn', usn: clock.highestCommittedUsn, invocationId: clock.invocationId, dnsHostName: clock.dnsHostName };
  return { type: 'modifyTimestamp', value: shiftGeneralizedTime(clock.serverTime, -overlapSeconds) };
}

/** The job's filter restricted to what changed since `from`. */
export function deltaFilter(filter: string, from: Watermark): string {
  if (from.type === 'usn') return andFilter(filter, greaterOrEqualFilter('uSNChanged', (BigInt(from.usn) + 1n).toString()));
  return andFilter(filter, greaterOrEqualFilter('modifyTimestamp', from.value));
}

/** A watermark as people read it (run page, messages). */
export function describeWatermark(w: Watermark): string {
  return w.type === 'usn' ? `USN ${w.usn} of domain controller ${w.dnsHostName ?? '?'} (invocation id ${w.invocationId})` : `modifyTimestamp ${w.value}`;
}

/** Why `from` cannot be continued with the directory's `now`; null when it can. */
export function watermarkUnusable(from: Watermark, now: Watermark): string | null {
  if (from.type !== now.type) return `the directory type changed (the last run's watermark is ${describeWatermark(from)}, the directory now answers with ${now.type === 'usn' ? 'USNs' : 'modifyTimestamp'})`;
  if (from.type === 'usn' && now.type === 'usn') {
    if (from.invocationId !== now.invocationId || from.dnsHostName !== now.dnsHostName) {
      return `another domain controller answered (${now.dnsHostName ?? '?'}, invocation id ${now.invocationId}) than the one that gave the last watermark (${from.dnsHostName ?? '?'}, invocation id ${from.invocationId}): USNs are not comparable across them`;
    }
    if (BigInt(now.usn) < BigInt(from.usn)) return `the domain controller's highestCommittedUSN went back from ${from.usn} to ${now.usn} (restored?)`;
  }
  if (from.type === 'modifyTimestamp' && now.type === 'modifyTimestamp' && now.value < from.value) {
    return `the directory's clock went back (now ${now.value}, the last watermark ${from.value})`;
  }
  return null;
}

export type RunKindDecision = { kind: RunKind; from: Watermark | null; to: Watermark | null; reason: string | null; recheck: string[] };

/**
 * The users the Identity Manager let drift out of the job's end state since a sync last wrote them
 * (set-based, one statement): changed after their last synchronization (a user reactivated, say:
 * the application stamps updated_at), or, for a job that settles credentials and roles, kept
 * INACTIVE with something of theirs changed since (a credential issued or activated, a certificate
 * made valid, a role granted: the triggers of users.related_settled clear it), plus the entries the
 * run `previousRunId` failed on. Their directory entries are re-read with the job's filter.
 */
export async function driftedExternalIds(db: pg.Pool | pg.PoolClient, outcome: JobOutcome, previousRunId: number | null, limit: number): Promise<string[]> {
  const { rows } = await db.query(driftQuery(outcome, previousRunId, limit));
  return rows.map((r) => r.id as string);
}

/**
 * The statement of driftedExternalIds. Its WHERE clause implies the predicate of
 * users_drifted_idx (its migration): the drifted few are read from that partial index, not found
 * by a scan of every user (tests/integration/engine-query-plans.test.ts).
 */
export function driftQuery(outcome: JobOutcome, previousRunId: number | null, limit: number): { text: string; values: unknown[] } {
  const settles = outcome.credentials !== null || outcome.withdrawRoles;
  return {
    text: `SELECT ldap_external_id AS id FROM users
     WHERE ldap_external_id IS NOT NULL AND last_synchronized_at IS NOT NULL
       AND (updated_at > last_synchronized_at ${settles ? `OR (state = 'INACTIVE' AND NOT related_settled)` : ''})
     UNION
     SELECT external_id FROM batch_run_items WHERE run_id = $1 AND outcome = 'FAILED' AND external_id IS NOT NULL
     ORDER BY 1 LIMIT $2`,
    values: [previousRunId ?? -1, limit + 1],
  };
}

type RunKindInput = {
  db: pg.Pool;
  runId: number;
  jobKey: SyncJobKey;
  options: ResolvedJobOptions;
  outcome: JobOutcome;
  fingerprint: string;
  reading: ClockReading;
  overlapSeconds: number;
};

const SUCCESSFUL = `status IN ('SUCCEEDED', 'COMPLETED_WITH_ERRORS') AND NOT dry_run AND restore_of_run_id IS NULL`;

/** FULL or DELTA for a run's first attempt, and why a job in delta mode runs in full. */
export async function decideRunKind({ db, runId, jobKey, options, outcome, fingerprint, reading, overlapSeconds }: RunKindInput): Promise<RunKindDecision> {
  const to = watermarkAt(reading, overlapSeconds);
  const full = (reason: string | null): RunKindDecision => ({ kind: 'FULL', from: null, to, reason, recheck: [] });
  if (options.runMode === 'full') return full(null);

  const { rows: fulls } = await db.query(
    `SELECT id, selection_fingerprint, started_at, started_at < now() - make_interval(days => $3::int) AS too_old
     FROM batch_runs WHERE job_key = $1 AND id <> $2 AND run_kind = 'FULL' AND ${SUCCESSFUL} ORDER BY id DESC LIMIT 1`,
    [jobKey, runId, options.fullRunEvery.days ?? 100_000],
  );
  const lastFull = fulls[0];
  if (!lastFull) return full('first run of the job in delta mode: no earlier successful full run');
  if (lastFull.selection_fingerprint !== fingerprint) return full("the job's filter, unique id or attribute mapping changed since its last full run");
  if (options.fullRunEvery.days !== null && lastFull.too_old) return full(`the last full run is more than ${options.fullRunEvery.days} day(s) old (a full run every ${options.fullRunEvery.days} day(s))`);

  const { rows: since } = await db.query(
    `SELECT id, watermark_to, count(*) OVER ()::int AS deltas FROM batch_runs
     WHERE job_key = $1 AND id <> $2 AND id > $3 AND run_kind = 'DELTA' AND ${SUCCESSFUL} ORDER BY id DESC LIMIT 1`,
    [jobKey, runId, lastFull.id],
  );
  const runs = options.fullRunEvery.runs;
  if (runs !== null && (since[0]?.deltas ?? 0) + 1 >= runs) return full(`a full run every ${runs} run(s): ${since[0]?.deltas ?? 0} delta run(s) since the last full run`);

  if (!to) return full(reading.clock ? 'no watermark' : reading.reason);
  const { rows: bases } = await db.query(`SELECT id, watermark_to FROM batch_runs WHERE id = $1`, [since[0]?.id ?? lastFull.id]);
  const parsed = watermarkSchema.safeParse(bases[0]?.watermark_to);
  if (!parsed.success) return full('the last successful run recorded no watermark');
  const unusable = watermarkUnusable(parsed.data, to);
  if (unusable) return full(unusable);

  const recheck = await driftedExternalIds(db, outcome, bases[0].id, MAX_RECHECKS);
  if (recheck.length > MAX_RECHECKS) return full(`more than ${MAX_RECHECKS} people drifted out of the job's end state in the Identity Manager since the last run: a full run re-checks them all`);
  return { kind: 'DELTA', from: parsed.data, to, reason: null, recheck };
}
