import type { UserState } from '../generated/prisma/enums';
import type { DirectoryPerson, MappedEntry } from './mapping';
import type { JobOutcome } from './outcome';

// The pure half of a page: given what the database holds for the page's entries, decide what
// happens to each of them. No I/O here, so every rule can be unit-tested.

export type UserRow = {
  id: number;
  username: string;
  givenName: string | null;
  surname: string | null;
  displayName: string | null;
  email: string | null;
  employeeNumber: string | null;
  state: UserState;
  ldapExternalId: string | null;
  ldapDn: string | null;
  /** Where and which version of the row the plan read (ctid, xmin): the page writes the user only if it is still that row. */
  rowId: string;
  version: string;
};

/** What the plan query found for one entry (by position in the page). */
export type MatchRow = {
  /** User linked to the entry's external id. */
  byExternalId: number | null;
  /** User holding the entry's username (case-insensitive), and the external id it is linked to. */
  byUsername: number | null;
  byUsernameExternalId: string | null;
  /** The matched user's current row (by external id first, else by an unlinked username). */
  user: UserRow | null;
};

/** The entry's linked user is already in the job's end state: fields as userAfter would make them, related rows settled. */
export const UNCHANGED = 'unchanged';

/** The plan's answer for one entry: null when no user has its external id or username (one to create). */
export type EntryMatch = MatchRow | typeof UNCHANGED | null;

export type ItemFailure = { dn: string; externalId: string | null; username: string | null; userId: number | null; reason: string };

export type PageClassification = {
  failures: ItemFailure[];
  creates: DirectoryPerson[];
  /** Matched users that may need a change: the page's write statement decides, on the rows as the plan read them. */
  candidates: { person: DirectoryPerson; user: UserRow }[];
  unchanged: number;
  /** Matched users that are ACTIVE now and would be deactivated (threshold check). */
  wouldDeactivate: number;
};

type UserFields = Pick<UserRow, 'username' | 'givenName' | 'surname' | 'displayName' | 'email' | 'employeeNumber' | 'ldapExternalId' | 'ldapDn' | 'state'>;
const USER_FIELDS: readonly (keyof UserFields)[] = ['username', 'givenName', 'surname', 'displayName', 'email', 'employeeNumber', 'ldapExternalId', 'ldapDn', 'state'];

/** The user's fields after the job: mapped attributes the entry lacks are kept as they are. */
export function userAfter(person: DirectoryPerson, user: UserFields, outcome: JobOutcome): UserFields {
  return {
    username: person.username,
    givenName: person.givenName ?? user.givenName,
    surname: person.surname ?? user.surname,
    displayName: person.displayName ?? user.displayName,
    email: person.email ?? user.email,
    employeeNumber: person.employeeNumber ?? user.employeeNumber,
    ldapExternalId: person.externalId,
    ldapDn: person.dn,
    state: outcome.userState,
  };
}

export function userFieldChanges(before: UserFields, after: UserFields): { before: Partial<UserFields>; after: Partial<UserFields> } | null {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const field of USER_FIELDS) {
    if (before[field] !== after[field]) {
      b[field] = before[field];
      a[field] = after[field];
    }
  }
  return Object.keys(a).length ? { before: b as Partial<UserFields>, after: a as Partial<UserFields> } : null;
}

/**
 * Decides per entry: failure, create, candidate for a change, or unchanged. Never merges two
 * people: a username held by a user linked to another entry is a failure, as is a second entry
 * claiming a username or an entry the sibling job's filter also matches.
 */
export function classifyPage(
  entries: readonly MappedEntry[],
  matches: readonly EntryMatch[],
  outcome: JobOutcome,
  siblingMatches: ReadonlySet<string>,
  siblingJobKey: string,
): PageClassification {
  const result: PageClassification = { failures: [], creates: [], candidates: [], unchanged: 0, wouldDeactivate: 0 };
  const seenUsernames = new Map<string, string>();
  entries.forEach((entry, i) => {
    if (!entry.ok) {
      result.failures.push({ dn: entry.dn, externalId: entry.externalId, username: entry.username, userId: null, reason: entry.reason });
      return;
    }
    const person = entry.person;
    const row = matches[i] ?? null;
    const match = row === UNCHANGED ? null : row;
    const fail = (reason: string, userId: number | null = null) =>
      result.failures.push({ dn: person.dn, externalId: person.externalId, username: person.username, userId, reason });
    const claimedBy = seenUsernames.get(person.usernameKey);
    if (claimedBy !== undefined) {
      fail(`Another directory entry (${claimedBy}) has the same username "${person.username}"; neither is merged into the other.`);
      return;
    }
    seenUsernames.set(person.usernameKey, person.dn);
    if (siblingMatches.has(person.externalId)) {
      fail(`The entry is matched by the filters of both this job and "${siblingJobKey}"; it is left unchanged. Correct the directory or one of the filters.`, match?.user?.id ?? null);
      return;
    }
    // Linked by its external id to a user with its username: none of the failures below applies.
    if (row === UNCHANGED) {
      result.unchanged++;
      return;
    }
    if (!row) {
      result.creates.push(person);
      return;
    }
    if (row.byExternalId !== null && row.byUsername !== null && row.byUsername !== row.byExternalId) {
      fail(`The username "${person.username}" is already used by another Identity Manager user (id ${row.byUsername}).`, row.byExternalId);
      return;
    }
    if (row.byExternalId === null && row.byUsername !== null && row.byUsernameExternalId !== null && row.byUsernameExternalId !== person.externalId) {
      fail(
        `The username "${person.username}" belongs to a user linked to another directory entry (external id ${row.byUsernameExternalId}).`,
        row.byUsername,
      );
      return;
    }
    const user = row.user;
    if (!user) {
      result.creates.push(person);
      return;
    }
    if (user.state === 'ACTIVE' && outcome.userState !== 'ACTIVE') result.wouldDeactivate++;
    // Not unchanged: a field differs or something related still has to move (the write statement sees which).
    result.candidates.push({ person, user });
  });
  return result;
}
