import { Client, InvalidCredentialsError } from 'ldapts';
import type net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { connectWithBatchedReads } from './batched-reads';
import { connectFailureCause, isNetworkError, isTlsError, LdapError, toLdapError } from './errors';
import { routeSearchEntries } from './ldapts-seam';

// Paged searches decode their entries themselves (lib/ldap/paged-search.ts).
export { searchEach, searchPages, type PagedSearch } from './paged-search';
export type { DirectoryEntry, DirectoryValue } from './search-decoder';

export type LdapScope = 'base' | 'one' | 'sub';

/** What the product needs to talk to its directory (the ldap_settings row, password decrypted). */
export type LdapConnectionSettings = {
  /** ldap:// or ldaps:// URLs, tried in order until one answers. */
  urls: string[];
  startTls: boolean;
  /** PEM; when set, the only CA trusted for the directory's certificate. */
  tlsCaCertificate?: string | null;
  tlsRejectUnauthorized: boolean;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  scope: LdapScope;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
};

export type LdapConnection = {
  client: Client;
  /** The URL that answered. */
  url: string;
  settings: LdapConnectionSettings;
  close: () => Promise<void>;
};

function tlsOptions(settings: LdapConnectionSettings): ConnectionOptions {
  return {
    ca: settings.tlsCaCertificate ? [settings.tlsCaCertificate] : undefined,
    rejectUnauthorized: settings.tlsRejectUnauthorized,
  };
}

/**
 * Connects to the first URL that answers and binds. A wrong password is not retried on the next
 * URL (it would be wrong there too, and lock the account faster).
 */
export async function connectLdap(settings: LdapConnectionSettings): Promise<LdapConnection> {
  if (settings.urls.length === 0) throw new LdapError('LDAP_UNREACHABLE', 'No LDAP server URL is configured. Add one in the LDAP connection settings.');
  const unreachable: string[] = [];
  let tlsFailure: LdapError | undefined;
  for (const url of settings.urls) {
    if (!/^ldaps?:\/\//i.test(url)) {
      unreachable.push(`${url} (not an ldap:// or ldaps:// URL)`);
      continue;
    }
    const client = new Client({
      url,
      connectTimeout: settings.connectTimeoutMs,
      timeout: settings.operationTimeoutMs,
      // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps://.
      tlsOptions: url.toLowerCase().startsWith('ldaps://') ? tlsOptions(settings) : undefined,
      // Plain ldap:// reads in batches (batched-reads.ts); ldapts calls it with (port, host).
      createConnection: url.toLowerCase().startsWith('ldap://') && !settings.startTls ? (connectWithBatchedReads as typeof net.connect) : undefined,
      strictDN: false,
    });
    routeSearchEntries(client);
    try {
      // The socket is already open, so Node would check the certificate against "localhost":
      // name the server of the URL instead.
      if (settings.startTls && url.toLowerCase().startsWith('ldap://')) await client.startTLS({ ...tlsOptions(settings), host: new URL(url).hostname.replace(/^\[|\]$/g, '') });
      await client.bind(settings.bindDn, settings.bindPassword);
      return { client, url, settings, close: () => client.unbind().catch(() => undefined) };
    } catch (error) {
      await client.unbind().catch(() => undefined);
      if (error instanceof InvalidCredentialsError) throw toLdapError(error, { url, bindDn: settings.bindDn });
      if (isTlsError(error)) {
        tlsFailure ??= toLdapError(error, { url });
        unreachable.push(connectFailureCause(url, error));
        continue;
      }
      if (isNetworkError(error) || /connect/i.test((error as Error)?.message ?? '')) {
        unreachable.push(connectFailureCause(url, error));
        continue;
      }
      throw toLdapError(error, { url, bindDn: settings.bindDn });
    }
  }
  if (tlsFailure) throw tlsFailure;
  throw new LdapError(
    'LDAP_UNREACHABLE',
    `No LDAP server could be reached: ${unreachable.join('; ')}. Check that the server runs and the URLs in the LDAP connection settings.`,
  );
}
