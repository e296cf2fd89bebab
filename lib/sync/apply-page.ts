import type pg from 'pg';
import type { MappedEntry, DirectoryPerson } from './mapping';
import type { JobOutcome } from './outcome';
import type { PhaseTimer } from './phase-timer';
import { certificateMovesSql, certificateTargetSql, credentialTargetSql, revocationReasonSql } from './outcome-sql';
import { textArrayLiteral } from './text-array';
import { classifyPage, NO_CORRELATION, UNCHANGED, userAfter, userFieldChanges, type EntryMatch, type PageClassification, type ReleasedUsername, type UserRow } from './page-plan';
import { ownedByAttempt, ownsRun } from '../runs/run-lifecycle';
import type { ContestedUsernames } from './claimants';

// The database half of a page: a handful of set-based statements whatever the page size (one
// plan query; in the page's transaction one statement that moves users, credentials,
// certificates and roles to the outcome and records every change as a run item, and the counters).

export type RunCounters = {
  entriesRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  credentialsChanged: number;
  certificatesChanged: number;
  rolesWithdrawn: number;
};

export const ZERO_COUNTERS: RunCounters = {
  entriesRead: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  credentialsChanged: 0,
  certificatesChanged: 0,
  rolesWithdrawn: 0,
};

export function addCounters(a: RunCounters, b: RunCounters): RunCounters {
  const sum = { ...a };
  for (const key of Object.keys(sum) as (keyof RunCounters)[]) sum[key] += b[key];
  return sum;
}

/**
 * SQL that is true when some role, credential or certificate of the user k.user_id is not in the
 * outcome's end state. Roles first: an index-only probe that answers for most users of a first run.
 */
function needsRelatedSql(outcome: JobOutcome): string {
  const parts: string[] = [];
  // Settled by the last sync and untouched since (users.related_settled, cleared by triggers): no need to look.
  const settled = 'CASE WHEN bx.id IS NOT NULL THEN bx.related_settled WHEN bu.ldap_external_id IS NULL THEN bu.related_settled END';
  if (outcome.withdrawRoles) parts.push('EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = k.user_id)');
  if (outcome.credentials) {
    const target = certificateTargetSql(outcome.credentials, 'c.type');
    // One probe per user: a credential off its end state, or one of its certificates that still has to move.
    parts.push(
      `EXISTS (SELECT 1 FROM credentials c LEFT JOIN certificates ce ON ce.credential_id = c.id AND ${certificateMovesSql('ce.state', target)} ` +
        `WHERE c.user_id = k.user_id AND (c.state <> ${credentialTargetSql(outcome.credentials, 'c.type')} OR ce.id IS NOT NULL))`,
    );
  }
  return parts.length ? `(NOT COALESCE(${settled}, false) AND (${parts.join(' OR ')}))` : 'false';
}

/**
 * Statements run as named prepared statements: PostgreSQL parses and plans them once per
 * connection instead of on every page (planning these CTEs cost as much as running them).
 */
type Statement = { name: string; text: string };

const USER_COLUMNS = ['id', 'username', 'username_key', 'given_name', 'surname', 'display_name', 'email', 'employee_number', 'state', 'source', 'ldap_external_id', 'ldap_dn', 'ctid', 'xmin'];

/** The entry's fields the plan compares with the user's: the unnest columns after external_id and username_key. */
const ENTRY_FIELDS: readonly [column: string, field: keyof DirectoryPerson][] = [
  ['username', 'username'],
  ['given_name', 'givenName'],
  ['surname', 'surname'],
  ['display_name', 'displayName'],
  ['email', 'email'],
  ['employee_number', 'employeeNumber'],
  ['ldap_dn', 'dn'],
];
/** Fields an entry may lack: the user keeps its value then (userAfter). */
const KEPT_WHEN_ABSENT = new Set(['given_name', 'surname', 'display_name', 'email', 'employee_number']);

/**
 * True when the user linked to the entry is already what the job would make of it (userAfter and
 * userFieldChanges, in SQL) and nothing related needs to move. The fields are compared first, so
 * the related probes run only for users whose fields are settled.
 */
