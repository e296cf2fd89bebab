import sql, { empty, type Sql } from 'sql-template-tag';
import type { DirectoryPerson } from '../mapping';
import type { JobOutcome } from '../outcome';
import { userAfter, userFieldChanges, type PageClassification } from '../page-plan';
import { jsonArrayText, jsonObjectText } from './json-text';
import { certificateMoves, certificateTarget, credentialTarget, revocationReason } from './outcome-sql';
import { runPrepared, type Db } from './prepared-statement';

// The write: every change of a page in one statement. Users created and matched, their
// credentials, certificates and roles moved to the outcome, and every change recorded as a run
// item, before -> after, written as json text by PostgreSQL (nothing per credential or
// certificate travels to the engine and back).

/** Users of the page changed since its plan query: the page rolls back and is planned again. */
export class PageConflictError extends Error {
  constructor(page: number, users: number) {
    super(`Page ${page}: ${users} user(s) changed while the page was being applied; it is applied again.`);
    this.name = 'PageConflictError';
  }
}

/** A run item decided by the engine (failures, creations); updates are recorded by the write statement. */
type EngineItem = {
  ord: number;
  external_id: string | null;
  username: string | null;
  ldap_dn: string | null;
  user_id: number | null;
  outcome: 'CREATED' | 'FAILED';
  reason: string | null;
  changes: unknown;
};

/** What the write statement gets: everything the engine decided, as json, and whether to write. */
type WriteInput = {
  runId: number;
  /** Users to create (none in a dry run). */
  createdUsers: string;
  /** Matched users with their fields after the job, their diff, and the row address and version the plan read. */
  matchedUsers: string;
  engineItems: string;
  /** false: a dry run. Every write is switched off by its WHERE clause, so a dry run records exactly what the real run would change. */
  write: boolean;
};

/**
 * What the write statement does beside the users for one kind of related rows: its CTEs (read,
 * move, describe per user), and how a matched user's row of `users_changed` (matched_users m)
 * sees them. An outcome that leaves them alone uses NO_RELATED_CHANGES.
 */
type RelatedChanges = {
  /** CTEs for the WITH list, each followed by a comma. */
  ctes: Sql;
  /** LEFT JOIN of the per-user description onto matched_users. */
  join: Sql;
  /** True when the user has such a change. */
  changed: Sql;
  /** The member of the item's changes ('"key":[...]'), NULL when none. */
  changesMember: Sql;
  /** Rows read to move minus rows moved: not zero when one was updated since the snapshot (a conflict). */
  unwritten: Sql;
};

const NO_RELATED_CHANGES: RelatedChanges = { ctes: empty, join: empty, changed: sql`false`, changesMember: sql`NULL`, unwritten: sql`0` };

const CERTIFICATE_CHANGE = jsonObjectText([
  ['id', 'id', 'number'],
  ['serial', 'serial', 'text'],
  ['before', 'before', 'label'],
  ['after', 'after', 'label'],
  ['revocationReason', 'reason', 'label'],
]);

const CREDENTIAL_CHANGE = jsonObjectText([
  ['id', 'credential.id', 'number'],
  ['type', 'credential.type', 'label'],
  ['label', 'credential.label', 'text'],
  ['before', 'credential.before', 'label'],
  ['after', 'credential.after', 'label'],
  ['certificates', `COALESCE(moved_certificates.changes, '[]')`, 'json'],
]);

const ROLE_WITHDRAWN = jsonObjectText([
  ['id', 'id', 'number'],
  ['name', 'name', 'text'],
]);

/**
 * Credentials and their certificates moved to the outcome by type. Read from the statement's
 * snapshot (the "before" of every change), written by physical address (ctid, a TID scan instead
 * of an index lookup): a row updated since the snapshot has moved and is not written, which the
 * statement counts as a conflict.
 */
