import { checkFilterOverlap, type FilterOverlap } from '../batch-jobs/check-filter-overlap';
import { decryptBindPassword } from './load-ldap-settings';
import { prisma } from '../db';
import type { LdapConnectionSettings } from '../ldap/connection';
import { checkConnection, type ConnectionCheckResult } from './connection-check';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS, resolveJobOptions } from '../sync/job-options';
import type { LdapSettingsInput } from './ldap-settings-input';
import { changedEndpointParts, retypeBindPasswordMessage } from './stored-password-endpoint';
import type { Refusal } from '../errors/error-codes';

/** `overlap`: once connected, the people both jobs' saved filters match in this directory. */
export type CheckLdapSettingsResult =
  | (ConnectionCheckResult & { filter: string; overlap?: FilterOverlap })
  /** The password field was blank but the endpoint differs from the stored one: nothing was sent anywhere. */
  | ({ ok: false } & Refusal<'validation_failed', { fieldErrors: { bindPassword: string }; filter: string }>);

/**
 * "Test connection" on the settings page: binds with the settings as entered (a blank password
 * means the stored one, and only for the endpoint it was saved with), and runs the inactive job's filter, so that the administrator sees
 * how many entries "Synchronize inactive LDAP Users to Identity Manager" would read; then counts
 * the people whom both jobs' filters match in that directory (they would fail in both jobs).
 */
export async function checkLdapSettings(input: LdapSettingsInput): Promise<CheckLdapSettingsResult> {
  const db = prisma();
  const [row, job, activeJob] = await Promise.all([
    db.ldapSettings.findUnique({
      where: { id: 1 },
      select: { bindPasswordEncrypted: true, urls: true, startTls: true, tlsRejectUnauthorized: true, tlsCaCertificate: true, bindDn: true },
    }),
    db.batchJob.findUnique({ where: { key: INACTIVE_LDAP_USERS }, select: { options: true } }),
    db.batchJob.findUnique({ where: { key: ACTIVE_LDAP_USERS }, select: { options: true } }),
  ]);
  const options = resolveJobOptions(INACTIVE_LDAP_USERS, job?.options ?? {});
  const fail = (code: 'LDAP_INVALID_CREDENTIALS', message: string): CheckLdapSettingsResult => ({
    ok: false,
    error: { code, message },
    filter: options.filter,
  });
  let bindPassword = input.bindPassword;
  if (bindPassword === '') {
    if (!row?.bindPasswordEncrypted) return fail('LDAP_INVALID_CREDENTIALS', 'Enter the bind password: none is stored yet.');
    const changed = changedEndpointParts(row, input);
    if (changed.length) {
      const bindPassword = retypeBindPasswordMessage(changed);
      return { ok: false, code: 'validation_failed', message: bindPassword, fieldErrors: { bindPassword }, filter: options.filter };
    }
    try {
      bindPassword = decryptBindPassword(row.bindPasswordEncrypted);
    } catch (error) {
      return fail('LDAP_INVALID_CREDENTIALS', (error as Error).message);
    }
  }
  const settings: LdapConnectionSettings = {
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
  };
  const result = await checkConnection(settings, options);
  // Only after a successful bind: a wrong password is not tried twice (it counts towards the
  // bind account's lockout).
  if (!result.ok) return { ...result, filter: options.filter };
  const overlap = await checkFilterOverlap({
    jobOptions: { [INACTIVE_LDAP_USERS]: job?.options ?? {}, [ACTIVE_LDAP_USERS]: activeJob?.options ?? {} },
    settings,
  });
  return { ...result, filter: options.filter, overlap };
}
