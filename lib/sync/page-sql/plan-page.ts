import sql, { join, raw, type Sql } from 'sql-template-tag';
import type { ContestedUsernames } from '../claimants';
import type { MappedEntry } from '../mapping';
import type { JobOutcome } from '../outcome';
import { classifyPage, NO_CORRELATION, UNCHANGED, type EntryMatch, type PageClassification, type ReleasedUsername, type UserRow } from '../page-plan';
import { textArrayLiteral } from '../text-array';
import { certificateMoves, certificateTarget, credentialTarget } from './outcome-sql';
import { label, runPrepared, type Db } from './prepared-statement';

// Planning's database side: one query reads what the database holds for a page's entries, then
// page-plan.ts decides (no writes, no locks).

/**
 * Per page: who else claims the usernames of the entries that do not hold theirs (claimants.ts;
 * an entry linked to the user holding its username needs no search), and, per run, the usernames
 * renames gave up.
 */
export type PageCorrelation = {
  claims: (entries: readonly MappedEntry[]) => Promise<ContestedUsernames>;
  released: Map<string, ReleasedUsername>;
};

/** The fields of a person the plan query compares, each sent as one text[] (a column of its `entry` rows). */
const ENTRY_FIELDS = ['externalId', 'usernameKey', 'username', 'givenName', 'surname', 'displayName', 'email', 'employeeNumber', 'dn'] as const;
type EntryColumns = Record<(typeof ENTRY_FIELDS)[number], (string | null)[]>;

/**
 * The matched user's column: the user linked to the entry's external id, else the user holding
 * its username if that one is linked to no entry (page-plan.ts decides what a match means).
 */
function matchedUser(column: string, asText = false): Sql {
  return raw(`CASE WHEN linked.id IS NOT NULL THEN linked.${column} WHEN holder.ldap_external_id IS NULL THEN holder.${column} END${asText ? '::text' : ''} AS ${column}`);
}

const MATCHED_USER_COLUMNS = join(
  [
    matchedUser('id'),
    matchedUser('username'),
    matchedUser('username_key'),
    matchedUser('given_name'),
    matchedUser('surname'),
    matchedUser('display_name'),
    matchedUser('email'),
    matchedUser('employee_number'),
    matchedUser('state', true),
    matchedUser('source', true),
    matchedUser('ldap_external_id'),
    matchedUser('ldap_dn'),
    // Where and which version of the row was read: the write changes it only if it is still that row.
    matchedUser('ctid', true),
    matchedUser('xmin', true),
  ],
  ',\n         ',
);

/**
 * True when some role, credential or certificate of the matched user is not in the outcome's end
 * state. Roles first: an index-only probe that answers for most users of a first run.
 */
function relatedNeedChange(outcome: JobOutcome): Sql {
  const probes: Sql[] = [];
  if (outcome.withdrawRoles) probes.push(sql`EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = matched.user_id)`);
  if (outcome.credentials) {
    const certificateEndState = certificateTarget(outcome.credentials, sql`c.type`);
    // One probe per user: a credential off its end state, or one of its certificates that still has to move.
    probes.push(sql`EXISTS (
            SELECT 1 FROM credentials c
            LEFT JOIN certificates ce ON ce.credential_id = c.id AND ${certificateMoves(sql`ce.state`, certificateEndState)}
            WHERE c.user_id = matched.user_id AND (c.state <> ${credentialTarget(outcome.credentials, sql`c.type`)} OR ce.id IS NOT NULL))`);
  }
  if (!probes.length) return sql`false`;
  // Settled by the last sync and untouched since (users.related_settled, cleared by triggers): no need to look.
  return sql`(NOT COALESCE(CASE WHEN linked.id IS NOT NULL THEN linked.related_settled WHEN holder.ldap_external_id IS NULL THEN holder.related_settled END, false)
          AND (${join(probes, ' OR ')}))`;
}

