import { toLdapError } from './errors';
import type { LdapConnection } from './connection';
import { PagedEntriesControl } from './ldapts-seam';
import type { DirectoryEntry } from './search-decoder';

// RFC 2696 paged searches of the sync: each page is one `client.search` carrying a
// PagedEntriesControl, whose entries the seam into ldapts (lib/ldap/ldapts-seam.ts) decodes.
// The seam sorts entries by message id, so several searches may be in flight on one connection.

export type PagedSearch = {
  filter: string;
  attributes: string[];
  /** Attributes whose values stay bytes (objectGUID); case-insensitive. */
  bufferAttributes?: string[];
  pageSize: number;
  baseDn?: string;
};

/** One page of a paged search; its control holds the entries and the next cookie. */
async function searchPage(connection: LdapConnection, search: PagedSearch, cookie: Buffer): Promise<PagedEntriesControl> {
  const baseDn = search.baseDn ?? connection.settings.baseDn;
  const binaryAttributes = new Set((search.bufferAttributes ?? []).map((name) => name.toLowerCase()));
  const page = new PagedEntriesControl({ size: search.pageSize, cookie, binaryAttributes });
  try {
    await connection.client.search(baseDn, { scope: connection.settings.scope, filter: search.filter, attributes: search.attributes }, page);
  } catch (error) {
    throw toLdapError(error, { url: connection.url, baseDn, filter: search.filter });
  }
  return page;
}

/**
 * One RFC 2696 paged search, yielded page by page: the next page is requested only when the
 * caller asks for it, so memory holds one page whatever the size of the directory. Failures
 * become the same typed LdapErrors as every other operation.
 */
export async function* searchPages(connection: LdapConnection, search: PagedSearch): AsyncGenerator<DirectoryEntry[]> {
  let cookie: Buffer = Buffer.alloc(0);
  do {
    const page = await searchPage(connection, search, cookie);
    cookie = page.nextCookie;
    yield page.entries;
  } while (cookie.length > 0);
}

/**
 * Small searches (each expected to fit in one page) on one connection, `concurrency` of them in
 * flight at once: the server works on them side by side instead of waiting a round trip for each.
 * Returns every search's entries, in the order of `searches`. A server may keep one paged search's
 * state per connection (OpenLDAP answers "paged results cookie is invalid" when two continue side
 * by side), so a search that needs a second page, or that failed beside the others, runs again
 * alone afterwards, page by page (and reports its error from there).
 */
export async function searchEach(connection: LdapConnection, searches: readonly PagedSearch[], concurrency = 8): Promise<DirectoryEntry[][]> {
  const results: (DirectoryEntry[] | null)[] = searches.map(() => null);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < searches.length; i = next++) {
      const page = await searchPage(connection, searches[i]!, Buffer.alloc(0)).catch(() => null);
      if (page && page.nextCookie.length === 0) results[i] = page.entries;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, searches.length) }, lane));
  const all: DirectoryEntry[][] = [];
  for (const [i, entries] of results.entries()) {
    if (entries) {
      all.push(entries);
      continue;
    }
    const again: DirectoryEntry[] = [];
    for await (const page of searchPages(connection, searches[i]!)) again.push(...page);
    all.push(again);
  }
  return all;
}
