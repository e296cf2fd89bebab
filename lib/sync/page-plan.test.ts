import { describe, expect, it } from 'vitest';
import { classifyPage, UNCHANGED, userAfter, userFieldChanges, type EntryMatch, type UserRow } from './page-plan';
import { INACTIVE_OUTCOME } from './outcome';
import type { MappedEntry } from './mapping';

const person = (username: string, externalId: string): MappedEntry => ({
  ok: true,
  person: { dn: `uid=${username},ou=people`, externalId, username, usernameKey: username.toLowerCase(), givenName: null, surname: null, displayName: null, email: null, employeeNumber: null },
});

describe('classifyPage', () => {
  it('fails every entry of a username the page claims twice (case variants too) and a username linked to another entry, never merging', () => {
    const entries = [person('twin', 'a'), person('TWIN', 'b'), person('dave', 'c')];
    const rows = [null, null, { byExternalId: null, byUsername: 7, byUsernameExternalId: 'other', user: null }];
    const plan = classifyPage(entries, rows, INACTIVE_OUTCOME, new Set(), 'active-ldap-users');
    expect(plan.creates).toEqual([]);
    expect(plan.failures.map((f) => f.reason)).toEqual([
      expect.stringContaining('2 directory entries have the username "twin" (uid=TWIN,ou=people; uid=twin,ou=people) and the Identity Manager user of that name is linked to none of them'),
      expect.stringContaining('2 directory entries have the username "TWIN"'),
      expect.stringContaining('linked to another directory entry'),
    ]);
  });

  it('lets a contested username go only to the entry its user is linked to; the others fail naming it', () => {
    const entries = [person('dup', 'a')];
    const contested = new Map([['dup', [{ dn: 'uid=dup,ou=a', externalId: 'a' }, { dn: 'uid=dup,ou=b', externalId: 'b' }]]]);
    const correlation = { contested, released: new Map() };
    const holder: UserRow = { id: 5, username: 'dup', usernameKey: 'dup', givenName: null, surname: null, displayName: null, email: null, employeeNumber: null, state: 'ACTIVE', source: 'LDAP', ldapExternalId: 'a', ldapDn: 'uid=dup,ou=a', rowId: '(0,1)', version: '1' };
    const linkedToA = classifyPage(entries, [{ byExternalId: 5, byUsername: 5, byUsernameExternalId: 'a', user: holder }], INACTIVE_OUTCOME, new Set(), 'active-ldap-users', correlation);
    expect(linkedToA.candidates.map((c) => c.user.id)).toEqual([5]);
    const linkedToB = classifyPage(entries, [{ byExternalId: null, byUsername: 5, byUsernameExternalId: 'b', user: null }], INACTIVE_OUTCOME, new Set(), 'active-ldap-users', correlation);
    expect(linkedToB.failures.map((f) => f.reason)).toEqual([expect.stringContaining('Only uid=dup,ou=b, the entry the Identity Manager user "dup" is linked to')]);
    const linkedElsewhere = classifyPage(entries, [{ byExternalId: null, byUsername: 5, byUsernameExternalId: 'z', user: null }], INACTIVE_OUTCOME, new Set(), 'active-ldap-users', correlation);
    expect(linkedElsewhere.failures.map((f) => f.reason)).toEqual([expect.stringContaining('is linked to none of them')]);
  });

  it('gives a username released by a rename earlier in the run to nobody else until the next run', () => {
    const released = new Map([['alice', { userId: 3, from: 'alice', to: 'alice2' }]]);
    const plan = classifyPage([person('alice', 'y')], [null], INACTIVE_OUTCOME, new Set(), 'active-ldap-users', { contested: new Map(), released });
    expect(plan.creates).toEqual([]);
    expect(plan.failures.map((f) => f.reason)).toEqual([expect.stringContaining('given to this entry by the next run')]);
  });

  it('counts an entry whose user the plan found unchanged, after the checks that apply to every entry', () => {
    // erin's entry is linked to the user holding "erin": of the two entries claiming it, hers takes it.
    const entries = [person('erin', 'e'), person('ERIN', 'f'), person('sibling', 's'), person('fay', 'g')];
    const rows: EntryMatch[] = [UNCHANGED, { byExternalId: null, byUsername: 9, byUsernameExternalId: 'e', user: null }, UNCHANGED, UNCHANGED];
    const plan = classifyPage(entries, rows, INACTIVE_OUTCOME, new Set(['s']), 'active-ldap-users');
    expect(plan.unchanged).toBe(2);
    expect(plan.candidates).toEqual([]);
    expect(plan.failures.map((f) => f.reason)).toEqual([expect.stringContaining('Only uid=erin,ou=people'), expect.stringContaining('filters of both')]);
  });
});

describe('userAfter / userFieldChanges', () => {
  it('takes the directory values, keeps fields the entry lacks, links the entry and records only what differs', () => {
    const user: UserRow = {
      id: 1, username: 'Alice', usernameKey: 'alice', givenName: 'Alice', surname: 'Old', displayName: null, email: 'alice@example.com', employeeNumber: 'E1',
      state: 'ACTIVE', source: 'LOCAL', ldapExternalId: null, ldapDn: null, rowId: '(0,1)', version: '1',
    };
    const entry = person('alice', 'x');
    if (!entry.ok) throw new Error('fixture');
    const after = userAfter({ ...entry.person, surname: 'New' }, user, INACTIVE_OUTCOME);
    expect(after).toMatchObject({ username: 'alice', givenName: 'Alice', surname: 'New', email: 'alice@example.com', state: 'INACTIVE', ldapExternalId: 'x' });
    expect(userFieldChanges(user, after)).toEqual({
      before: { username: 'Alice', surname: 'Old', ldapExternalId: null, ldapDn: null, state: 'ACTIVE', source: 'LOCAL' },
      after: { username: 'alice', surname: 'New', ldapExternalId: 'x', ldapDn: 'uid=alice,ou=people', state: 'INACTIVE', source: 'LDAP' },
    });
    expect(userFieldChanges(after, after)).toBeNull();
  });
});
