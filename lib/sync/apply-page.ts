import type pg from 'pg';
import type { MappedEntry, DirectoryPerson } from './mapping';
import type { JobOutcome } from './outcome';
import type { PhaseTimer } from './phase-timer';
import { classifyPage, planUserChange, type LockedCredential, type LockedUser, type MatchRow, type PageClassification, type UserChange, type UserRow } from './page-plan';

// The database half of a page: a handful of set-based statements whatever the page size (one
// plan query, one lock query, one statement for every write), the writes in one transaction.

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
  if (outcome.withdrawRoles) parts.push('EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = k.user_id)');
  if (outcome.credentials) {
    const entries = Object.entries(outcome.credentials);
    const credentialTarget = `CASE c.type::text ${entries.map(([t, o]) => `WHEN '${t}' THEN '${o.credential}'`).join(' ')} END`;
    const certificateTarget = `CASE c.type::text ${entries.map(([t, o]) => `WHEN '${t}' THEN '${o.certificate}'`).join(' ')} END`;
    // One probe per user: a credential off its end state, or one of its certificates that still
    // has to move (revoked is final; on hold only moves on to revoked).
    parts.push(
      `EXISTS (SELECT 1 FROM credentials c LEFT JOIN certificates ce ON ce.credential_id = c.id AND ce.state <> 'REVOKED' ` +
        `AND ce.state::text <> ${certificateTarget} WHERE c.user_id = k.user_id AND (c.state::text <> ${credentialTarget} OR ce.id IS NOT NULL))`,
    );
  }
  return parts.length ? `(${parts.join(' OR ')})` : 'false';
}

/**
 * Statements run as named prepared statements: PostgreSQL parses and plans them once per
 * connection instead of on every page (planning these CTEs cost as much as running them).
 */
type Statement = { name: string; text: string };

const USER_COLUMNS = ['id', 'username', 'given_name', 'surname', 'display_name', 'email', 'employee_number', 'state', 'ldap_external_id', 'ldap_dn'];

const planStatements = new Map<string, Statement>();
/**
 * The plan query: per entry, the user linked to its external id (bx) and the user holding its
 * username (bu). bu is looked up only when bx does not already hold that username (the usual
 * case on a re-run), and the matched user's columns come from bx or bu without a third lookup.
 */
function planStatement(outcome: JobOutcome): Statement {
  let statement = planStatements.get(outcome.jobKey);
  if (!statement) {
    const columns = USER_COLUMNS.map((c) => `CASE WHEN bx.id IS NOT NULL THEN bx.${c} WHEN bu.ldap_external_id IS NULL THEN bu.${c} END${c === 'state' ? '::text' : ''} AS ${c}`);
    statement = {
      name: `sync-plan-${outcome.jobKey}`,
      text: `
      SELECT e.ord::int AS ord, bx.id AS by_external_id,
             CASE WHEN bx.username_key = e.username_key THEN bx.id ELSE bu.id END AS by_username,
             CASE WHEN bx.username_key = e.username_key THEN bx.ldap_external_id ELSE bu.ldap_external_id END AS by_username_external_id,
             ${columns.join(',\n             ')},
             ${needsRelatedSql(outcome)} AS needs_related
      FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS e(external_id, username_key, ord)
      LEFT JOIN users bx ON bx.ldap_external_id = e.external_id
      LEFT JOIN LATERAL (
        SELECT b.* FROM users b WHERE b.username_key = e.username_key AND bx.username_key IS DISTINCT FROM e.username_key OFFSET 0
      ) bu ON true
      CROSS JOIN LATERAL (SELECT CASE WHEN bx.id IS NOT NULL THEN bx.id WHEN bu.ldap_external_id IS NULL THEN bu.id END AS user_id) k
      WHERE bx.id IS NOT NULL OR bu.id IS NOT NULL`,
    };
    planStatements.set(outcome.jobKey, statement);
  }
  return statement;
}

type Db = Pick<pg.PoolClient, 'query'>;

