import { searchPages, type DirectoryEntry, type LdapConnection } from '../ldap/connection';
import { entryUniqueId as uniqueIdOf, type MappedEntry } from './mapping';
import type { UniqueIdAttribute } from './job-options';
import { binaryAttributes, uniqueIdFilter } from './unique-id';

/**
 * The entries that both filters match, page by page: ONE search of `(&a b)`. The filters are
 * whole, already checked filters (checkFilter), so composing them needs no escaping. Shared by
 * the run (siblingOverlap) and the administrator's overlap check (lib/batch-jobs/check-filter-overlap),
 * so that what Save and Test connection count is exactly what a run will fail.
 */
export function searchBothFilters(
  connection: LdapConnection,
  a: string,
  b: string,
  search: { attributes: string[]; bufferAttributes?: string[]; pageSize?: number },
): AsyncGenerator<DirectoryEntry[]> {
  return searchPages(connection, { filter: bothFilters(a, b), attributes: search.attributes, bufferAttributes: search.bufferAttributes, pageSize: search.pageSize ?? 1000 });
}

export function bothFilters(a: string, b: string): string {
  return `(&${a}${b})`;
}

/** Above this many people matched by both filters the per-page check takes over: memory stays bounded. */
export const OVERLAP_LIMIT = 10_000;

/**
 * The unique ids of every entry that both jobs' filters match, from ONE search per run
 * (`(&own sibling)`, unique ids only). Normally empty or tiny (each is an item failure), so
 * memory does not grow with the directory; null when the overlap exceeds `limit`, and the
 * caller then checks page by page with `siblingMatches`.
 */
export async function siblingOverlap(
  connection: LdapConnection,
  ownFilter: string,
  siblingFilter: string,
  uniqueIdAttribute: UniqueIdAttribute,
  limit = OVERLAP_LIMIT,
): Promise<Set<string> | null> {
  const found = new Set<string>();
  const pages = searchBothFilters(connection, ownFilter, siblingFilter, {
    attributes: [uniqueIdAttribute],
    bufferAttributes: binaryAttributes(uniqueIdAttribute),
  });
  for await (const page of pages) {
    for (const entry of page) {
      const id = uniqueIdOf(entry, uniqueIdAttribute);
      if (id !== undefined) found.add(id);
    }
    if (found.size > limit) {
      await pages.return(undefined);
      return null;
    }
  }
  return found;
}

/**
 * Which of a page's entries the sibling job's filter also matches: one search restricted to the
 * page's unique ids: one round trip per page and no memory across pages. The fallback of
 * `siblingOverlap` for directories where the two filters overlap massively.
 */
export async function siblingMatches(
  connection: LdapConnection,
  siblingFilter: string | null,
  uniqueIdAttribute: UniqueIdAttribute,
  entries: readonly MappedEntry[],
): Promise<Set<string>> {
  const ids = entries.flatMap((e) => (e.ok ? [e.person.externalId] : []));
  if (!siblingFilter || !ids.length) return new Set();
  const terms = ids.map((id) => uniqueIdFilter(uniqueIdAttribute, id));
  const filter = `(&${siblingFilter}(|${terms.join('')}))`;
  const found = new Set<string>();
  const pages = searchPages(connection, {
    filter,
    attributes: [uniqueIdAttribute],
    bufferAttributes: binaryAttributes(uniqueIdAttribute),
    pageSize: Math.max(ids.length, 1),
  });
  for await (const page of pages) {
    for (const entry of page) {
      const id = uniqueIdOf(entry, uniqueIdAttribute);
      if (id !== undefined) found.add(id);
    }
  }
  return found;
}