function unchangedSql(outcome: JobOutcome): string {
  const fields = ENTRY_FIELDS.map(([c]) => (KEPT_WHEN_ABSENT.has(c) ? `(e.${c} IS NULL OR e.${c} = bx.${c})` : `bx.${c} = e.${c}`));
  return `COALESCE(bx.id IS NOT NULL AND bx.username_key = e.username_key AND bx.state = '${outcome.userState}' AND bx.source = 'LDAP' AND ${fields.join(' AND ')} AND NOT ${needsRelatedSql(outcome)}, false)`;
}

const planStatements = new Map<string, Statement>();
/**
 * The plan query: per entry, the user linked to its external id (bx) and the user holding its
 * username (bu). bu is looked up only when bx does not already hold that username (the usual
 * case on a re-run), and the matched user's columns come from bx or bu without a third lookup.
 * An entry whose user is unchanged returns no row at all (on a re-run that is nearly every entry,
 * and parsing rows was most of the engine's work), unless the sibling job's filter matches it
 * too; an entry without any user returns a row of nulls (a user to create).
 */
function planStatement(outcome: JobOutcome): Statement {
  let statement = planStatements.get(outcome.jobKey);
  if (!statement) {
    const columns = USER_COLUMNS.map((c) => `CASE WHEN bx.id IS NOT NULL THEN bx.${c} WHEN bu.ldap_external_id IS NULL THEN bu.${c} END${['state', 'source', 'ctid', 'xmin'].includes(c) ? '::text' : ''} AS ${c}`);
    const params = ['external_id', 'username_key', ...ENTRY_FIELDS.map(([c]) => c)];
    statement = {
      name: `sync-plan-${outcome.jobKey}`,
      text: `
      SELECT e.ord::int AS ord, bx.id AS by_external_id,
             CASE WHEN bx.username_key = e.username_key THEN bx.id ELSE bu.id END AS by_username,
             CASE WHEN bx.username_key = e.username_key THEN bx.ldap_external_id ELSE bu.ldap_external_id END AS by_username_external_id,
             ${columns.join(',\n             ')}
      FROM unnest(${params.map((_, i) => `$${i + 1}::text[]`).join(', ')}) WITH ORDINALITY AS e(${params.join(', ')}, ord)
      LEFT JOIN users bx ON bx.ldap_external_id = e.external_id
      LEFT JOIN LATERAL (
        SELECT b.*, b.ctid, b.xmin FROM users b WHERE b.username_key = e.username_key AND bx.username_key IS DISTINCT FROM e.username_key OFFSET 0
      ) bu ON true
      CROSS JOIN LATERAL (SELECT CASE WHEN bx.id IS NOT NULL THEN bx.id WHEN bu.ldap_external_id IS NULL THEN bu.id END AS user_id) k
      -- Entries the sibling job's filter matches too ($${params.length + 1}) always come back: their failure names the user.
      WHERE e.external_id = ANY($${params.length + 1}::text[]) OR NOT ${unchangedSql(outcome)}`,
    };
    planStatements.set(outcome.jobKey, statement);
  }
  return statement;
}

type Db = Pick<pg.PoolClient, 'query'>;

function exec(db: Db, statement: Statement, values: unknown[]) {
  return db.query({ name: statement.name, text: statement.text, values });
}

/** A users row as the plan query reads it. */
function userFromRow(r: Record<string, unknown>): UserRow {
  return {
    id: r.id as number,
    username: r.username as string,
    usernameKey: r.username_key as string,
    givenName: r.given_name as string | null,
    surname: r.surname as string | null,
    displayName: r.display_name as string | null,
    email: r.email as string | null,
    employeeNumber: r.employee_number as string | null,
    state: r.state as UserRow['state'],
    source: r.source as UserRow['source'],
    ldapExternalId: r.ldap_external_id as string | null,
    ldapDn: r.ldap_dn as string | null,
    rowId: r.ctid as string,
    version: r.xmin as string,
  };
}

