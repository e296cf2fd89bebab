import { describe, expect, it } from 'vitest';
import { classifyPage, planUserChange, type LockedUser } from './page-plan';
import { certificateTransition, INACTIVE_OUTCOME } from './outcome';
import type { MappedEntry } from './mapping';

const person = (username: string, externalId: string): MappedEntry => ({
  ok: true,
  person: { dn: `uid=${username},ou=people`, externalId, username, usernameKey: username.toLowerCase(), givenName: null, surname: null, displayName: null, email: null, employeeNumber: null },
});

describe('certificateTransition', () => {
  it('never turns a revoked certificate back and revokes on-hold ones for temporary cards', () => {
    expect(certificateTransition('REVOKED', 'ON_HOLD', INACTIVE_OUTCOME)).toBeNull();
    expect(certificateTransition('ON_HOLD', 'ON_HOLD', INACTIVE_OUTCOME)).toBeNull();
    expect(certificateTransition('VALID', 'ON_HOLD', INACTIVE_OUTCOME)).toEqual({ state: 'ON_HOLD', revocationReason: 'certificateHold' });
    expect(certificateTransition('ON_HOLD', 'REVOKED', INACTIVE_OUTCOME)).toEqual({ state: 'REVOKED', revocationReason: 'cessationOfOperation' });
  });
});

describe('classifyPage', () => {
  it('fails a second entry with the same username and a username linked to another entry, never merging', () => {
    const entries = [person('twin', 'a'), person('TWIN', 'b'), person('dave', 'c')];
    const rows = [undefined, undefined, { byExternalId: null, byUsername: 7, byUsernameExternalId: 'other', user: null, needsRelated: false }];
    const plan = classifyPage(entries, rows, INACTIVE_OUTCOME, new Set(), 'active-ldap-users');
    expect(plan.creates.map((p) => p.externalId)).toEqual(['a']);
    expect(plan.failures.map((f) => f.reason)).toEqual([expect.stringContaining('same username'), expect.stringContaining('linked to another directory entry')]);
  });
});

describe('planUserChange', () => {
  it('applies the outcome table and withdraws every role', () => {
    const user: LockedUser = {
      id: 1, username: 'alice', givenName: null, surname: null, displayName: null, email: null, employeeNumber: null, state: 'ACTIVE', ldapExternalId: 'x', ldapDn: 'uid=alice,ou=people',
      credentials: [
        { id: 1, type: 'TEMPORARY_CARD', state: 'ACTIVE', label: null, certificates: [{ id: 1, serial: 's1', state: 'VALID', revocationReason: null }] },
        { id: 2, type: 'CARD', state: 'ACTIVE', label: null, certificates: [{ id: 2, serial: 's2', state: 'REVOKED', revocationReason: 'keyCompromise' }] },
      ],
      roles: [{ id: 3, name: 'Employee' }],
    };
    const entry = person('alice', 'x');
    if (!entry.ok) throw new Error('fixture');
    const change = planUserChange(entry.person, user, INACTIVE_OUTCOME)!;
    expect(change.credentialUpdates).toEqual([{ id: 1, state: 'LOCKED' }, { id: 2, state: 'INACTIVE' }]);
    expect(change.certificateUpdates).toEqual([{ id: 1, state: 'REVOKED', revocationReason: 'cessationOfOperation' }]);
    expect(change.roleRemovals).toEqual([{ roleId: 3 }]);
  });
});
