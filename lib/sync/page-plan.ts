import type { UserSource, UserState } from '../generated/prisma/enums';
import type { Claimant, ContestedUsernames } from './claimants';
import type { DirectoryPerson, MappedEntry } from './mapping';
import type { JobOutcome } from './outcome';

// The pure half of a page: given what the database holds for the page's entries, decide what
// happens to each of them. No I/O here, so every rule can be unit-tested.

export type UserRow = {
  id: number;
  username: string;
  /** The case-insensitive key the database holds (users.username_key). */
  usernameKey: string;
  givenName: string | null;
  surname: string | null;
  displayName: string | null;
  email: string | null;
  employeeNumber: string | null;
  state: UserState;
  source: UserSource;
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

/** A username a user of this run gives up (renamed by the directory): it goes to another entry only by the next run. */
export type ReleasedUsername = { userId: number; from: string; to: string };

/**
 * What decides who a page's entries are, beyond the page itself: the usernames several entries
 * claim (claimants.ts), and the usernames released by renames earlier in the run (by username key).
 */
export type Correlation = {
  contested: ContestedUsernames;
  released: ReadonlyMap<string, ReleasedUsername>;
};

export const NO_CORRELATION: Correlation = { contested: new Map(), released: new Map() };

export type PageClassification = {
  failures: ItemFailure[];
  creates: DirectoryPerson[];
  /** Matched users that may need a change: the page's write statement decides, on the rows as the plan read them. */
  candidates: { person: DirectoryPerson; user: UserRow }[];
  unchanged: number;
  /** Matched users that are ACTIVE now and would be deactivated (threshold check). */
  wouldDeactivate: number;
  /** Usernames the page's renames give up. */
  releases: ReleasedUsername[];
};

type UserFields = Pick<UserRow, 'username' | 'givenName' | 'surname' | 'displayName' | 'email' | 'employeeNumber' | 'ldapExternalId' | 'ldapDn' | 'state' | 'source'>;
const USER_FIELDS: readonly (keyof UserFields)[] = ['username', 'givenName', 'surname', 'displayName', 'email', 'employeeNumber', 'ldapExternalId', 'ldapDn', 'state', 'source'];

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
    // A local user the sync links to its directory entry is the directory's from now on.
    source: 'LDAP',
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

/** Usernames two entries of the page itself claim (the same key: case variants included). */
function contestedWithinPage(entries: readonly MappedEntry[]): Map<string, Claimant[]> {
  const groups = new Map<string, Claimant[]>();
  for (const entry of entries) {
    if (!entry.ok) continue;
    const group = groups.get(entry.person.usernameKey);
    const claimant = { dn: entry.person.dn, externalId: entry.person.externalId };
    if (!group) groups.set(entry.person.usernameKey, [claimant]);
    else if (!group.some((c) => c.dn === claimant.dn)) group.push(claimant);
  }
  for (const [key, group] of groups) if (group.length < 2) groups.delete(key);
  return groups;
}

const LISTED_DNS = 50;

function listDns(claimants: readonly Claimant[]): string {
  // Sorted: the same reason whichever page the entry was read on.
  const all = claimants.map((c) => c.dn).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const dns = all.slice(0, LISTED_DNS);
  const more = all.length - dns.length;
  return dns.join('; ') + (more > 0 ? ` and ${more} more` : '');
}

/**
 * The external id of the user holding the entry's username (its key), as the plan found it; null
 * when no user holds it or the holder is linked to no entry.
 */
function holderExternalId(person: DirectoryPerson, row: MatchRow | null): string | null {
  if (!row || row.byUsername === null) return null;
  return row.byUsername === row.byExternalId ? person.externalId : row.byUsernameExternalId;
}

/**
 * Why an entry claiming a username other entries claim too is left alone; null when it is the
 * entry the user holding that username is linked to (by unique id), which alone may take it.
 */
function contestedReason(person: DirectoryPerson, claimants: readonly Claimant[], holder: string | null): string | null {
  if (holder === person.externalId) return null;
  const which = `${claimants.length} directory entries have the username "${person.username}" (${listDns(claimants)})`;
  const winner = holder === null ? undefined : claimants.find((c) => c.externalId === holder);
  if (winner) {
    return `${which}. Only ${winner.dn}, the entry the Identity Manager user "${person.username}" is linked to, is synchronized; this entry is left unchanged.`;
  }
  return `${which} and the Identity Manager user of that name is linked to none of them: which person the username belongs to cannot be told, so no user is changed. Give each person a username of their own in the directory.`;
}

/**
 * Decides per entry: failure, create, candidate for a change, or unchanged. Never merges two
 * people and never guesses between them: an entry whose username other entries claim too (unless
 * the user holding it is linked to that entry), a username held by a user linked to another entry
 * (or given up by one earlier in the run), and an entry the sibling job's filter matches too are
 * failures. The answer depends only on what
 * the run started from, never on the order or the pages in which the directory returns entries.
 */
export function classifyPage(
  entries: readonly MappedEntry[],
  matches: readonly EntryMatch[],
  outcome: JobOutcome,
  siblingMatches: ReadonlySet<string>,
  siblingJobKey: string,
  correlation: Correlation = NO_CORRELATION,
): PageClassification {
  const result: PageClassification = { failures: [], creates: [], candidates: [], unchanged: 0, wouldDeactivate: 0, releases: [] };
  const withinPage = contestedWithinPage(entries);
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
    if (siblingMatches.has(person.externalId)) {
      fail(`The entry is matched by the filters of both this job and "${siblingJobKey}"; it is left unchanged. Correct the directory or one of the filters.`, match?.user?.id ?? null);
      return;
    }
    // Linked by its external id to the user holding its username: none of the failures below
    // applies (of several entries claiming that username, it is the one that may take it).
    if (row === UNCHANGED) {
      result.unchanged++;
      return;
    }
    // The directory's answer includes the page's own entries; the page's own duplicates count even without it.
    const claimants = correlation.contested.get(person.usernameKey) ?? withinPage.get(person.usernameKey);
    const contested = claimants ? contestedReason(person, claimants, holderExternalId(person, row)) : null;
    if (contested) {
      fail(contested, match?.byExternalId ?? null);
      return;
    }
    // A username given up earlier in this run by a user linked to another entry: taking it now
    // would depend on which page came first. It is taken by the next run.
    const released = correlation.released.get(person.usernameKey);
    const holdsIt = row?.byUsername != null && row.byUsername === row.byExternalId;
    if (released && !holdsIt && released.userId !== row?.byExternalId) {
      fail(
        `The username "${person.username}" belonged to Identity Manager user ${released.userId}, linked to another directory entry, when this run started (it is now "${released.to}"). It is given to this entry by the next run.`,
        row?.byExternalId ?? null,
      );
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
    const from = user.usernameKey;
    if (from !== person.usernameKey) result.releases.push({ userId: user.id, from, to: person.username });
    if (user.state === 'ACTIVE' && outcome.userState !== 'ACTIVE') result.wouldDeactivate++;
    // Not unchanged: a field differs or something related still has to move (the write statement sees which).
    result.candidates.push({ person, user });
  });
  return result;
}