/**
 * Per page: who else claims the usernames of the entries that do not hold theirs (claimants.ts;
 * an entry linked to the user holding its username needs no search), and, per run, the usernames
 * renames gave up.
 */
export type PageCorrelation = {
  claims: (entries: readonly MappedEntry[]) => Promise<ContestedUsernames>;
  released: Map<string, ReleasedUsername>;
};

/**
 * Reads what the database holds for the page and classifies every entry (no writes, no locks).
 * The usernames the page's renames give up are added to `correlation.released` before it returns,
 * so before the page writes: a later plan that sees a username gone also knows it was given up.
 */
export async function planPage(
  db: Db,
  outcome: JobOutcome,
  entries: readonly MappedEntry[],
  siblingMatches: ReadonlySet<string>,
  siblingJobKey: string,
  correlation?: PageCorrelation,
): Promise<PageClassification> {
  const index: number[] = [];
  // One array per unnest column: external_id, username_key, then ENTRY_FIELDS.
  const columns: (string | null)[][] = Array.from({ length: 2 + ENTRY_FIELDS.length }, () => []);
  entries.forEach((entry, i) => {
    if (!entry.ok) return;
    index.push(i);
    const p = entry.person;
    columns[0]!.push(p.externalId);
    columns[1]!.push(p.usernameKey);
    ENTRY_FIELDS.forEach(([, field], f) => columns[2 + f]!.push(p[field]));
  });
  // The plan returns no row for an entry whose user is unchanged.
  const rows: EntryMatch[] = entries.map((entry) => (entry.ok ? UNCHANGED : null));
  if (index.length) {
    const sibling = siblingMatches.size ? columns[0]!.filter((id) => siblingMatches.has(id!)) : [];
    const { rows: found } = await exec(db, planStatement(outcome), [...columns, sibling].map(textArrayLiteral));
    for (const r of found) {
      rows[index[r.ord - 1]!] =
        r.by_external_id === null && r.by_username === null
          ? null
          : { byExternalId: r.by_external_id, byUsername: r.by_username, byUsernameExternalId: r.by_username_external_id, user: r.id === null ? null : userFromRow(r) };
    }
  }
  // An entry linked to the user holding its username takes it whoever else claims it (page-plan.ts).
  const unsettled = entries.filter((entry, i) => {
    const row = rows[i];
    return entry.ok && row !== UNCHANGED && !(row && row.byExternalId !== null && row.byUsername === row.byExternalId);
  });
  const contested = correlation && unsettled.length ? await correlation.claims(unsettled) : NO_CORRELATION.contested;
  const plan = classifyPage(entries, rows, outcome, siblingMatches, siblingJobKey, { contested, released: correlation?.released ?? NO_CORRELATION.released });
  for (const release of plan.releases) correlation?.released.set(release.from, release);
  return plan;
}

/** A run item decided in JavaScript (failures, creations); updates are recorded by the write statement. */
type Item = {
  ord: number;
  external_id: string | null;
  username: string | null;
  ldap_dn: string | null;
  user_id: number | null;
  outcome: 'CREATED' | 'FAILED';
  reason: string | null;
  changes: unknown;
};

type JsonField = [key: string, sql: string, kind: 'number' | 'label' | 'text' | 'json'];

/**
 * A JSON object as SQL text concatenation, for the run items: several times cheaper than
 * json_build_object at thousands of objects per page. Text goes through to_json (escaping, null),
 * enum labels and numbers are safe as they are, json is text already; the write statement casts
 * the whole item to json, which checks it.
 */
function jsonObjectSql(fields: JsonField[]): string {
  return fields
    .map(([key, sql, kind], i) => {
      const open = `${i ? ',' : '{'}"${key}":`;
      if (kind === 'label') return `'${open}"' || ${sql} || '"'`;
      if (kind === 'text') return `'${open}' || COALESCE(to_json(${sql})::text, 'null')`;
      return `'${open}' || ${sql}`;
    })
    .concat(`'}'`)
    .join(' || ');
}