function exec(db: Db, statement: Statement, values: unknown[]) {
  return db.query({ name: statement.name, text: statement.text, values });
}

/** A users row as the planner sees it (both the plan query and the lock read select these columns). */
function userFromRow(r: Record<string, unknown>): UserRow {
  return {
    id: r.id as number,
    username: r.username as string,
    givenName: r.given_name as string | null,
    surname: r.surname as string | null,
    displayName: r.display_name as string | null,
    email: r.email as string | null,
    employeeNumber: r.employee_number as string | null,
    state: r.state as UserRow['state'],
    ldapExternalId: r.ldap_external_id as string | null,
    ldapDn: r.ldap_dn as string | null,
  };
}

/** Reads what the database holds for the page and classifies every entry (no writes, no locks). */
export async function planPage(db: Db, outcome: JobOutcome, entries: readonly MappedEntry[], siblingMatches: ReadonlySet<string>, siblingJobKey: string): Promise<PageClassification> {
  const index: number[] = [];
  const ids: string[] = [];
  const keys: string[] = [];
  entries.forEach((entry, i) => {
    if (!entry.ok) return;
    index.push(i);
    ids.push(entry.person.externalId);
    keys.push(entry.person.usernameKey);
  });
  const rows: (MatchRow | undefined)[] = new Array(entries.length);
  if (ids.length) {
    const { rows: found } = await exec(db, planStatement(outcome), [ids, keys]);
    for (const r of found) {
      rows[index[r.ord - 1]!] = {
        byExternalId: r.by_external_id,
        byUsername: r.by_username,
        byUsernameExternalId: r.by_username_external_id,
        needsRelated: r.needs_related === true,
        user: r.id === null ? null : userFromRow(r),
      };
    }
  }
  return classifyPage(entries, rows, outcome, siblingMatches, siblingJobKey);
}

// Flat rows, grouped in JS: building nested JSON in SQL for every user cost twice as much.
const LOCK_USERS: Statement = {
  name: 'sync-lock-users',
  text: `SELECT u.id, u.username, u.given_name, u.surname, u.display_name, u.email, u.employee_number, u.state::text AS state,
                u.ldap_external_id, u.ldap_dn
         FROM users u WHERE u.id = ANY($1::int[]) ORDER BY u.id FOR UPDATE OF u`,
};
const LOCKED_CREDENTIALS: Statement = {
  name: 'sync-locked-credentials',
  text: `SELECT c.user_id, c.id, c.type::text AS type, c.state::text AS state, c.label,
                ce.id AS certificate_id, ce.serial, ce.state::text AS certificate_state, ce.revocation_reason::text AS revocation_reason
         FROM credentials c LEFT JOIN certificates ce ON ce.credential_id = c.id
         WHERE c.user_id = ANY($1::int[]) ORDER BY c.id, ce.id`,
};
const LOCKED_ROLES: Statement = {
  name: 'sync-locked-roles',
  text: `SELECT ur.user_id, r.id, r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
         WHERE ur.user_id = ANY($1::int[]) ORDER BY r.id`,
};

/** Locks the users about to change and reads their credentials, certificates and roles. */
async function lockUsers(db: Db, ids: number[]): Promise<Map<number, LockedUser>> {
  const { rows } = await exec(db, LOCK_USERS, [ids]);
  const users = new Map<number, LockedUser>();
  for (const r of rows) {
    users.set(r.id, { ...userFromRow(r), credentials: [], roles: [] });
  }
  const [{ rows: credentials }, { rows: roles }] = [await exec(db, LOCKED_CREDENTIALS, [ids]), await exec(db, LOCKED_ROLES, [ids])];
  let last: LockedCredential | undefined;
  for (const r of credentials) {
    if (last?.id !== r.id) users.get(r.user_id)?.credentials.push((last = { id: r.id, type: r.type, state: r.state, label: r.label, certificates: [] }));
    if (r.certificate_id !== null) {
      last!.certificates.push({ id: r.certificate_id, serial: r.serial, state: r.certificate_state, revocationReason: r.revocation_reason });
    }
  }
  for (const r of roles) users.get(r.user_id)?.roles.push({ id: r.id, name: r.name });
  return users;
}

