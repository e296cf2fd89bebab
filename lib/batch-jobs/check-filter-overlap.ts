import { prisma } from '../db';
import { pool } from '../db-pool';
import { connectLdap, type LdapConnection, type LdapConnectionSettings } from '../ldap/connection';
import { LdapError, toLdapError } from '../ldap/errors';
import { checkFilter, filtersExclude } from '../ldap/filter';
import type { DirectoryValue } from '../ldap/search-decoder';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS, resolveJobOptions, siblingJob, type SyncJobKey } from '../sync/job-options';
import { loadLdapSettings } from '../ldap-settings/load-ldap-settings';
import { searchBothFilters } from '../sync/sibling-matches';

// "Overlap is caught when it is made": a person matched by the filters of both batch jobs fails
// in both at every run (lib/sync/page-plan.ts) and is left unchanged, so a leaver keeps an
// active account. Save on a job page and Test connection count those people beforehand.
//
// Saving is never refused for an overlap: the directory changes over time (an overlap can
// appear without any save, and vanish again), and an administrator who edits one job and then
// the other would otherwise be locked out of the first step. The warning says what the runs will
// do and what to change instead.

/** Counting stops above this many people ("more than 10,000"): the number is already a reason to act. */
export const OVERLAP_COUNT_LIMIT = 10_000;
/** People named in the warning. */
export const OVERLAP_EXAMPLES = 5;
/** The whole check (connect, bind, search) ends after this; Save waits for it. */
export const OVERLAP_CHECK_TIMEOUT_MS = 10_000;

export type OverlapExample = { dn: string; username: string | null };

/** The filters the two jobs run with, checked (the form a run uses). */
export type JobFilters = Record<SyncJobKey, string>;

export type FilterOverlap =
  /** Nobody is matched by both: the filters contradict each other (no search needed) or the directory has nobody in both. */
  | { status: 'none'; filters: JobFilters; provenBy: 'filters' | 'directory' }
  /**
   * `count` people are matched by both. `stoppedBy` null: the exact number; 'limit': more than
   * `limit`; 'timeout': at least `count` (the directory did not finish in time).
   */
  | { status: 'found'; filters: JobFilters; count: number; limit: number; stoppedBy: 'limit' | 'timeout' | null; examples: OverlapExample[] }
  /** The check could not be made; `reason` says why and what to do, as the directory errors do. */
  | { status: 'unchecked'; filters: JobFilters | null; code: string; reason: string };

export type ResolvedJobFilters = { ok: true; filters: JobFilters } | { ok: false; jobKey: SyncJobKey; message: string };

const PROCESS_NAMES: Record<SyncJobKey, string> = {
  [INACTIVE_LDAP_USERS]: 'Synchronize inactive LDAP Users to Identity Manager',
  [ACTIVE_LDAP_USERS]: 'Synchronize active LDAP Users to Identity Manager',
};

/** The two jobs' filters as their runs resolve them (blank filter: the preset's), each checked; pure. */
export function resolveJobFilters(options: Record<SyncJobKey, unknown>): ResolvedJobFilters {
  const filters = {} as JobFilters;
  for (const jobKey of [INACTIVE_LDAP_USERS, ACTIVE_LDAP_USERS] as const) {
    try {
      filters[jobKey] = checkFilter(resolveJobOptions(jobKey, options[jobKey]).filter);
    } catch (error) {
      const detail = error instanceof LdapError ? error.message : `its options are invalid (${(error as Error).message})`;
      return { ok: false, jobKey, message: `The filter of "${PROCESS_NAMES[jobKey]}" cannot be used: ${detail}` };
    }
  }
  return { ok: true, filters };
}

function usernameOf(value: DirectoryValue | undefined): string | null {
  if (value === undefined) return null;
  const text = (typeof value === 'string' ? value : value.toString('utf8')).trim();
  return text === '' ? null : text;
}

type Tally = { count: number; examples: OverlapExample[]; stoppedBy: 'limit' | 'timeout' | null; stopped: boolean };

/** One paged search of (&inactive active), the username only; stops above `limit` or when told to. */
async function countOverlap(
  connection: LdapConnection,
  filters: JobFilters,
  tally: Tally,
  { limit, examples, usernameAttribute }: { limit: number; examples: number; usernameAttribute: string },
): Promise<void> {
  const lower = usernameAttribute.toLowerCase();
  for await (const page of searchBothFilters(connection, filters[INACTIVE_LDAP_USERS], filters[ACTIVE_LDAP_USERS], { attributes: [usernameAttribute] })) {
    if (tally.stopped) return;
    for (const entry of page) {
      if (tally.examples.length >= examples) break;
      tally.examples.push({ dn: entry.dn, username: usernameOf(entry.attributes.first(lower)) });
    }
    tally.count += page.length;
    if (tally.count > limit) {
      tally.stoppedBy = 'limit';
      return; // leaving the loop ends the paged search; the connection is closed by the caller
    }
  }
}

export type CheckFilterOverlapOptions = {
  /** Both jobs' options (batch_jobs.options as stored, or as about to be stored). */
  jobOptions: Record<SyncJobKey, unknown>;
  /** The directory: the saved connection (Save) or the one typed on the settings page (Test connection). */
  settings: LdapConnectionSettings | (() => Promise<LdapConnectionSettings>);
  /** Whose attribute mapping names the examples (the job being saved); default the inactive job. */
  namedBy?: SyncJobKey;
  limit?: number;
  examples?: number;
  timeoutMs?: number;
};