function credentialChanges(outcome: JobOutcome, credentials: NonNullable<JobOutcome['credentials']>, write: boolean): RelatedChanges & { credentials: Sql; certificates: Sql } {
  return {
    ctes: sql`
  page_credentials AS MATERIALIZED (
    SELECT c.ctid, c.id, c.user_id, c.type, c.label, c.state AS before, ${credentialTarget(credentials, sql`c.type`)} AS after,
           ${certificateTarget(credentials, sql`c.type`)} AS certificate_target
    FROM credentials c WHERE c.user_id IN (SELECT id FROM matched_users)
  ), certificates_to_move AS MATERIALIZED (
    SELECT ce.ctid, ce.id, ce.credential_id, ce.serial, ce.state AS before, credential.certificate_target AS after,
           ${revocationReason(outcome, sql`credential.certificate_target`)} AS reason
    FROM certificates ce JOIN page_credentials credential ON ce.credential_id = credential.id
    WHERE ${certificateMoves(sql`ce.state`, sql`credential.certificate_target`)}
  ), credentials_updated AS (
    UPDATE credentials c SET state = credential.after, updated_at = now()
    FROM page_credentials credential WHERE ${write} AND c.ctid = credential.ctid AND credential.before <> credential.after
    RETURNING 1
  ), certificates_updated AS (
    -- state <> 'REVOKED' keeps revocation final even if something revoked it since the snapshot.
    UPDATE certificates ce SET state = moved.after, revocation_reason = moved.reason, revoked_at = now(), updated_at = now()
    FROM certificates_to_move moved WHERE ${write} AND ce.ctid = moved.ctid AND ce.state <> 'REVOKED'
    RETURNING 1
  ), certificate_changes_by_credential AS (
    SELECT credential_id, count(*) AS moved, ${jsonArrayText(CERTIFICATE_CHANGE, sql`id`)} AS changes
    FROM certificates_to_move GROUP BY credential_id
  ), credential_changes_by_user AS (
    SELECT credential.user_id, count(*) FILTER (WHERE credential.before <> credential.after) AS moved,
           COALESCE(sum(moved_certificates.moved), 0) AS certificates_moved, ${jsonArrayText(CREDENTIAL_CHANGE, sql`credential.id`)} AS changes
    FROM page_credentials credential
    LEFT JOIN certificate_changes_by_credential moved_certificates ON moved_certificates.credential_id = credential.id
    WHERE credential.before <> credential.after OR moved_certificates.moved IS NOT NULL
    GROUP BY credential.user_id
  ),`,
    join: sql`LEFT JOIN credential_changes_by_user ON credential_changes_by_user.user_id = m.id`,
    changed: sql`credential_changes_by_user.user_id IS NOT NULL`,
    changesMember: sql`CASE WHEN credential_changes_by_user.changes IS NOT NULL THEN '"credentials":' || credential_changes_by_user.changes END`,
    unwritten: sql`(SELECT count(*) FROM page_credentials WHERE before <> after) - (SELECT count(*) FROM credentials_updated)
         + (SELECT count(*) FROM certificates_to_move) - (SELECT count(*) FROM certificates_updated)`,
    credentials: sql`COALESCE(credential_changes_by_user.moved, 0)`,
    certificates: sql`COALESCE(credential_changes_by_user.certificates_moved, 0)`,
  };
}

/** Every role of the matched users withdrawn (read from the snapshot, deleted by address as above). */
function roleWithdrawals(write: boolean): RelatedChanges & { roles: Sql } {
  return {
    ctes: sql`
  roles_to_withdraw AS MATERIALIZED (
    SELECT ur.ctid, ur.user_id, r.id, r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
    WHERE ur.user_id IN (SELECT id FROM matched_users)
  ), roles_withdrawn AS (
    DELETE FROM user_roles ur USING roles_to_withdraw withdrawn WHERE ${write} AND ur.ctid = withdrawn.ctid
    RETURNING 1
  ), role_changes_by_user AS (
    SELECT user_id, count(*) AS withdrawn, ${jsonArrayText(ROLE_WITHDRAWN, sql`id`)} AS changes
    FROM roles_to_withdraw GROUP BY user_id
  ),`,
    join: sql`LEFT JOIN role_changes_by_user ON role_changes_by_user.user_id = m.id`,
    changed: sql`role_changes_by_user.user_id IS NOT NULL`,
    changesMember: sql`CASE WHEN role_changes_by_user.changes IS NOT NULL THEN '"rolesWithdrawn":' || role_changes_by_user.changes END`,
    unwritten: sql`(SELECT count(*) FROM roles_to_withdraw) - (SELECT count(*) FROM roles_withdrawn)`,
    roles: sql`COALESCE(role_changes_by_user.withdrawn, 0)`,
  };
}

