// A run item's `changes` (recorded by lib/sync/page-sql/write-page.ts) as short lines for the user's page:
// "State: ACTIVE → INACTIVE", "Card 4711: ACTIVE → INACTIVE, 2 certificates", "Roles withdrawn: …".

import { userFieldLabel } from './user-field-labels';

type Json = unknown;

const isRecord = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: Json) => (v === null || v === undefined || v === '' ? '(empty)' : String(v));

export function summarizeUserChanges(changes: Json): string[] {
  if (!isRecord(changes)) return [];
  const lines: string[] = [];
  const user = changes.user;
  if (isRecord(user)) {
    if (user.before === null && isRecord(user.after)) lines.push(`Created${user.after.state ? ` (${text(user.after.state)})` : ''}`);
    else if (isRecord(user.before) && isRecord(user.after)) {
      for (const [field, after] of Object.entries(user.after)) {
        // A local user the run linked to its directory entry (found by username).
        if (field === 'source' && user.before.source === 'LOCAL' && after === 'LDAP') lines.push('Linked to the directory entry: source Local → LDAP');
        else lines.push(`${userFieldLabel(field)}: ${text(user.before[field])} → ${text(after)}`);
      }
    }
  }
  if (Array.isArray(changes.credentials)) {
    for (const credential of changes.credentials) {
      if (!isRecord(credential)) continue;
      const name = [credential.type, credential.label].filter((v) => typeof v === 'string' && v).join(' ');
      const certificates = Array.isArray(credential.certificates) ? credential.certificates.filter(isRecord) : [];
      const state = credential.before !== credential.after ? `${text(credential.before)} → ${text(credential.after)}` : `${text(credential.after)}`;
      const certs = certificates.map((c) => `${text(c.serial)} ${text(c.before)} → ${text(c.after)}`);
      lines.push(`${name || 'Credential'}: ${state}${certs.length ? `; certificates ${certs.join(', ')}` : ''}`);
    }
  }
  if (Array.isArray(changes.rolesWithdrawn) && changes.rolesWithdrawn.length) {
    const names = changes.rolesWithdrawn.map((r) => (isRecord(r) ? text(r.name) : text(r)));
    lines.push(`Roles withdrawn: ${names.join(', ')}`);
  }
  return lines;
}