/**
 * Counts the directory entries that BOTH jobs' filters match, exactly as a run finds them (the
 * same search, lib/sync/sibling-matches.ts), at bounded cost: no search at all when the filters
 * contradict each other (the presets), at most `limit` + one page of DNs and usernames, and at
 * most `timeoutMs` for everything. Never throws: a directory that cannot be asked gives
 * 'unchecked' with the reason.
 */
export async function checkFilterOverlap(options: CheckFilterOverlapOptions): Promise<FilterOverlap> {
  const resolved = resolveJobFilters(options.jobOptions);
  if (!resolved.ok) return { status: 'unchecked', filters: null, code: 'INVALID_JOB_OPTIONS', reason: resolved.message };
  const { filters } = resolved;
  if (filtersExclude(filters[INACTIVE_LDAP_USERS], filters[ACTIVE_LDAP_USERS])) return { status: 'none', filters, provenBy: 'filters' };

  const limit = options.limit ?? OVERLAP_COUNT_LIMIT;
  const timeoutMs = options.timeoutMs ?? OVERLAP_CHECK_TIMEOUT_MS;
  const namedBy = options.namedBy ?? INACTIVE_LDAP_USERS;
  let usernameAttribute: string;
  try {
    usernameAttribute = resolveJobOptions(namedBy, options.jobOptions[namedBy]).mapping.username;
  } catch {
    usernameAttribute = resolveJobOptions(namedBy, {}).mapping.username;
  }
  const tally: Tally = { count: 0, examples: [], stoppedBy: null, stopped: false };
  // Started before the work, so that it is due before any timer the connection sets.
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  let connection: LdapConnection | undefined;
  const work = (async () => {
    const configured = typeof options.settings === 'function' ? await options.settings() : options.settings;
    // The connection's own timeouts never outlast the check, so that a directory that stopped
    // answering does not hold a socket open long after Save has answered.
    const settings = {
      ...configured,
      connectTimeoutMs: Math.min(configured.connectTimeoutMs, timeoutMs),
      operationTimeoutMs: Math.min(configured.operationTimeoutMs, timeoutMs),
    };
    const opened = await connectLdap(settings);
    if (tally.stopped) {
      await opened.close(); // connected after the check had given up
      return;
    }
    connection = opened;
    try {
      await countOverlap(opened, filters, tally, { limit, examples: options.examples ?? OVERLAP_EXAMPLES, usernameAttribute });
    } catch (error) {
      throw toLdapError(error, { url: opened.url, baseDn: settings.baseDn });
    } finally {
      await opened.close();
    }
  })();
  work.catch(() => undefined); // after a timeout nobody awaits it any more
  try {
    const outcome = await Promise.race([work.then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout') {
      tally.stopped = true;
      await connection?.close(); // abandons the search in flight
      if (tally.count === 0) {
        return {
          status: 'unchecked',
          filters,
          code: 'LDAP_TIMEOUT',
          reason: `The directory did not answer within ${Number((timeoutMs / 1000).toFixed(1))} seconds. Check the directory's load and the LDAP connection settings.`,
        };
      }
      tally.stoppedBy = 'timeout';
    }
  } catch (error) {
    if (error instanceof LdapError) return { status: 'unchecked', filters, code: error.code, reason: error.message };
    return { status: 'unchecked', filters, code: 'CHECK_FAILED', reason: `The check failed: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
  if (tally.count === 0) return { status: 'none', filters, provenBy: 'directory' };
  return { status: 'found', filters, count: tally.count, limit, stoppedBy: tally.stoppedBy, examples: tally.examples };
}

/**
 * The check of Save on a job page: the job's options as saved against the other job's saved
 * options, in the directory of the saved LDAP connection. Never throws (Save has succeeded
 * already): a missing connection, a bind password that cannot be decrypted, an unreachable
 * directory all come back as 'unchecked' with their reason.
 */
export async function checkSavedFilterOverlap(options: { jobKey: SyncJobKey; options: unknown; timeoutMs?: number }): Promise<FilterOverlap> {
  const other = siblingJob(options.jobKey);
  try {
    const row = await prisma().batchJob.findUnique({ where: { key: other }, select: { options: true } });
    if (!row) return { status: 'unchecked', filters: null, code: 'NO_SIBLING_JOB', reason: `The batch job "${other}" does not exist (run npm run db:seed).` };
    return await checkFilterOverlap({
      jobOptions: { [options.jobKey]: options.options, [other]: row.options } as Record<SyncJobKey, unknown>,
      settings: () => loadLdapSettings(pool()),
      namedBy: options.jobKey,
      timeoutMs: options.timeoutMs,
    });
  } catch (error) {
    return { status: 'unchecked', filters: null, code: 'CHECK_FAILED', reason: `The check failed: ${(error as Error).message}` };
  }
}

/** What the audit event of a save records about the overlap (no DNs: the audit log is not a directory export). */
export function overlapAuditDetails(overlap: FilterOverlap): Record<string, string | number | boolean | null> {
  if (overlap.status === 'found') return { status: 'found', count: overlap.count, exact: overlap.stoppedBy === null, stoppedBy: overlap.stoppedBy };
  if (overlap.status === 'none') return { status: 'none', count: 0, provenBy: overlap.provenBy };
  return { status: 'unchecked', code: overlap.code };
}