/**
 * Every write of a page in one statement. Data-modifying CTEs all run, whether referenced or not,
 * against one snapshot: the "before" side of every change is read from it. Users, created or
 * matched, are the engine's: their fields and their diff come in as json, with the row address
 * and version the plan read; a user changed since (another writer) makes the page fail and be
 * retried with a fresh plan, so nothing is decided on a stale row and no lock query is needed.
 * The text depends on the outcome only (its name says which); everything else is a parameter.
 */
function writePageQuery(outcome: JobOutcome, input: WriteInput): Sql {
  const { write } = input;
  const credentials = outcome.credentials ? credentialChanges(outcome, outcome.credentials, write) : { ...NO_RELATED_CHANGES, credentials: sql`0`, certificates: sql`0` };
  const roles = outcome.withdrawRoles ? roleWithdrawals(write) : { ...NO_RELATED_CHANGES, roles: sql`0` };
  // A user this statement writes has every credential, certificate and role in the end state after it.
  const settles = outcome.credentials || outcome.withdrawRoles ? sql`true` : sql`false`;
  return sql`
  WITH matched_users AS MATERIALIZED (
    -- idm.sync_writing: the triggers that clear users.related_settled leave this transaction's writes alone.
    SELECT *, set_config('idm.sync_writing', 'on', true) AS sync_writing
    FROM json_to_recordset(${input.matchedUsers}::json) AS m(
           ord int, id int, username text, username_key text, given_name text, surname text, display_name text, email text,
           employee_number text, external_id text, ldap_dn text, row_id text, version text, user_changes json)
  ), created_users AS (
    INSERT INTO users (username, username_key, given_name, surname, display_name, email, employee_number, state, source,
                       ldap_external_id, ldap_dn, last_synchronized_at, updated_at, related_settled)
    SELECT n.username, n.username_key, n.given_name, n.surname, n.display_name, n.email, n.employee_number, ${outcome.userState}::"UserState", 'LDAP',
           n.external_id, n.ldap_dn, now(), now(), ${settles}
    FROM json_to_recordset(${input.createdUsers}::json) AS n(
           username text, username_key text, given_name text, surname text, display_name text, email text,
           employee_number text, external_id text, ldap_dn text)
    WHERE ${write}
    RETURNING id, ldap_external_id
  ),${credentials.ctes}${roles.ctes}
  users_changed AS MATERIALIZED (
    SELECT m.ord, m.id, m.external_id, m.username, m.ldap_dn,
           ${credentials.credentials} AS credentials, ${credentials.certificates} AS certificates, ${roles.roles} AS roles,
           ('{' || concat_ws(',', CASE WHEN m.user_changes IS NOT NULL THEN '"user":' || m.user_changes::text END,
                                  ${credentials.changesMember}, ${roles.changesMember}) || '}')::json AS changes
    FROM matched_users m ${credentials.join} ${roles.join}
    WHERE m.user_changes IS NOT NULL OR ${credentials.changed} OR ${roles.changed}
  ), users_to_write AS MATERIALIZED (
    -- A user is written when one of its fields changes or something of it changed (last synchronized).
    SELECT m.* FROM matched_users m WHERE m.user_changes IS NOT NULL OR m.id IN (SELECT id FROM users_changed)
  ), users_updated AS (
    -- Only the row version the plan read (optimistic locking): a user changed since is a conflict.
    UPDATE users u SET username = w.username, username_key = w.username_key, given_name = w.given_name, surname = w.surname,
           display_name = w.display_name, email = w.email, employee_number = w.employee_number, ldap_external_id = w.external_id,
           ldap_dn = w.ldap_dn, state = ${outcome.userState}::"UserState", source = 'LDAP', last_synchronized_at = now(), updated_at = now(),
           related_settled = ${settles} OR u.related_settled
    FROM users_to_write w WHERE ${write} AND u.ctid = w.row_id::tid AND u.xmin = w.version::xid
    RETURNING 1
  ), items_recorded AS (
    INSERT INTO batch_run_items (run_id, external_id, username, ldap_dn, user_id, outcome, reason, changes)
    SELECT ${input.runId}::int, i.external_id, i.username, i.ldap_dn, i.user_id, i.outcome::"RunItemOutcome", i.reason, i.changes
    FROM (
      SELECT e.ord, e.external_id, e.username, e.ldap_dn, COALESCE(e.user_id, created_users.id) AS user_id, e.outcome, e.reason, e.changes
      FROM json_to_recordset(${input.engineItems}::json) AS e(
             ord int, external_id text, username text, ldap_dn text, user_id int, outcome text, reason text, changes json)
      LEFT JOIN created_users ON e.outcome = 'CREATED' AND created_users.ldap_external_id = e.external_id
      UNION ALL
      SELECT ord, external_id, username, ldap_dn, id, 'UPDATED', NULL, changes FROM users_changed
    ) i
    ORDER BY i.ord
    RETURNING 1
  )
  SELECT count(*)::int AS updated, COALESCE(sum(credentials), 0)::int AS credentials_changed,
         COALESCE(sum(certificates), 0)::int AS certificates_changed, COALESCE(sum(roles), 0)::int AS roles_withdrawn,
         -- Every write counted against what was read: a difference is a conflict (the page rolls back and is applied again).
         CASE WHEN ${write} THEN (SELECT count(*) FROM users_to_write) - (SELECT count(*) FROM users_updated) + ${credentials.unwritten} + ${roles.unwritten}
              ELSE 0 END::int AS conflicts
  FROM users_changed`;
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

/** What the page's write changed (users created are the plan's creates). */
export type PageWrite = { updated: number; unchanged: number; credentialsChanged: number; certificatesChanged: number; rolesWithdrawn: number };

export const NOTHING_WRITTEN: PageWrite = { updated: 0, unchanged: 0, credentialsChanged: 0, certificatesChanged: 0, rolesWithdrawn: 0 };

export type WritePageOptions = { runId: number; page: number; outcome: JobOutcome; dryRun: boolean };

/**
 * Writes a page's plan (in the caller's transaction): creates, updates and the run items, in the
 * page's order of decision (failures, creations, then updates). Throws PageConflictError when a
 * user, credential, certificate or role changed since the plan read it.
 */
export async function writePage(db: Db, options: WritePageOptions, plan: PageClassification): Promise<PageWrite> {
  const { outcome } = options;
  let ord = 0;
  const items: EngineItem[] = plan.failures.map((f) => ({
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
    items.push({
      ord: ++ord,
      external_id: person.externalId,
      username: person.username,
      ldap_dn: person.dn,
      user_id: null, // the created user's id, filled in by the write statement
      outcome: 'CREATED',
      reason: null,
      changes: { user: { before: null, after: { ...personJsonForItem(person), state: outcome.userState } } },
    });
  }
  const matched: Record<string, unknown>[] = [];
  for (const { person, user } of plan.candidates) {
    const after = userAfter(person, user, outcome);
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
  if (!items.length && !matched.length) return NOTHING_WRITTEN;

  const query = writePageQuery(outcome, {
    runId: options.runId,
    createdUsers: JSON.stringify(options.dryRun ? [] : plan.creates.map(createdUserJson)),
    matchedUsers: JSON.stringify(matched),
    engineItems: JSON.stringify(items),
    write: !options.dryRun,
  });
  const { rows } = await runPrepared(db, `write-page:${outcome.jobKey}`, query);
  const w = rows[0];
  if (w.conflicts > 0) throw new PageConflictError(options.page, w.conflicts);
  return {
    updated: w.updated,
    unchanged: matched.length - w.updated,
    credentialsChanged: w.credentials_changed,
    certificatesChanged: w.certificates_changed,
    rolesWithdrawn: w.roles_withdrawn,
  };
}