type Item = {
  external_id: string | null;
  username: string | null;
  ldap_dn: string | null;
  user_id: number | null;
  outcome: 'CREATED' | 'UPDATED' | 'FAILED';
  reason: string | null;
  changes: unknown;
};

// Every write of a page in one statement (one round trip): data-modifying CTEs all run, whether
// referenced or not, against the same snapshot. A dry run passes empty write sets, so only the
// run items (and, next, the run's counters) are written. Items keep the page's order (ORDER BY ord) so
// that a dry run and a real run record the same list.
const WRITE_PAGE: Statement = {
  name: 'sync-write-page',
  text: `
  WITH nu AS (
    INSERT INTO users (username, username_key, given_name, surname, display_name, email, employee_number, state, source,
                       ldap_external_id, ldap_dn, last_synchronized_at, updated_at)
    SELECT x.username, x.username_key, x.given_name, x.surname, x.display_name, x.email, x.employee_number, $12::"UserState", 'LDAP',
           x.external_id, x.ldap_dn, now(), now()
    FROM jsonb_to_recordset($2::jsonb) AS x(username text, username_key text, given_name text, surname text, display_name text,
                                             email text, employee_number text, external_id text, ldap_dn text)
    RETURNING id, ldap_external_id
  ), uu AS (
    UPDATE users u SET username = x.username, username_key = x.username_key, given_name = x.given_name, surname = x.surname,
           display_name = x.display_name, email = x.email, employee_number = x.employee_number, ldap_external_id = x.external_id,
           ldap_dn = x.ldap_dn, state = x.state::"UserState", last_synchronized_at = now(), updated_at = now()
    FROM jsonb_to_recordset($3::jsonb) AS x(id int, username text, username_key text, given_name text, surname text,
                                             display_name text, email text, employee_number text, external_id text, ldap_dn text, state text)
    WHERE u.id = x.id
    RETURNING 1
  ), uc AS (
    UPDATE credentials c SET state = x.state::"CredentialState", updated_at = now()
    FROM unnest($4::int[], $5::text[]) AS x(id, state) WHERE c.id = x.id
    RETURNING 1
  ), ucert AS (
    -- state <> 'REVOKED' keeps revocation final even if something revoked it since the lock query.
    UPDATE certificates ce SET state = x.state::"CertificateState", revocation_reason = x.reason::"RevocationReason",
           revoked_at = now(), updated_at = now()
    FROM unnest($6::int[], $7::text[], $8::text[]) AS x(id, state, reason) WHERE ce.id = x.id AND ce.state <> 'REVOKED'
    RETURNING 1
  ), dr AS (
    DELETE FROM user_roles ur USING unnest($9::int[], $10::int[]) AS x(user_id, role_id)
    WHERE ur.user_id = x.user_id AND ur.role_id = x.role_id
    RETURNING 1
  ), it AS (
    INSERT INTO batch_run_items (run_id, external_id, username, ldap_dn, user_id, outcome, reason, changes)
    SELECT $1, x.external_id, x.username, x.ldap_dn, COALESCE(x.user_id, nu.id), x.outcome::"RunItemOutcome", x.reason, x.changes
    FROM ROWS FROM (jsonb_to_recordset($11::jsonb) AS (external_id text, username text, ldap_dn text, user_id int, outcome text,
                                                        reason text, changes jsonb))
         WITH ORDINALITY AS x(external_id, username, ldap_dn, user_id, outcome, reason, changes, ord)
    LEFT JOIN nu ON x.outcome = 'CREATED' AND nu.ldap_external_id = x.external_id
    ORDER BY x.ord
    RETURNING 1
  )
  SELECT 1`,
};

