import { describe, expect, it } from 'vitest';
import { runReferenceModel, changesNothing, certificateAfter, type IdmState, type ModelEntry, type ModelUser } from './reference-model';

// Hand-worked examples: every expected value below was worked out on paper from the design
// brief's outcome table and the matching rules, not by running the model.

const INACTIVE = 'inactive-ldap-users' as const;
const ACTIVE = 'active-ldap-users' as const;

function entry(dn: string, uniqueId: string | null, username: string | null, extra: Partial<ModelEntry> = {}): ModelEntry {
  return {
    dn,
    uniqueId,
    username,
    givenName: null,
    surname: null,
    displayName: null,
    email: null,
    employeeNumber: null,
    matchedBy: { [INACTIVE]: true, [ACTIVE]: false },
    ...extra,
  };
}

const onlyActive = { matchedBy: { [INACTIVE]: false, [ACTIVE]: true } };
const both = { matchedBy: { [INACTIVE]: true, [ACTIVE]: true } };

function user(id: number, username: string, extra: Partial<ModelUser> = {}): ModelUser {
  return {
    id,
    username,
    state: 'ACTIVE',
    source: 'LDAP',
    ldapExternalId: null,
    ldapDn: null,
    givenName: null,
    surname: null,
    displayName: null,
    email: null,
    employeeNumber: null,
    ...extra,
  };
}

const idm = (users: ModelUser[], rest: Partial<IdmState> = {}): IdmState => ({ users, credentials: [], certificates: [], roleAssignments: [], ...rest });
const zero = { entriesRead: 0, created: 0, updated: 0, unchanged: 0, failed: 0, credentialsChanged: 0, certificatesChanged: 0, rolesWithdrawn: 0 };

describe('certificateAfter', () => {
  it('puts a valid certificate on hold, revokes for a temporary card, never downgrades a revocation', () => {
    expect(certificateAfter('VALID', 'ON_HOLD')).toBe('ON_HOLD');
    expect(certificateAfter('ON_HOLD', 'ON_HOLD')).toBe('ON_HOLD');
    expect(certificateAfter('REVOKED', 'ON_HOLD')).toBe('REVOKED');
    expect(certificateAfter('VALID', 'REVOKED')).toBe('REVOKED');
    expect(certificateAfter('ON_HOLD', 'REVOKED')).toBe('REVOKED');
    expect(certificateAfter('REVOKED', 'REVOKED')).toBe('REVOKED');
  });
});

