import type pg from 'pg';
import { decryptSecret } from '../crypto';
import type { LdapConnectionSettings, LdapScope } from '../ldap/connection';
import { LdapError } from '../ldap/errors';

// The stored directory connection as the engine connects with it (plain SQL: the worker has no
// Prisma). The admin page's view of the same row, without the password, is read-ldap-settings.ts.

/** The stored bind password, decrypted; a typed LdapError saying what to do when it cannot be. */
export function decryptBindPassword(encrypted: string): string {
  try {
    return decryptSecret(encrypted);
  } catch (error) {
    throw new LdapError(
      'LDAP_INVALID_CREDENTIALS',
      `The stored bind password cannot be decrypted (${(error as Error).message}). Check APP_ENCRYPTION_KEY or enter the password again.`,
    );
  }
}

/** The directory connection of the installation (ldap_settings, id = 1), bind password decrypted. */
export async function loadLdapSettings(db: Pick<pg.Pool, 'query'>): Promise<LdapConnectionSettings> {
  const { rows } = await db.query('SELECT * FROM ldap_settings WHERE id = 1');
  const row = rows[0];
  if (!row) throw new LdapError('LDAP_UNREACHABLE', 'No LDAP connection is configured. An administrator must enter it in Identity Manager Admin > LDAP connection.');
  const scope = (['base', 'one', 'sub'].includes(row.scope) ? row.scope : 'sub') as LdapScope;
  const bindPassword = row.bind_password_encrypted ? decryptBindPassword(row.bind_password_encrypted) : '';
  // A simple bind with a DN and an empty password is an anonymous bind: never let it pass as a login.
  if (row.bind_dn && !bindPassword) {
    throw new LdapError('LDAP_INVALID_CREDENTIALS', `No bind password is stored for ${row.bind_dn}. Enter it in the LDAP connection settings.`);
  }
  return {
    urls: row.urls,
    startTls: row.start_tls,
    tlsCaCertificate: row.tls_ca_certificate,
    tlsRejectUnauthorized: row.tls_reject_unauthorized,
    bindDn: row.bind_dn,
    bindPassword,
    baseDn: row.base_dn,
    scope,
    connectTimeoutMs: row.connect_timeout_ms,
    operationTimeoutMs: row.operation_timeout_ms,
  };
}
