import { prisma } from '../db';
import type { LdapScope } from '../ldap/connection';

/** The LDAP connection settings as the admin page shows them: everything but the bind password. */
export type LdapSettingsView = {
  urls: string[];
  startTls: boolean;
  tlsCaCertificate: string | null;
  tlsRejectUnauthorized: boolean;
  bindDn: string;
  baseDn: string;
  scope: LdapScope;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  /** Whether a bind password is stored; the password itself never leaves the server. */
  hasBindPassword: boolean;
  /** 0 while nothing is stored: the first save creates the row. */
  version: number;
  updatedBy: string | null;
  updatedAt: Date | null;
};

export const UNCONFIGURED_LDAP_SETTINGS: LdapSettingsView = {
  urls: [],
  startTls: false,
  tlsCaCertificate: null,
  tlsRejectUnauthorized: true,
  bindDn: '',
  baseDn: '',
  scope: 'sub',
  connectTimeoutMs: 5000,
  operationTimeoutMs: 30000,
  hasBindPassword: false,
  version: 0,
  updatedBy: null,
  updatedAt: null,
};

export async function readLdapSettings(): Promise<LdapSettingsView> {
  const row = await prisma().ldapSettings.findUnique({ where: { id: 1 } });
  if (!row) return UNCONFIGURED_LDAP_SETTINGS;
  return {
    urls: row.urls,
    startTls: row.startTls,
    tlsCaCertificate: row.tlsCaCertificate,
    tlsRejectUnauthorized: row.tlsRejectUnauthorized,
    bindDn: row.bindDn,
    baseDn: row.baseDn,
    scope: (['base', 'one', 'sub'].includes(row.scope) ? row.scope : 'sub') as LdapScope,
    connectTimeoutMs: row.connectTimeoutMs,
    operationTimeoutMs: row.operationTimeoutMs,
    hasBindPassword: !!row.bindPasswordEncrypted,
    version: row.version,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt,
  };
}
