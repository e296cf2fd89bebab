import { decryptSecret, encryptSecret } from '../crypto';
import type { PrismaClient } from '../generated/prisma/client';

// The demo points the Identity Manager at its directory. An administrator's later edit wins:
// the row is only (re)written while it is still the one this seed wrote.

export const DEMO_SETTINGS_AUTHOR = 'demo-seed';

export type DirectoryConnection = { url: string; bindDn: string; bindPassword: string; baseDn: string };

export async function seedLdapSettings(
  db: PrismaClient,
  connection: DirectoryConnection,
  key?: Buffer,
): Promise<'created' | 'updated' | 'kept'> {
  const data = {
    urls: [connection.url],
    bindDn: connection.bindDn,
    bindPasswordEncrypted: encryptSecret(connection.bindPassword, key),
    baseDn: connection.baseDn,
    updatedBy: DEMO_SETTINGS_AUTHOR,
  };
  const current = await db.ldapSettings.findUnique({ where: { id: 1 } });
  if (!current) {
    await db.ldapSettings.createMany({ data: [{ id: 1, ...data }], skipDuplicates: true });
    return 'created';
  }
  if (current.updatedBy !== DEMO_SETTINGS_AUTHOR) return 'kept';
  const unchanged =
    current.urls.length === 1 && current.urls[0] === connection.url && current.bindDn === connection.bindDn && current.baseDn === connection.baseDn;
  if (unchanged && current.bindPasswordEncrypted && readable(current.bindPasswordEncrypted, key) === connection.bindPassword) return 'kept';
  await db.ldapSettings.update({ where: { id: 1 }, data: { ...data, version: { increment: 1 } } });
  return 'updated';
}

function readable(blob: string, key?: Buffer): string | undefined {
  try {
    return decryptSecret(blob, key);
  } catch {
    return undefined; // encrypted with another key (a new .data folder over an old database)
  }
}
