import { decryptSecret } from '../crypto';
import { prisma } from '../db';
import { testConnection, type TestConnectionResult } from '../ldap/test-connection';
import { INACTIVE_LDAP_USERS, resolveJobOptions } from '../sync/job-options';
import type { LdapSettingsInput } from './ldap-settings-input';

export type TestLdapSettingsResult = TestConnectionResult & { filter: string };

/**
 * "Test connection" on the settings page: binds with the settings as entered (a blank password
 * means the stored one), and runs the inactive job's filter, so that the administrator sees
 * how many entries "Synchronize inactive LDAP Users to Identity Manager" would read.
 */
export async function testLdapSettings(input: LdapSettingsInput): Promise<TestLdapSettingsResult> {
  const db = prisma();
  const [row, job] = await Promise.all([
    db.ldapSettings.findUnique({ where: { id: 1 }, select: { bindPasswordEncrypted: true } }),
    db.batchJob.findUnique({ where: { key: INACTIVE_LDAP_USERS }, select: { options: true } }),
  ]);
  const options = resolveJobOptions(INACTIVE_LDAP_USERS, job?.options ?? {});
  const fail = (code: 'LDAP_INVALID_CREDENTIALS', message: string): TestLdapSettingsResult => ({
    ok: false,
    error: { code, message },
    filter: options.filter,
  });
  let bindPassword = input.bindPassword;
  if (bindPassword === '') {
    if (!row?.bindPasswordEncrypted) return fail('LDAP_INVALID_CREDENTIALS', 'Enter the bind password: none is stored yet.');
    try {
      bindPassword = decryptSecret(row.bindPasswordEncrypted);
    } catch (error) {
      return fail('LDAP_INVALID_CREDENTIALS', (error as Error).message);
    }
  }
  const result = await testConnection(
    {
      urls: input.urls,
      startTls: input.startTls,
      tlsCaCertificate: input.tlsCaCertificate,
      tlsRejectUnauthorized: input.tlsRejectUnauthorized,
      bindDn: input.bindDn,
      bindPassword,
      baseDn: input.baseDn,
      scope: input.scope,
      connectTimeoutMs: input.connectTimeoutMs,
      operationTimeoutMs: input.operationTimeoutMs,
    },
    options,
  );
  return { ...result, filter: options.filter };
}
