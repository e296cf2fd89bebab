import type { DirectoryValue } from '../ldap/search-decoder';
import { escapeFilterValue } from '../ldap/filter';
import { objectGuidToBytes, objectGuidToString } from '../ldap/guid';

// The attribute that identifies a directory entry for life (renames and moves keep it): the one
// link between an entry and its Identity Manager user. Text ids are compared in lower case; binary
// GUIDs keep their canonical string form, so the id an operator sees is the one the server's tools show.

/** How an id's bytes become its string: Microsoft's mixed-endian GUID, a plain 16-byte GUID, or text. */
export type UniqueIdKind = 'microsoft-guid' | 'guid' | 'text';

export type KnownUniqueId = { attribute: string; kind: UniqueIdKind; label: string };

/** The ids the directories people run use; any other attribute name is accepted as text. */
export const KNOWN_UNIQUE_IDS: readonly KnownUniqueId[] = [
  { attribute: 'entryUUID', kind: 'text', label: 'entryUUID: OpenLDAP, 389 Directory Server (entries made after its entryuuid plugin)' },
  { attribute: 'objectGUID', kind: 'microsoft-guid', label: 'objectGUID: Active Directory, Samba AD' },
  { attribute: 'nsUniqueId', kind: 'text', label: 'nsUniqueId: 389 Directory Server / Red Hat Directory Server (every entry)' },
  { attribute: 'ipaUniqueID', kind: 'text', label: 'ipaUniqueID: FreeIPA / Red Hat IdM' },
  { attribute: 'GUID', kind: 'guid', label: 'GUID: NetIQ eDirectory' },
];

export function uniqueIdKind(attribute: string): UniqueIdKind {
  const lower = attribute.toLowerCase();
  return KNOWN_UNIQUE_IDS.find((k) => k.attribute.toLowerCase() === lower)?.kind ?? 'text';
}

/** Attributes a search must return as bytes (a binary id decoded as text would be garbage). */
export function binaryAttributes(attribute: string): string[] | undefined {
  return uniqueIdKind(attribute) === 'text' ? undefined : [attribute];
}

function plainGuidToString(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Longest text id accepted (users.ldap_external_id). */
export const MAX_UNIQUE_ID_LENGTH = 255;

/**
 * The entry's id as the Identity Manager stores it; null when the value is absent, or why it
 * cannot be one. `text` decodes a text value as the mapping does (NFC, trimmed); null when it is not UTF-8.
 */
export function uniqueIdOf(
  value: DirectoryValue | undefined,
  attribute: string,
  text: (value: DirectoryValue) => string | null,
): string | null | { reason: string } {
  if (value === undefined) return null;
  const kind = uniqueIdKind(attribute);
  if (kind !== 'text') {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'binary');
    if (bytes.length !== 16) return { reason: `${attribute} has ${bytes.length} bytes instead of 16` };
    return kind === 'microsoft-guid' ? objectGuidToString(bytes) : plainGuidToString(bytes);
  }
  const id = text(value)?.toLowerCase() ?? null;
  if (id && id.length > MAX_UNIQUE_ID_LENGTH) return { reason: `${attribute} is longer than ${MAX_UNIQUE_ID_LENGTH} characters` };
  return id;
}

/** An equality filter for one stored id: `(objectGUID=\3f\25...)` for GUIDs, escaped text otherwise. */
export function uniqueIdFilter(attribute: string, id: string): string {
  const kind = uniqueIdKind(attribute);
  const value = kind === 'microsoft-guid' ? objectGuidToBytes(id) : kind === 'guid' ? Buffer.from(id.replace(/-/g, ''), 'hex') : id;
  return `(${attribute}=${escapeFilterValue(value)})`;
}