describe('runReferenceModel: the outcome table', () => {
  // alice: one credential of each type, a VALID certificate on each, plus a REVOKED one on her
  // card and an ON_HOLD one on her temporary card; two roles. bob has an already settled card.
  const start = idm([user(1, 'alice', { ldapExternalId: 'a1', email: 'old@x.org', givenName: 'Al' }), user(2, 'bob', { state: 'INACTIVE', ldapExternalId: 'b1', ldapDn: 'cn=bob' })], {
    credentials: [
      { id: 10, userId: 1, type: 'CARD', state: 'ACTIVE' },
      { id: 11, userId: 1, type: 'TEMPORARY_CARD', state: 'ACTIVE' },
      { id: 12, userId: 1, type: 'VIRTUAL_SMART_CARD', state: 'ACTIVE' },
      { id: 13, userId: 1, type: 'MOBILE_ID', state: 'INACTIVE' },
      { id: 14, userId: 1, type: 'SOFT_TOKEN', state: 'LOCKED' },
      { id: 20, userId: 2, type: 'CARD', state: 'INACTIVE' },
    ],
    certificates: [
      { id: 100, credentialId: 10, state: 'VALID', revocationReason: null },
      { id: 101, credentialId: 10, state: 'REVOKED', revocationReason: 'keyCompromise' },
      { id: 102, credentialId: 11, state: 'VALID', revocationReason: null },
      { id: 103, credentialId: 11, state: 'ON_HOLD', revocationReason: 'certificateHold' },
      { id: 104, credentialId: 12, state: 'VALID', revocationReason: null },
      { id: 105, credentialId: 13, state: 'ON_HOLD', revocationReason: 'certificateHold' },
      { id: 106, credentialId: 14, state: 'VALID', revocationReason: null },
      { id: 200, credentialId: 20, state: 'ON_HOLD', revocationReason: 'certificateHold' },
      { id: 201, credentialId: 20, state: 'REVOKED', revocationReason: 'superseded' },
    ],
    roleAssignments: [
      { userId: 1, roleId: 1 },
      { userId: 1, roleId: 2 },
      { userId: 2, roleId: 1 },
    ],
  });
  const entries = [
    entry('cn=alice', 'A1', 'alice', { givenName: 'Alice', email: 'alice@x.org' }),
    entry('cn=bob', 'b1', 'bob'),
    entry('cn=carol', 'C1', 'Carol', { surname: 'Cook' }),
  ];

  it('deactivates, moves credentials and certificates by type, withdraws every role, creates the missing user', () => {
    const run = runReferenceModel(INACTIVE, entries, start);
    // alice: credentials CARD, TEMPORARY_CARD, VIRTUAL_SMART_CARD, SOFT_TOKEN move (MOBILE_ID is
    // already INACTIVE) = 4; certificates 100, 102, 103, 104, 106 move (101 stays revoked, 105 is
    // already on hold) = 5; roles 1 and 2. bob: his card and certificates are settled, but his role goes.
    expect(run.counters).toEqual({ ...zero, entriesRead: 3, created: 1, updated: 2, credentialsChanged: 4, certificatesChanged: 5, rolesWithdrawn: 3 });
    expect(run.state.users).toEqual([
      user(1, 'alice', { state: 'INACTIVE', ldapExternalId: 'a1', ldapDn: 'cn=alice', email: 'alice@x.org', givenName: 'Alice' }),
      user(2, 'bob', { state: 'INACTIVE', ldapExternalId: 'b1', ldapDn: 'cn=bob' }),
      { ...user(0, 'Carol', { state: 'INACTIVE', ldapExternalId: 'c1', ldapDn: 'cn=carol', surname: 'Cook' }), id: null },
    ]);
    expect(Object.fromEntries(run.state.credentials.map((c) => [c.id, c.state]))).toEqual({ 10: 'INACTIVE', 11: 'LOCKED', 12: 'INACTIVE', 13: 'INACTIVE', 14: 'INACTIVE', 20: 'INACTIVE' });
    expect(Object.fromEntries(run.state.certificates.map((c) => [c.id, `${c.state} ${c.revocationReason}`]))).toEqual({
      100: 'ON_HOLD certificateHold',
      101: 'REVOKED keyCompromise',
      102: 'REVOKED cessationOfOperation',
      103: 'REVOKED cessationOfOperation',
      104: 'ON_HOLD certificateHold',
      105: 'ON_HOLD certificateHold',
      106: 'ON_HOLD certificateHold',
      200: 'ON_HOLD certificateHold',
      201: 'REVOKED superseded',
    });
    expect(run.state.roleAssignments).toEqual([]);
    expect(run.items.map((i) => i.outcome)).toEqual(['UPDATED', 'UPDATED', 'CREATED']);
  });

  it('changes nothing on a second run', () => {
    const first = runReferenceModel(INACTIVE, entries, start);
    const created = first.state.users.map((u, i) => ({ ...u, id: u.id ?? 100 + i }));
    const second = runReferenceModel(INACTIVE, entries, { ...first.state, users: created });
    expect(second.counters).toEqual({ ...zero, entriesRead: 3, unchanged: 3 });
    expect(changesNothing(second.counters)).toBe(true);
  });

  it('the active job activates and refreshes fields but leaves credentials, certificates and roles alone', () => {
    const activeEntries = entries.map((e) => ({ ...e, ...onlyActive }));
    const run = runReferenceModel(ACTIVE, activeEntries, start);
    expect(run.counters).toEqual({ ...zero, entriesRead: 3, created: 1, updated: 2 });
    expect(run.state.users.map((u) => u.state)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    expect(run.state.credentials).toEqual(start.credentials);
    expect(run.state.certificates).toEqual(start.certificates);
    expect(run.state.roleAssignments).toEqual(start.roleAssignments);
  });
});

describe('runReferenceModel: matching', () => {
  it('fails an entry without unique id or username, and one both filters match, changing nobody', () => {
    const start = idm([user(1, 'gina', { ldapExternalId: 'g' })]);
    const run = runReferenceModel(INACTIVE, [entry('cn=1', null, 'x'), entry('cn=2', 'y', null), entry('cn=gina', 'G', 'gina', both), entry('cn=act', 'z', 'zed', onlyActive)], start);
    expect(run.counters).toEqual({ ...zero, entriesRead: 3, failed: 3 });
    expect(run.items.map((i) => [i.failure, i.userId])).toEqual([
      ['no-unique-id', null],
      ['no-username', null],
      ['matched-by-both-filters', 1],
    ]);
    expect(run.state.users).toEqual(start.users);
  });

  it('links a local user found by username (case-insensitively) and makes it an LDAP user', () => {
    const run = runReferenceModel(INACTIVE, [entry('cn=carl', 'c', 'carl')], idm([user(7, 'Carl', { source: 'LOCAL', givenName: 'C' })]));
    expect(run.state.users).toEqual([user(7, 'carl', { source: 'LDAP', state: 'INACTIVE', ldapExternalId: 'c', ldapDn: 'cn=carl', givenName: 'C' })]);
    expect(run.counters.updated).toBe(1);
    expect(run.notes).toEqual(['local-linked']);
  });

  it('never merges: a username held by a user linked elsewhere, or a new username used by another user, fails', () => {
    const start = idm([user(1, 'dave', { ldapExternalId: 'other' }), user(2, 'erin', { ldapExternalId: 'e' }), user(3, 'frank', { source: 'LOCAL' })]);
    const run = runReferenceModel(INACTIVE, [entry('cn=dave', 'd', 'dave'), entry('cn=erin', 'e', 'Frank')], start);
    expect(run.items.map((i) => [i.outcome, i.failure, i.userId])).toEqual([
      ['FAILED', 'username-linked-to-another-entry', 1],
      ['FAILED', 'username-used-by-another-user', 2],
    ]);
    expect(run.state.users).toEqual(start.users);
  });

  it('duplicates: only the entry linked to the holder of the username takes it; otherwise every claimant fails', () => {
    const entries = [entry('cn=dup1', 'd1', 'Dup'), entry('cn=dup2', 'd2', 'dup')];
    const none = runReferenceModel(INACTIVE, entries, idm([]));
    expect(none.counters).toEqual({ ...zero, entriesRead: 2, failed: 2 });
    expect(none.state.users).toEqual([]);

    // DUP, the holder of the username, is linked to d2: d2 takes it, d1 fails, whatever the order.
    const start = idm([user(5, 'DUP', { ldapExternalId: 'd2' })]);
    for (const order of [entries, [...entries].reverse()]) {
      const run = runReferenceModel(INACTIVE, order, start);
      expect(run.counters).toEqual({ ...zero, entriesRead: 2, updated: 1, failed: 1 });
      expect(run.state.users).toEqual([user(5, 'dup', { state: 'INACTIVE', ldapExternalId: 'd2', ldapDn: 'cn=dup2' })]);
      expect(run.items.find((i) => i.dn === 'cn=dup1')).toMatchObject({ failure: 'username-claimed-by-several-entries', userId: null });
    }

    // d2 is linked, but to a user of another name, and nobody holds "dup": both fail, nobody is renamed.
    const elsewhere = idm([user(5, 'old', { ldapExternalId: 'd2' })]);
    const renamed = runReferenceModel(INACTIVE, entries, elsewhere);
    expect(renamed.counters).toEqual({ ...zero, entriesRead: 2, failed: 2 });
    expect(renamed.state.users).toEqual(elsewhere.users);

    // The holder is unlinked (a local account): nobody takes it either.
    const local = idm([user(5, 'dup', { source: 'LOCAL' })]);
    expect(runReferenceModel(INACTIVE, entries, local).counters).toEqual({ ...zero, entriesRead: 2, failed: 2 });

    // The holder is linked to an entry that is not a claimant: every claimant fails.
    const gone = idm([user(5, 'dup', { ldapExternalId: 'gone' }), user(6, 'x', { ldapExternalId: 'd1' })]);
    expect(runReferenceModel(INACTIVE, entries, gone).counters).toEqual({ ...zero, entriesRead: 2, failed: 2 });
  });

  it('duplicates across the two jobs: a claimant only the sibling filter matches counts, so does one without unique id', () => {
    // The linked claimant is the active job's: the inactive job's entry fails and nobody changes.
    const start = idm([user(1, 'dup', { ldapExternalId: 'act' })]);
    const run = runReferenceModel(INACTIVE, [entry('cn=in', 'in', 'DUP'), entry('cn=act', 'act', 'dup', onlyActive)], start);
    expect(run.counters).toEqual({ ...zero, entriesRead: 1, failed: 1 });
    expect(run.state.users).toEqual(start.users);
    // The active job's run goes ahead with its linked entry and reads only it.
    const active = runReferenceModel(ACTIVE, [entry('cn=in', 'in', 'DUP'), entry('cn=act', 'act', 'dup', onlyActive)], start);
    expect(active.counters).toEqual({ ...zero, entriesRead: 1, updated: 1 });

    // A claimant without unique id makes the other one fail when neither is linked.
    const noId = runReferenceModel(INACTIVE, [entry('cn=a', 'a', 'sam'), entry('cn=b', null, 'Sam')], idm([]));
    expect(noId.counters).toEqual({ ...zero, entriesRead: 2, failed: 2 });
    // An entry matched by neither filter claims nothing.
    const neither = runReferenceModel(INACTIVE, [entry('cn=a', 'a', 'sam'), entry('cn=b', 'b', 'Sam', { matchedBy: { [INACTIVE]: false, [ACTIVE]: false } })], idm([]));
    expect(neither.counters).toEqual({ ...zero, entriesRead: 1, created: 1 });
  });

  it('a username that moves to another entry is given to it by the next run, whatever the order', () => {
    // ann's entry (a) is now called anna; a new entry (b) is called ann.
    const start = idm([user(1, 'ann', { ldapExternalId: 'a', ldapDn: 'cn=a' })]);
    const entries = [entry('cn=b', 'b', 'ann'), entry('cn=a', 'a', 'anna')];
    for (const order of [entries, [...entries].reverse()]) {
      const first = runReferenceModel(INACTIVE, order, start);
      expect(first.counters).toEqual({ ...zero, entriesRead: 2, updated: 1, failed: 1 });
      expect(first.items.find((i) => i.dn === 'cn=b')).toMatchObject({ failure: 'username-linked-to-another-entry', userId: 1 });
      expect(first.notes).toEqual(['username-moves']);
      const second = runReferenceModel(INACTIVE, order, { ...first.state, users: first.state.users.map((u) => ({ ...u, id: u.id! })) });
      expect(second.counters).toEqual({ ...zero, entriesRead: 2, created: 1, unchanged: 1 });
      expect(second.state.users.map((u) => [u.id, u.username, u.ldapExternalId])).toEqual([
        [1, 'anna', 'a'],
        [null, 'ann', 'b'],
      ]);
    }
  });

  it('swapped usernames fail on both sides for ever', () => {
    const start = idm([user(1, 'x', { ldapExternalId: 'a' }), user(2, 'y', { ldapExternalId: 'b' })]);
    const run = runReferenceModel(INACTIVE, [entry('cn=a', 'a', 'y'), entry('cn=b', 'b', 'x')], start);
    expect(run.counters).toEqual({ ...zero, entriesRead: 2, failed: 2 });
    expect(run.items.map((i) => i.failure)).toEqual(['username-used-by-another-user', 'username-used-by-another-user']);
  });

  it('reads values as the directory holds them: ids in lower case, usernames in NFC, the DN untouched', () => {
    const nfdDn = 'cn=Zoe\u0308,ou=people';
    const run = runReferenceModel(ACTIVE, [entry(nfdDn, 'ID-Z', 'Zoe\u0308', onlyActive)], idm([user(3, 'zo\u00eb', { ldapExternalId: 'id-z' })]));
    expect(run.state.users).toEqual([user(3, 'Zo\u00eb', { ldapExternalId: 'id-z', ldapDn: nfdDn })]);
    expect(run.counters).toEqual({ ...zero, entriesRead: 1, updated: 1 });
  });

  it('keeps the fields an entry lacks and counts an unchanged user as unchanged', () => {
    const linked = user(4, 'hal', { state: 'INACTIVE', ldapExternalId: 'h', ldapDn: 'cn=hal', email: 'hal@x.org', surname: 'Old' });
    const run = runReferenceModel(INACTIVE, [entry('cn=hal', 'h', 'hal', { surname: 'Old' })], idm([linked]));
    expect(run.counters).toEqual({ ...zero, entriesRead: 1, unchanged: 1 });
    expect(run.state.users).toEqual([linked]);
  });
});