/**
 * True when the user linked to the entry is already what the job would make of it (userAfter and
 * userFieldChanges of page-plan.ts, in SQL: a field the entry lacks keeps the user's value) and
 * nothing related needs to move. The fields are compared first, so the related probes run only
 * for users whose fields are settled.
 */
function entryUnchanged(outcome: JobOutcome): Sql {
  return sql`COALESCE(
          linked.id IS NOT NULL AND linked.username_key = entry.username_key AND linked.state = ${label(outcome.userState)} AND linked.source = 'LDAP'
          AND linked.username = entry.username
          AND (entry.given_name IS NULL OR entry.given_name = linked.given_name)
          AND (entry.surname IS NULL OR entry.surname = linked.surname)
          AND (entry.display_name IS NULL OR entry.display_name = linked.display_name)
          AND (entry.email IS NULL OR entry.email = linked.email)
          AND (entry.employee_number IS NULL OR entry.employee_number = linked.employee_number)
          AND linked.ldap_dn = entry.ldap_dn
          AND NOT ${relatedNeedChange(outcome)},
          false)`;
}

/**
 * The plan query: per entry, the user linked to its external id (`linked`) and the user holding
 * its username (`holder`). The holder is looked up only when the linked user does not already
 * hold that username (the usual case on a re-run), and the matched user's columns come from one
 * or the other without a third lookup. An entry whose user is unchanged returns no row at all (on
 * a re-run that is nearly every entry, and parsing rows was most of the engine's work), unless
 * the sibling job's filter matches it too (its failure names the user); an entry without any user
 * returns a row of nulls (a user to create).
 */
function planPageQuery(outcome: JobOutcome, entries: EntryColumns, siblingMatches: (string | null)[]): Sql {
  const column = (values: (string | null)[]) => sql`${textArrayLiteral(values)}::text[]`;
  return sql`
  SELECT entry.ord::int AS ord, linked.id AS by_external_id,
         CASE WHEN linked.username_key = entry.username_key THEN linked.id ELSE holder.id END AS by_username,
         CASE WHEN linked.username_key = entry.username_key THEN linked.ldap_external_id ELSE holder.ldap_external_id END AS by_username_external_id,
         ${MATCHED_USER_COLUMNS}
  FROM unnest(${column(entries.externalId)}, ${column(entries.usernameKey)}, ${column(entries.username)}, ${column(entries.givenName)},
              ${column(entries.surname)}, ${column(entries.displayName)}, ${column(entries.email)}, ${column(entries.employeeNumber)},
              ${column(entries.dn)})
       WITH ORDINALITY AS entry(external_id, username_key, username, given_name, surname, display_name, email, employee_number, ldap_dn, ord)
  LEFT JOIN users linked ON linked.ldap_external_id = entry.external_id
  LEFT JOIN LATERAL (
    SELECT u.*, u.ctid, u.xmin FROM users u
    WHERE u.username_key = entry.username_key AND linked.username_key IS DISTINCT FROM entry.username_key
    OFFSET 0
  ) holder ON true
  CROSS JOIN LATERAL (
    SELECT CASE WHEN linked.id IS NOT NULL THEN linked.id WHEN holder.ldap_external_id IS NULL THEN holder.id END AS user_id
  ) matched
  WHERE entry.external_id = ANY(${column(siblingMatches)}) OR NOT ${entryUnchanged(outcome)}`;
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
  const columns = Object.fromEntries(ENTRY_FIELDS.map((field) => [field, []])) as unknown as EntryColumns;
  entries.forEach((entry, i) => {
    if (!entry.ok) return;
    index.push(i);
    for (const field of ENTRY_FIELDS) columns[field].push(entry.person[field]);
  });
  // The plan returns no row for an entry whose user is unchanged.
  const rows: EntryMatch[] = entries.map((entry) => (entry.ok ? UNCHANGED : null));
  if (index.length) {
    const sibling = siblingMatches.size ? columns.externalId.filter((id) => siblingMatches.has(id!)) : [];
    const { rows: found } = await runPrepared(db, `plan-page:${outcome.jobKey}`, planPageQuery(outcome, columns, sibling));
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
