import { connectLdap, searchPages, type LdapConnectionSettings } from '../ldap/connection';
import { checkFilter } from '../ldap/filter';
import { LdapError, type LdapErrorCode } from '../ldap/errors';
import { requestedAttributes, type ResolvedJobOptions } from '../sync/job-options';
import { binaryAttributes } from '../sync/unique-id';
import { mapEntry, type MappedEntry } from '../sync/mapping';

export type ConnectionCheckResult =
  | { ok: true; url: string; matched: number; entries: MappedEntry[] }
  | { ok: false; error: { code: LdapErrorCode; message: string } };

/**
 * Binds with the settings, runs the job's filter and reports how many entries it matches and the
 * first ten as the job would map them. Never throws for directory problems: they come back typed.
 */
export async function checkConnection(
  settings: LdapConnectionSettings,
  jobOptions: Pick<ResolvedJobOptions, 'filter' | 'mapping' | 'uniqueIdAttribute' | 'pageSize'>,
): Promise<ConnectionCheckResult> {
  let connection;
  try {
    const filter = checkFilter(jobOptions.filter);
    connection = await connectLdap(settings);
    let matched = 0;
    const entries: MappedEntry[] = [];
    for await (const page of searchPages(connection, {
      filter,
      attributes: requestedAttributes(jobOptions as ResolvedJobOptions),
      bufferAttributes: binaryAttributes(jobOptions.uniqueIdAttribute),
      pageSize: jobOptions.pageSize,
    })) {
      matched += page.length;
      for (const entry of page) if (entries.length < 10) entries.push(mapEntry(entry, jobOptions));
    }
    return { ok: true, url: connection.url, matched, entries };
  } catch (error) {
    if (error instanceof LdapError) return { ok: false, error: { code: error.code, message: error.message } };
    return { ok: false, error: { code: 'LDAP_ERROR', message: (error as Error).message } };
  } finally {
    await connection?.close();
  }
}
