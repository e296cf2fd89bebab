import { recordAudit } from '../audit/record-audit';
import { encryptSecret } from '../crypto';
import { prisma } from '../db';
import type { LdapSettingsInput } from './ldap-settings-input';
import { readLdapSettings, type LdapSettingsView } from './read-ldap-settings';
import { changedEndpointParts, retypeBindPasswordMessage } from './stored-password-endpoint';
import type { Refusal } from '../errors/error-codes';

export type SaveLdapSettingsOptions = {
  input: LdapSettingsInput;
  /** The version the administrator edited (0 when nothing was stored): a concurrent save makes this one a conflict. */
  expectedVersion: number;
  actor: string;
  ip?: string | null;
};

export type SaveLdapSettingsResult =
  | { ok: true; settings: LdapSettingsView; bindPasswordChanged: boolean }
  | ({ ok: false } & Refusal<'validation_failed', { fieldErrors: { bindPassword?: string } }>)
  | ({ ok: false } & Refusal<'settings_conflict'>);

/** The audited view of the settings: never the password, only whether one is stored. */
function audited(view: LdapSettingsView) {
  return {
    urls: view.urls,
    startTls: view.startTls,
    tlsRejectUnauthorized: view.tlsRejectUnauthorized,
    tlsCaCertificate: view.tlsCaCertificate ? 'set' : null,
    bindDn: view.bindDn,
    baseDn: view.baseDn,
    scope: view.scope,
    connectTimeoutMs: view.connectTimeoutMs,
    operationTimeoutMs: view.operationTimeoutMs,
    hasBindPassword: view.hasBindPassword,
  };
}

/**
 * Saves the directory connection. A blank bind password keeps the stored one, but only when the
 * server URLs, bind DN and TLS settings stay as they were stored (otherwise the next run would
 * send it to the new endpoint: the administrator types it again); a new one is
 * encrypted (lib/crypto) before it reaches the database. The audit event records what changed,
 * and for the password only that it changed.
 */
export async function saveLdapSettings(options: SaveLdapSettingsOptions): Promise<SaveLdapSettingsResult> {
  const { input } = options;
  const before = await readLdapSettings();
  const bindPasswordChanged = input.bindPassword !== '';
  if (!bindPasswordChanged && !before.hasBindPassword) {
    const bindPassword = 'Enter the bind password: none is stored yet.';
    return { ok: false, code: 'validation_failed', message: bindPassword, fieldErrors: { bindPassword } };
  }
  if (!bindPasswordChanged) {
    const changed = changedEndpointParts(before, input);
    if (changed.length) {
      const bindPassword = retypeBindPasswordMessage(changed);
      return { ok: false, code: 'validation_failed', message: bindPassword, fieldErrors: { bindPassword } };
    }
  }
  const data = {
    urls: input.urls,
    startTls: input.startTls,
    tlsCaCertificate: input.tlsCaCertificate,
    tlsRejectUnauthorized: input.tlsRejectUnauthorized,
    bindDn: input.bindDn,
    baseDn: input.baseDn,
    scope: input.scope,
    connectTimeoutMs: input.connectTimeoutMs,
    operationTimeoutMs: input.operationTimeoutMs,
    updatedBy: options.actor,
    ...(bindPasswordChanged ? { bindPasswordEncrypted: encryptSecret(input.bindPassword) } : {}),
  };
  const db = prisma();
  let written: number;
  if (options.expectedVersion === 0) {
    ({ count: written } = await db.ldapSettings.createMany({ data: [{ id: 1, ...data }], skipDuplicates: true }));
  } else {
    ({ count: written } = await db.ldapSettings.updateMany({
      where: { id: 1, version: options.expectedVersion },
      data: { ...data, version: { increment: 1 } },
    }));
  }
  if (written === 0) {
    const current = await readLdapSettings();
    return {
      ok: false,
      code: 'settings_conflict',
      message:
        `${current.updatedBy ?? 'Someone'} changed the LDAP connection settings${current.updatedAt ? ` at ${current.updatedAt.toISOString()}` : ''} ` +
        'after you opened them. Nothing was saved: reload the page to see their version, then make your change again.',
    };
  }
  const settings = await readLdapSettings();
  await recordAudit({
    actor: options.actor,
    action: 'ldap.settings.changed',
    target: 'ldap-settings',
    ip: options.ip ?? null,
    details: { before: before.version === 0 ? null : audited(before), after: audited(settings), bindPasswordChanged, version: settings.version },
  });
  return { ok: true, settings, bindPasswordChanged };
}