/** A JSON array of the objects of a group, in `orderBy` order ('[]' for none is the caller's). */
function jsonArrayAggSql(objectSql: string, orderBy: string): string {
  return `'[' || string_agg(${objectSql}, ',' ORDER BY ${orderBy}) || ']'`;
}

const writeStatements = new Map<string, Statement>();
/**
 * Every write of a page in one statement. Data-modifying CTEs all run, whether referenced or not,
 * against one snapshot: the "before" side of every change is read from it (credentials, their
 * certificates, roles), moved to the outcome by type, and recorded in the same statement as the
 * run items' before -> after, written as json text by PostgreSQL (nothing per credential or
 * certificate travels to the engine and back). $5 = false is a dry run: every write is switched
 * off by its WHERE clause, so a dry run records exactly what the real run would change. Users,
 * created or matched, are the engine's: their fields and their diff come in as $2 and $3, with the
 * row address and version the plan read; a user changed since (another writer) makes the page
 * fail and be retried with a fresh plan, so nothing is decided on a stale row and no lock query
 * is needed.
 *   $1 run id, $2 users to create, $3 matched users, $4 items decided by the engine, $5 write, $6 user state
 */
function writeStatement(outcome: JobOutcome): Statement {
  let statement = writeStatements.get(outcome.jobKey);
  if (statement) return statement;
  const related: string[] = [];
  const parts: string[] = [];
  let counts = '0 AS credentials, 0 AS certificates, 0 AS roles';
  let joins = '';
  let changedWhen = 'x.user_changes IS NOT NULL';
  if (outcome.credentials) {
    const certificatesJson = jsonArrayAggSql(
      jsonObjectSql([['id', 'id', 'number'], ['serial', 'serial', 'text'], ['before', 'before', 'label'], ['after', 'after', 'label'], ['revocationReason', 'reason', 'label']]),
      'id',
    );
    const credentialsJson = jsonArrayAggSql(
      jsonObjectSql([
        ['id', 'cc.id', 'number'],
        ['type', 'cc.type', 'label'],
        ['label', 'cc.label', 'text'],
        ['before', 'cc.before', 'label'],
        ['after', 'cc.after', 'label'],
        ['certificates', `COALESCE(certj.j, '[]')`, 'json'],
      ]),
      'cc.id',
    );
    const credentialTarget = credentialTargetSql(outcome.credentials, 'c.type');
    const certificateTarget = certificateTargetSql(outcome.credentials, 'c.type');
    related.push(`
  cc AS MATERIALIZED (
    SELECT c.ctid, c.id, c.user_id, c.type, c.label, c.state AS before, ${credentialTarget} AS after, ${certificateTarget} AS certificate_target
    FROM credentials c WHERE c.user_id IN (SELECT id FROM x)
  ), ce AS MATERIALIZED (
    SELECT ce.ctid, ce.id, ce.credential_id, ce.serial, ce.state AS before, cc.certificate_target AS after,
           ${revocationReasonSql(outcome, 'cc.certificate_target')} AS reason
    FROM certificates ce JOIN cc ON ce.credential_id = cc.id
    WHERE ${certificateMovesSql('ce.state', 'cc.certificate_target')}
  ), uc AS (
    UPDATE credentials c SET state = cc.after, updated_at = now()
    FROM cc WHERE $5 AND c.ctid = cc.ctid AND cc.before <> cc.after
    RETURNING 1
  ), ucert AS (
    -- state <> 'REVOKED' keeps revocation final even if something revoked it since the snapshot.
    UPDATE certificates t SET state = ce.after, revocation_reason = ce.reason, revoked_at = now(), updated_at = now()
    FROM ce WHERE $5 AND t.ctid = ce.ctid AND t.state <> 'REVOKED'
    RETURNING 1
  ), certj AS (
    SELECT credential_id, count(*) AS n, ${certificatesJson} AS j
    FROM ce GROUP BY credential_id
  ), credj AS (
    SELECT cc.user_id, count(*) FILTER (WHERE cc.before <> cc.after) AS n, COALESCE(sum(certj.n), 0) AS certificates, ${credentialsJson} AS j
    FROM cc LEFT JOIN certj ON certj.credential_id = cc.id
    WHERE cc.before <> cc.after OR certj.n IS NOT NULL
    GROUP BY cc.user_id
  ),`);
    parts.push(`CASE WHEN credj.j IS NOT NULL THEN '"credentials":' || credj.j END`);
    joins += ' LEFT JOIN credj ON credj.user_id = x.id';
    changedWhen += ' OR credj.user_id IS NOT NULL';
    counts = 'COALESCE(credj.n, 0) AS credentials, COALESCE(credj.certificates, 0) AS certificates, 0 AS roles';
  }
  if (outcome.withdrawRoles) {
    related.push(`
  ro AS MATERIALIZED (
    SELECT ur.ctid, ur.user_id, r.id, r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id IN (SELECT id FROM x)
  ), dr AS (
    DELETE FROM user_roles ur USING ro WHERE $5 AND ur.ctid = ro.ctid
    RETURNING 1
  ), rolej AS (
    SELECT user_id, count(*) AS n, ${jsonArrayAggSql(jsonObjectSql([['id', 'id', 'number'], ['name', 'name', 'text']]), 'id')} AS j FROM ro GROUP BY user_id
  ),`);
    parts.push(`CASE WHEN rolej.j IS NOT NULL THEN '"rolesWithdrawn":' || rolej.j END`);
    joins += ' LEFT JOIN rolej ON rolej.user_id = x.id';
    changedWhen += ' OR rolej.user_id IS NOT NULL';
    counts = counts.replace('0 AS roles', 'COALESCE(rolej.n, 0) AS roles');
  }
  const changes = [`CASE WHEN x.user_changes IS NOT NULL THEN '"user":' || x.user_changes::text END`, ...parts];
  // Rows are written by their physical address (ctid, a TID scan instead of an index lookup). A row
  // updated since the snapshot has moved, so it is not written: every write is counted against
  // what was read, and a difference is a conflict (the page rolls back and is applied again).
  const expected: [string, string][] = [['(SELECT count(*) FROM written)', '(SELECT count(*) FROM uu)']];
  if (outcome.credentials) expected.push(['(SELECT count(*) FROM cc WHERE cc.before <> cc.after)', '(SELECT count(*) FROM uc)'], ['(SELECT count(*) FROM ce)', '(SELECT count(*) FROM ucert)']);
  if (outcome.withdrawRoles) expected.push(['(SELECT count(*) FROM ro)', '(SELECT count(*) FROM dr)']);
  const conflictsSql = expected.map(([read, written]) => `(${read} - ${written})`).join(' + ');
  // A user this statement writes has every credential, certificate and role in the end state after it.
  const settles = outcome.credentials || outcome.withdrawRoles ? 'true' : 'false';
  statement = {
    name: `sync-write-page-${outcome.jobKey}`,
    text: `
  WITH x AS MATERIALIZED (
    -- idm.sync_writing: the triggers that clear users.related_settled leave this transaction's writes alone.
    SELECT *, set_config('idm.sync_writing', 'on', true) AS sync_writing
    FROM json_to_recordset($3::json) AS x(ord int, id int, username text, username_key text, given_name text, surname text,
                                         display_name text, email text, employee_number text, external_id text, ldap_dn text,
                                         row_id text, version text, user_changes json)
  ), nu AS (
    INSERT INTO users (username, username_key, given_name, surname, display_name, email, employee_number, state, source,
                       ldap_external_id, ldap_dn, last_synchronized_at, updated_at, related_settled)
    SELECT n.username, n.username_key, n.given_name, n.surname, n.display_name, n.email, n.employee_number, $6::"UserState", 'LDAP',
           n.external_id, n.ldap_dn, now(), now(), ${settles}
    FROM json_to_recordset($2::json) AS n(username text, username_key text, given_name text, surname text, display_name text,
                                          email text, employee_number text, external_id text, ldap_dn text)
    WHERE $5
    RETURNING id, ldap_external_id
  ),${related.join('')}
  changed AS MATERIALIZED (
    SELECT x.ord, x.id, x.external_id, x.username, x.ldap_dn, ${counts},
           ('{' || concat_ws(',', ${changes.join(', ')}) || '}')::json AS changes
    FROM x${joins}
    WHERE ${changedWhen}
  ), written AS MATERIALIZED (
    -- A user is written when one of its fields changes or something of it changed (last synchronized).
    SELECT x.* FROM x WHERE x.user_changes IS NOT NULL OR x.id IN (SELECT id FROM changed)
  ), uu AS (
    -- Only the row version the plan read (optimistic locking): a user changed since is a conflict.
    UPDATE users u SET username = w.username, username_key = w.username_key, given_name = w.given_name, surname = w.surname,
           display_name = w.display_name, email = w.email, employee_number = w.employee_number, ldap_external_id = w.external_id,
           ldap_dn = w.ldap_dn, state = $6::"UserState", source = 'LDAP', last_synchronized_at = now(), updated_at = now(),
           related_settled = ${settles} OR u.related_settled
    FROM written w WHERE $5 AND u.ctid = w.row_id::tid AND u.xmin = w.version::xid
    RETURNING 1
  ), it AS (
    INSERT INTO batch_run_items (run_id, external_id, username, ldap_dn, user_id, outcome, reason, changes)
    SELECT $1, i.external_id, i.username, i.ldap_dn, i.user_id, i.outcome::"RunItemOutcome", i.reason, i.changes
    FROM (
      SELECT j.ord, j.external_id, j.username, j.ldap_dn, COALESCE(j.user_id, nu.id) AS user_id, j.outcome, j.reason, j.changes
      FROM json_to_recordset($4::json) AS j(ord int, external_id text, username text, ldap_dn text, user_id int, outcome text,
                                            reason text, changes json)
      LEFT JOIN nu ON j.outcome = 'CREATED' AND nu.ldap_external_id = j.external_id
      UNION ALL
      SELECT ord, external_id, username, ldap_dn, id, 'UPDATED', NULL, changes FROM changed
    ) i
    ORDER BY i.ord
    RETURNING 1
  )
  SELECT count(*)::int AS updated, COALESCE(sum(credentials), 0)::int AS credentials_changed,
         COALESCE(sum(certificates), 0)::int AS certificates_changed, COALESCE(sum(roles), 0)::int AS roles_withdrawn,
         CASE WHEN $5 THEN ${conflictsSql} ELSE 0 END::int AS conflicts
  FROM changed`,
  };
  writeStatements.set(outcome.jobKey, statement);
  return statement;
}

