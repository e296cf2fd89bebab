import type { LdapConnection } from '../ldap/connection';
import { escapeFilterValue } from '../ldap/filter';
import { objectGuidToBytes, objectGuidToString } from '../ldap/guid';
import type { MappedEntry } from './mapping';
import type { UniqueIdAttribute } from './job-options';

/**
 * Which of a page's entries the sibling job's filter also matches: one search restricted to the
 * page's unique ids, so the check costs one round trip per page and no memory across pages.
 */
export async function siblingMatches(
  connection: LdapConnection,
  siblingFilter: string | null,
  uniqueIdAttribute: UniqueIdAttribute,
  entries: readonly MappedEntry[],
): Promise<Set<string>> {
  const ids = entries.flatMap((e) => (e.ok ? [e.person.externalId] : []));
  if (!siblingFilter || !ids.length) return new Set();
  const terms = ids.map((id) => `(${uniqueIdAttribute}=${escapeFilterValue(uniqueIdAttribute === 'objectGUID' ? objectGuidToBytes(id) : id)})`);
  const filter = `(&${siblingFilter}(|${terms.join('')}))`;
  const found = new Set<string>();
  const pages = connection.client.searchPaginated(connection.settings.baseDn, {
    scope: connection.settings.scope,
    filter,
    attributes: [uniqueIdAttribute],
    explicitBufferAttributes: uniqueIdAttribute === 'objectGUID' ? ['objectGUID'] : undefined,
    paged: { pageSize: Math.max(ids.length, 1) },
  });
  for await (const page of pages) {
    for (const entry of page.searchEntries) {
      const key = Object.keys(entry).find((k) => k.toLowerCase() === uniqueIdAttribute.toLowerCase());
      const raw = key ? entry[key] : undefined;
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (value === undefined) continue;
      found.add(Buffer.isBuffer(value) ? objectGuidToString(value) : String(value).toLowerCase());
    }
  }
  return found;
}