// The page's counters, added to the run's in the page's transaction (or alone for a page with
// nothing to write). pages_applied must be the page's predecessor: pages commit in directory
// order, which is what lets an interrupted run skip exactly the pages already applied.
const COUNT_PAGE: Statement = {
  name: 'sync-count-page',
  text: `
  UPDATE batch_runs SET entries_read = entries_read + $3, created = created + $4, updated = updated + $5,
         unchanged = unchanged + $6, failed = failed + $7, credentials_changed = credentials_changed + $8,
         certificates_changed = certificates_changed + $9, roles_withdrawn = roles_withdrawn + $10, pages_applied = pages_applied + 1,
         would_deactivate = CASE WHEN $11::int IS NULL THEN would_deactivate ELSE COALESCE(would_deactivate, 0) + $11::int END
  WHERE id = $1 AND pages_applied = $2
  RETURNING cancel_requested_at, pages_applied, entries_read, created, updated, unchanged, failed,
            credentials_changed, certificates_changed, roles_withdrawn`,
};

/** Thrown when a page would commit out of order (its predecessor is not committed). */
export class PageOrderError extends Error {
  constructor(page: number) {
    super(`Page ${page} cannot be counted: the run has not applied the page before it.`);
    this.name = 'PageOrderError';
  }
}