// The page's counters, added to the run's in the page's transaction (or alone for a page with
// nothing to write). pages_applied must be the page's predecessor: pages commit in directory
// order, which is what lets an interrupted run skip exactly the pages already applied. A page with
// nothing to write may leave its counters to the next page that counts (within a second): a run
// with nothing to change then costs one statement per page, and a run that stops in between
// simply reads those pages again (nothing of them was committed).
const COUNT_PAGE: Statement = {
  name: 'sync-count-pages',
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

/** Users of the page changed since its plan query: the page rolls back and is planned again. */
export class PageConflictError extends Error {
  constructor(page: number, users: number) {
    super(`Page ${page}: ${users} user(s) changed while the page was being applied; it is applied again.`);
    this.name = 'PageConflictError';
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
  const { rows } = await exec(db, COUNT_PAGE, [
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
  ]);
  if (!rows[0]) throw (await ownsRun(db, runId, attempt)) ? new PageOrderError(lastPage) : new RunTakenOverError(runId, attempt);
  return rows[0].cancel_requested_at !== null;
}

function createdUserJson(p: DirectoryPerson) {
  return {
    username: p.username,
    username_key: p.usernameKey,
    given_name: p.givenName,
    surname: p.surname,
    display_name: p.displayName,
    email: p.email,
    employee_number: p.employeeNumber,
    external_id: p.externalId,
    ldap_dn: p.dn,
  };
}

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
  /** A page with nothing to write may leave its counters to the next page (see COUNT_PAGE). */
  mayDeferCount?: () => boolean;
};

export type PageResult = {
  counters: RunCounters;
  cancelRequested: boolean;
  /** Counters the page left to the next one (not committed yet); null when the run's include them. */
  carried: CarriedCounters | null;
};

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
    const counters: RunCounters = { ...ZERO_COUNTERS, entriesRead: entries.length, unchanged: plan.unchanged, failed: plan.failures.length };
    // Items in the page's order of decision: failures, creations, then the write statement's updates.
    let ord = 0;
    const items: Item[] = plan.failures.map((f) => ({
      ord: ++ord,
      external_id: f.externalId,
      username: f.username,
      ldap_dn: f.dn,
      user_id: f.userId,
      outcome: 'FAILED',
      reason: f.reason,
      changes: null,
    }));
    for (const person of plan.creates) {
      counters.created++;
      items.push({
        ord: ++ord,
        external_id: person.externalId,
        username: person.username,
        ldap_dn: person.dn,
        user_id: null, // the created user's id, filled in by the write statement
        outcome: 'CREATED',
        reason: null,
        changes: { user: { before: null, after: { ...personJsonForItem(person), state: ctx.outcome.userState } } },
      });
    }

    const matched: Record<string, unknown>[] = [];
    for (const { person, user } of plan.candidates) {
      const after = userAfter(person, user, ctx.outcome);
      matched.push({
        ord: ++ord,
        id: user.id,
        username: after.username,
        username_key: person.usernameKey,
        given_name: after.givenName,
        surname: after.surname,
        display_name: after.displayName,
        email: after.email,
        employee_number: after.employeeNumber,
        external_id: after.ldapExternalId,
        ldap_dn: after.ldapDn,
        row_id: user.rowId,
        version: user.version,
        user_changes: userFieldChanges(user, after),
      });
    }

    if (items.length || matched.length) {
      const { rows } = await exec(db, writeStatement(ctx.outcome), [
        ctx.runId,
        JSON.stringify(ctx.dryRun ? [] : plan.creates.map(createdUserJson)),
        JSON.stringify(matched),
        JSON.stringify(items),
        !ctx.dryRun,
        ctx.outcome.userState,
      ]);
      const w = rows[0];
      if (w.conflicts > 0) throw new PageConflictError(ctx.page, w.conflicts);
      counters.updated += w.updated;
      counters.unchanged += matched.length - w.updated;
      counters.credentialsChanged += w.credentials_changed;
      counters.certificatesChanged += w.certificates_changed;
      counters.rolesWithdrawn += w.roles_withdrawn;
    }
    const inherited = (await ctx.beforeCommit?.()) ?? NOTHING_CARRIED;
    const cancelRequested = await countPages(db, ctx.runId, ctx.attempt, ctx.page, carry(inherited, counters, wouldDeactivate));
    await db.query('COMMIT');
    return { counters, cancelRequested, carried: null };
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function personJsonForItem(p: DirectoryPerson) {
  return {
    username: p.username,
    givenName: p.givenName,
    surname: p.surname,
    displayName: p.displayName,
    email: p.email,
    employeeNumber: p.employeeNumber,
    ldapExternalId: p.externalId,
    ldapDn: p.dn,
  };
}

export function countersFromRow(r: Record<string, unknown>): RunCounters & { pagesApplied: number } {
  return {
    pagesApplied: Number(r.pages_applied),
    entriesRead: Number(r.entries_read),
    created: Number(r.created),
    updated: Number(r.updated),
    unchanged: Number(r.unchanged),
    failed: Number(r.failed),
    credentialsChanged: Number(r.credentials_changed),
    certificatesChanged: Number(r.certificates_changed),
    rolesWithdrawn: Number(r.roles_withdrawn),
  };
}
