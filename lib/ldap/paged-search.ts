import { toLdapError } from './errors';
import type { LdapConnection } from './connection';
import { PagedEntriesControl } from './ldapts-seam';
import type { DirectoryEntry } from './search-decoder';

// RFC 2696 paged searches of the sync: each page is one `client.search` carrying a
// PagedEntriesControl, whose entries the seam into ldapts (lib/ldap/ldapts-seam.ts) decodes.

export type PagedSearch = {
  filter: string;
  attributes: string[];
  /** Attributes whose values stay bytes (objectGUID); case-insensitive. */
  bufferAttributes?: string[];
  pageSize: number;
  baseDn?: string;
};

/**
 * One RFC 2696 paged search, yielded page by page: the next page is requested only when the
 * caller asks for it, so memory holds one page whatever the size of the directory. Failures
 * become the same typed LdapErrors as every other operation.
 */
export async function* searchPages(connection: LdapConnection, search: PagedSearch): AsyncGenerator<DirectoryEntry[]> {
  const baseDn = search.baseDn ?? connection.settings.baseDn;
  const context = { url: connection.url, baseDn, filter: search.filter };
  const binaryAttributes = new Set((search.bufferAttributes ?? []).map((name) => name.toLowerCase()));
  let cookie: Buffer = Buffer.alloc(0);
  do {
    const page = new PagedEntriesControl({ size: search.pageSize, cookie, binaryAttributes });
    try {
      await connection.client.search(baseDn, { scope: connection.settings.scope, filter: search.filter, attributes: search.attributes }, page);
    } catch (error) {
      throw toLdapError(error, context);
    }
    cookie = page.nextCookie;
    yield page.entries;
  } while (cookie.length > 0);
}
