import { describe, expect, it } from 'vitest';
import { changesAsText, describeChanges } from './describe-changes';

describe('describeChanges', () => {
  it('lists the user, credential, certificate and role changes of an updated user', () => {
    const view = describeChanges({
      user: { before: { state: 'ACTIVE', email: 'a@old.example' }, after: { state: 'INACTIVE', email: 'a@example.com' } },
      credentials: [
        {
          id: 1,
          type: 'TEMPORARY_CARD',
          label: 'T-1',
          before: 'ACTIVE',
          after: 'LOCKED',
          certificates: [{ id: 9, serial: '0A', before: 'VALID', after: 'REVOKED', revocationReason: 'cessationOfOperation' }],
        },
        // Only a certificate changed: the credential was already in its end state.
        { id: 2, type: 'CARD', label: null, before: 'INACTIVE', after: 'INACTIVE', certificates: [{ serial: '0B', before: 'VALID', after: 'ON_HOLD' }] },
      ],
      rolesWithdrawn: [{ id: 1, name: 'Employee' }, { id: 2, name: 'VPN access' }],
    });
    expect(view.user).toEqual([
      { field: 'email', label: 'Email', before: 'a@old.example', after: 'a@example.com' },
      { field: 'state', label: 'State', before: 'ACTIVE', after: 'INACTIVE' },
    ]);
    expect(view.credentials.map((c) => c.typeLabel)).toEqual(['Temporary card', 'Card']);
    expect(view.rolesWithdrawn).toEqual(['Employee', 'VPN access']);
    expect(changesAsText(view)).toEqual({
      user: 'Email: a@old.example -> a@example.com; State: active -> inactive',
      credentials: 'Temporary card T-1: active -> locked',
      certificates: '0A: valid -> revoked; 0B: valid -> on hold',
      rolesWithdrawn: 'Employee; VPN access',
      rolesGranted: '',
      irreversible: '',
    });
  });

  it('shows a created user with every attribute coming from nothing', () => {
    const view = describeChanges({ user: { before: null, after: { username: 'carol', state: 'INACTIVE', email: null } } });
    expect(view.user).toEqual([
      { field: 'username', label: 'Username', before: null, after: 'carol' },
      { field: 'state', label: 'State', before: null, after: 'INACTIVE' },
    ]);
  });

  it('is empty for a failed item (no changes) or a shape it does not know', () => {
    expect(describeChanges(null)).toEqual({ link: null, user: [], credentials: [], rolesWithdrawn: [], rolesGranted: [], irreversible: [] });
    expect(describeChanges({ credentials: 'nonsense' })).toEqual({ link: null, user: [], credentials: [], rolesWithdrawn: [], rolesGranted: [], irreversible: [] });
  });

  it('lists what a restore granted again and what it cannot undo', () => {
    const view = describeChanges({
      rolesGranted: [{ id: 1, name: 'Employee' }],
      irreversible: { certificatesRevoked: [{ serial: 'S1', credentialType: 'TEMPORARY_CARD', credentialLabel: 'T-7', revocationReason: 'cessationOfOperation' }], rolesDeleted: [] },
    });
    expect(view.rolesGranted).toEqual(['Employee']);
    expect(view.irreversible).toEqual(['Certificate S1 of Temporary card T-7 stays revoked (cessationOfOperation): re-issue the credential']);
    // Their own CSV columns (roles_granted, irreversible): not words of a sync's columns.
    expect(changesAsText(view)).toMatchObject({
      rolesWithdrawn: '',
      rolesGranted: 'Employee',
      certificates: '',
      irreversible: 'Certificate S1 of Temporary card T-7 stays revoked (cessationOfOperation): re-issue the credential',
    });
  });

  it('says in plain words that a local user was linked to its directory entry', () => {
    const view = describeChanges({
      user: {
        before: { source: 'LOCAL', state: 'ACTIVE', ldapDn: null, ldapExternalId: null },
        after: { source: 'LDAP', state: 'INACTIVE', ldapDn: 'uid=lou,ou=people,dc=example,dc=com', ldapExternalId: '6c1b-…' },
      },
    });
    expect(view.link).toEqual({ before: 'LOCAL', after: 'LDAP' });
    // The source is said once, as the link; the other fields as usual.
    expect(view.user.map((f) => f.field)).toEqual(['ldapExternalId', 'ldapDn', 'state']);
    expect(changesAsText(view).user).toBe(
      'Linked to the directory entry: source Local -> LDAP; LDAP external id: (none) -> 6c1b-…; LDAP DN: (none) -> uid=lou,ou=people,dc=example,dc=com; State: active -> inactive',
    );
  });

  it('shows any other change of source as a field change', () => {
    const view = describeChanges({ user: { before: { source: 'LDAP' }, after: { source: 'LOCAL' } } });
    expect(view.link).toBeNull();
    expect(view.user).toEqual([{ field: 'source', label: 'Source', before: 'LDAP', after: 'LOCAL' }]);
  });
});