async function countPage(db: Db, ctx: PageContext, counters: RunCounters, wouldDeactivate: number | null) {
  const { rows } = await exec(db, COUNT_PAGE, [
    ctx.runId,
    ctx.page - 1,
    counters.entriesRead,
    counters.created,
    counters.updated,
    counters.unchanged,
    counters.failed,
    counters.credentialsChanged,
    counters.certificatesChanged,
    counters.rolesWithdrawn,
    wouldDeactivate,
  ]);
  if (!rows[0]) throw new PageOrderError(ctx.page);
  return rows[0];
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

function updatedUserJson(c: UserChange) {
  return {
    id: c.userId,
    username: c.after.username,
    username_key: c.after.username.toLowerCase(),
    given_name: c.after.givenName,
    surname: c.after.surname,
    display_name: c.after.displayName,
    email: c.after.email,
    employee_number: c.after.employeeNumber,
    external_id: c.after.ldapExternalId,
    ldap_dn: c.after.ldapDn,
    state: c.after.state,
  };
}

export type PageContext = {
  runId: number;
  /** The page's position in the directory search (1-based). */
  page: number;
  outcome: JobOutcome;
  dryRun: boolean;
  siblingJobKey: string;
  /** Add the page's would-deactivate count to the run (runs that skipped the threshold pre-pass). */
  countWouldDeactivate?: boolean;
  timer?: PhaseTimer;
  /**
   * Pages applied side by side (lib/sync/page-pipeline.ts): called with the plan before any write,
   * it may wait for the page before this one and returns true when the plan must be made again.
   */
  beforeWrite?: (plan: PageClassification) => Promise<boolean>;
  /** Awaited before the page is counted and committed: its predecessor's commit. */
  beforeCommit?: () => Promise<void>;
};

export type PageResult = { counters: RunCounters; totals: RunCounters & { pagesApplied: number }; cancelRequested: boolean };

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
 * (one transaction: BEGIN, lock, write, counters, COMMIT), so a page is either fully applied and
 * counted or not at all. A page with nothing to create, change or report costs two statements
 * (plan, counters). A dry run records the items and counters it would produce and writes
 * nothing else.
 */
export async function applyPage(client: pg.PoolClient, ctx: PageContext, entries: readonly MappedEntry[], siblingMatches: ReadonlySet<string>): Promise<PageResult> {
  const db = timed(client, ctx.timer);
  let plan = await planPage(db, ctx.outcome, entries, siblingMatches, ctx.siblingJobKey);
  if (ctx.beforeWrite && (await ctx.beforeWrite(plan))) plan = await planPage(db, ctx.outcome, entries, siblingMatches, ctx.siblingJobKey);
  const wouldDeactivate = ctx.countWouldDeactivate ? plan.wouldDeactivate : null;
  if (!plan.creates.length && !plan.candidates.length && !plan.failures.length) {
    await ctx.beforeCommit?.();
    const counters = { ...ZERO_COUNTERS, entriesRead: entries.length, unchanged: plan.unchanged };
    const r = await countPage(db, ctx, counters, wouldDeactivate);
    return { counters, totals: countersFromRow(r), cancelRequested: r.cancel_requested_at !== null };
  }
  await db.query('BEGIN');
  try {
    const counters: RunCounters = { ...ZERO_COUNTERS, entriesRead: entries.length, unchanged: plan.unchanged, failed: plan.failures.length };
    const items: Item[] = plan.failures.map((f) => ({
      external_id: f.externalId,
      username: f.username,
      ldap_dn: f.dn,
      user_id: f.userId,
      outcome: 'FAILED',
      reason: f.reason,
      changes: null,
    }));

    // Planned again under the lock: what another writer did since the plan query counts.
    const changes: UserChange[] = [];
    if (plan.candidates.length) {
      const locked = await lockUsers(db, plan.candidates.map((c) => c.user.id));
      for (const { person, user } of plan.candidates) {
        const current = locked.get(user.id);
        if (current && current.ldapExternalId !== null && current.ldapExternalId !== person.externalId) {
          // Linked to another entry since the plan query (another run, or a page beside this one).
          counters.failed++;
          items.push({
            external_id: person.externalId,
            username: person.username,
            ldap_dn: person.dn,
            user_id: user.id,
            outcome: 'FAILED',
            reason: `The username "${person.username}" belongs to a user linked to another directory entry (external id ${current.ldapExternalId}).`,
            changes: null,
          });
          continue;
        }
        const change = current ? planUserChange(person, current, ctx.outcome) : null;
        if (!change) {
          counters.unchanged++;
          continue;
        }
        changes.push(change);
      }
    }

    for (const person of plan.creates) {
      counters.created++;
      items.push({
        external_id: person.externalId,
        username: person.username,
        ldap_dn: person.dn,
        user_id: null, // the created user's id, filled in by the write statement
        outcome: 'CREATED',
        reason: null,
        changes: { user: { before: null, after: { ...personJsonForItem(person), state: ctx.outcome.userState } } },
      });
    }
    const credentials = changes.flatMap((c) => c.credentialUpdates);
    const certificates = changes.flatMap((c) => c.certificateUpdates);
    const roles = changes.flatMap((c) => c.roleRemovals.map((r) => ({ userId: c.userId, roleId: r.roleId })));
    for (const change of changes) {
      counters.updated++;
      counters.credentialsChanged += change.credentialUpdates.length;
      counters.certificatesChanged += change.certificateUpdates.length;
      counters.rolesWithdrawn += change.roleRemovals.length;
      items.push({
        external_id: change.person.externalId,
        username: change.person.username,
        ldap_dn: change.person.dn,
        user_id: change.userId,
        outcome: 'UPDATED',
        reason: null,
        changes: change.changes,
      });
    }
    const write = !ctx.dryRun;
    if (items.length) {
      await exec(db, WRITE_PAGE, [
        ctx.runId,
        JSON.stringify(write ? plan.creates.map(createdUserJson) : []),
        JSON.stringify(write ? changes.map(updatedUserJson) : []),
        write ? credentials.map((c) => c.id) : [],
        write ? credentials.map((c) => c.state) : [],
        write ? certificates.map((c) => c.id) : [],
        write ? certificates.map((c) => c.state) : [],
        write ? certificates.map((c) => c.revocationReason) : [],
        write ? roles.map((r) => r.userId) : [],
        write ? roles.map((r) => r.roleId) : [],
        JSON.stringify(items),
        ctx.outcome.userState,
      ]);
    }
    await ctx.beforeCommit?.();
    const r = await countPage(db, ctx, counters, wouldDeactivate);
    await db.query('COMMIT');
    return { counters, totals: countersFromRow(r), cancelRequested: r.cancel_requested_at !== null };
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
