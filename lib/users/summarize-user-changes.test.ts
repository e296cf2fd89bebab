import { describe, expect, it } from 'vitest';
import { summarizeUserChanges } from './summarize-user-changes';

describe('summarizeUserChanges', () => {
  it('lists the user fields, credentials with their certificates, and withdrawn roles', () => {
    const lines = summarizeUserChanges({
      user: { before: { state: 'ACTIVE', email: null }, after: { state: 'INACTIVE', email: 'a@example.com' } },
      credentials: [
        { id: 1, type: 'CARD', label: '4711', before: 'ACTIVE', after: 'INACTIVE', certificates: [{ id: 9, serial: 'S9', before: 'VALID', after: 'ON_HOLD' }] },
        { id: 2, type: 'TEMPORARY_CARD', label: null, before: 'LOCKED', after: 'LOCKED', certificates: [{ id: 10, serial: 'S10', before: 'ON_HOLD', after: 'REVOKED' }] },
      ],
      rolesWithdrawn: [{ id: 3, name: 'Badge office' }, { id: 4, name: 'VPN' }],
    });
    expect(lines).toEqual([
      'State: ACTIVE → INACTIVE',
      'Email: (empty) → a@example.com',
      'CARD 4711: ACTIVE → INACTIVE; certificates S9 VALID → ON_HOLD',
      'TEMPORARY_CARD: LOCKED; certificates S10 ON_HOLD → REVOKED',
      'Roles withdrawn: Badge office, VPN',
    ]);
  });

  it('says when the run created the user, and ignores what it cannot read', () => {
    expect(summarizeUserChanges({ user: { before: null, after: { username: 'x', state: 'INACTIVE' } } })).toEqual(['Created (INACTIVE)']);
    expect(summarizeUserChanges(null)).toEqual([]);
    expect(summarizeUserChanges({ credentials: 'garbage', rolesWithdrawn: [] })).toEqual([]);
  });

  it('says in plain words that a local user was linked to its directory entry', () => {
    expect(summarizeUserChanges({ user: { before: { source: 'LOCAL', state: 'ACTIVE' }, after: { source: 'LDAP', state: 'INACTIVE' } } })).toEqual([
      'Linked to the directory entry: source Local → LDAP',
      'State: ACTIVE → INACTIVE',
    ]);
  });
});
