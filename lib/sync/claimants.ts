import { searchEach, type LdapConnection, type PagedSearch } from '../ldap/connection';
import { equalityFilter } from '../ldap/filter';
import type { ResolvedJobOptions } from './job-options';
import { mapEntry, type MappedEntry } from './mapping';
import { binaryAttributes } from './unique-id';

// One username, one person. When several directory entries carry the same username (in two OUs,
// or differing only in case), nobody can tell which of them the Identity Manager user is, so the
// engine must not pick one by the order the server happens to return them. For every page, one
// search asks the directory for all the entries that claim the page's usernames, so the answer is
// the same whatever the page size, the page order or the page an entry falls on. Its chunks are
// sent together (lib/ldap/paged-search.ts searchEach).

/** A directory entry claiming a username: its DN as the server sent it and its unique id (null: none usable). */
export type Claimant = { dn: string; externalId: string | null };

/** Usernames (their case-insensitive key) claimed by two or more entries, with every claimant. */
export type ContestedUsernames = ReadonlyMap<string, readonly Claimant[]>;

export const NO_CONTESTED_USERNAMES: ContestedUsernames = new Map();

function usernameKey(entry: MappedEntry): string | null {
  if (entry.ok) return entry.person.usernameKey;
  return entry.username ? entry.username.toLowerCase() : null;
}

function claimantOf(entry: MappedEntry): Claimant {
  return { dn: entry.ok ? entry.person.dn : entry.dn, externalId: entry.ok ? entry.person.externalId : entry.externalId };
}

/** Adds `claimant` under `key` unless an entry with its DN is there already (the same entry read twice). */
function add(groups: Map<string, Claimant[]>, key: string, claimant: Claimant) {
  const group = groups.get(key);
  if (!group) groups.set(key, [claimant]);
  else if (!group.some((c) => c.dn === claimant.dn)) group.push(claimant);
}

/**
 * The page's usernames that more than one entry claims among the people the two jobs synchronize
 * (`scope`: this job's filter, or both filters OR'ed). Searches restricted to the page's usernames (an indexed equality lookup on every directory's username attribute), returning only
 * the unique id and the username. The directory's matching rule finds case variants (uid and
 * sAMAccountName ignore case); the entries are then mapped as the run maps them, so a claim is
 * exactly "the same username key as the run computes it". The page's own entries are claimants
 * whatever the server's matching rule finds.
 */
export async function contestedUsernames(
  connection: LdapConnection,
  scope: string,
  options: Pick<ResolvedJobOptions, 'mapping' | 'uniqueIdAttribute'>,
  entries: readonly MappedEntry[],
): Promise<ContestedUsernames> {
  const groups = new Map<string, Claimant[]>();
  const terms = new Map<string, string>();
  for (const entry of entries) {
    const key = usernameKey(entry);
    if (key === null) continue;
    add(groups, key, claimantOf(entry));
    const username = entry.ok ? entry.person.username : entry.username!;
    if (!terms.has(key)) terms.set(key, equalityFilter(options.mapping.username, username));
  }
  if (!terms.size) return NO_CONTESTED_USERNAMES;
  const claimOptions = { uniqueIdAttribute: options.uniqueIdAttribute, mapping: { ...NOTHING_ELSE, username: options.mapping.username } };
  const all = [...terms.values()];
  const searches: PagedSearch[] = [];
  for (let i = 0; i < all.length; i += CHUNK) {
    searches.push({
      filter: `(&${scope}(|${all.slice(i, i + CHUNK).join('')}))`,
      attributes: [options.uniqueIdAttribute, options.mapping.username],
      bufferAttributes: binaryAttributes(options.uniqueIdAttribute),
      pageSize: 1000,
    });
  }
  for (const found of (await searchEach(connection, searches)).flat()) {
    const entry = mapEntry(found, claimOptions);
    const key = usernameKey(entry);
    // Keys outside the page: a multi-valued username attribute matched on a value the mapping does not take.
    if (key !== null && groups.has(key)) add(groups, key, claimantOf(entry));
  }
  for (const [key, group] of groups) if (group.length < 2) groups.delete(key);
  return groups;
}

/**
 * Usernames per search. A server tests every returned entry against the whole filter, so one
 * search of n usernames costs ~n²/2 comparisons: at 500 a page's search took 45-65 ms on slapd
 * (bench, 100k people), as long as applying the page; chunks of 50 cut that tenfold.
 */
const CHUNK = 50;

const NOTHING_ELSE = { givenName: null, surname: null, displayName: null, email: null, employeeNumber: null };

/** Both jobs' filters as one: the people whose usernames the Identity Manager holds. */
export function claimScope(ownFilter: string, siblingFilter: string | null): string {
  return siblingFilter ? `(|${ownFilter}${siblingFilter})` : ownFilter;
}
