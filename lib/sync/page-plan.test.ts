import { describe, expect, it } from 'vitest';
import { classifyPage, UNCHANGED, userAfter, userFieldChanges, type UserRow } from './page-plan';
import { INACTIVE_OUTCOME } from './outcome';
import type { MappedEntry } from './mapping';

const person = (username: string, externalId: string): MappedEntry => ({
  ok: true,
  person: { dn: `uid=${username},ou=people`, externalId, username, usernameKey: username.toLowerCase(), givenName: null, surname: null, displayName: null, email: null, employeeNumber: null },
});

describe('classifyPage', () => {
  it('fails a second entry with the same username and a username linked to another entry, never merging', () => {
    const entries = [person('twin', 'a'), person('TWIN', 'b'), person('dave', 'c')];
    const rows = [null, null, { byExternalId: null, byUsername: 7, byUsernameExternalId: 'other', user: null }];
    const plan = classifyPage(entries, rows, INACTIVE_OUTCOME, new Set(), 'active-ldap-users');
    expect(plan.creates.map((p) => p.externalId)).toEqual(['a']);
    expect(plan.failures.map((f) => f.reason)).toEqual([expect.stringContaining('same username'), expect.stringContaining('linked to another directory entry')]);
  });

  it('counts an entry whose user the plan found unchanged, after the checks that apply to every entry', () => {
    const entries = [person('erin', 'e'), person('ERIN', 'f'), person('sibling', 's')];
    const plan = classifyPage(entries, [UNCHANGED, UNCHANGED, UNCHANGED], INACTIVE_OUTCOME, new Set(['s']), 'active-ldap-users');
    expect(plan.unchanged).toBe(1);
    expect(plan.candidates).toEqual([]);
    expect(plan.failures.map((f) => f.reason)).toEqual([expect.stringContaining('same username'), expect.stringContaining('filters of both')]);
  });
});

describe('userAfter / userFieldChanges', () => {
  it('takes the directory values, keeps fields the entry lacks, links the entry and records only what differs', () => {
    const user: UserRow = {
      id: 1, username: 'Alice', givenName: 'Alice', surname: 'Old', displayName: null, email: 'alice@example.com', employeeNumber: 'E1',
      state: 'ACTIVE', ldapExternalId: null, ldapDn: null, rowId: '(0,1)', version: '1',
    };
    const entry = person('alice', 'x');
    if (!entry.ok) throw new Error('fixture');
    const after = userAfter({ ...entry.person, surname: 'New' }, user, INACTIVE_OUTCOME);
    expect(after).toMatchObject({ username: 'alice', givenName: 'Alice', surname: 'New', email: 'alice@example.com', state: 'INACTIVE', ldapExternalId: 'x' });
    expect(userFieldChanges(user, after)).toEqual({
      before: { username: 'Alice', surname: 'Old', ldapExternalId: null, ldapDn: null, state: 'ACTIVE' },
      after: { username: 'alice', surname: 'New', ldapExternalId: 'x', ldapDn: 'uid=alice,ou=people', state: 'INACTIVE' },
    });
    expect(userFieldChanges(after, after)).toBeNull();
  });
});
