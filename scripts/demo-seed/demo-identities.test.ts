import { describe, expect, it } from 'vitest';
import { demoPeople } from '@/scripts/demo-data';
import { planDemoIdentities } from './demo-identities';

describe('demo identities plan', () => {
  const people = demoPeople();
  const now = new Date('2026-11-27T12:00:00Z');
  const { users, missing } = planDemoIdentities({ people, now });
  const byUid = new Map(people.map((p) => [p.uid.toLowerCase(), p]));

  it('is deterministic and matches directory people, some of them missing', () => {
    expect(planDemoIdentities({ people, now })).toEqual({ users, missing });
    expect(missing).toBeGreaterThan(0);
    expect(users.length + missing).toBe(people.length);
    expect(new Set(users.map((u) => u.usernameKey)).size).toBe(users.length);
    for (const u of users) expect(byUid.get(u.usernameKey)?.mail).toBe(u.email);
    expect(users.some((u) => u.usernameKey === 'zlindqvist')).toBe(false);
    // Some are matched by username on the first sync (not linked yet), some with another case.
    const unlinked = users.filter((u) => u.ldapExternalId === null);
    expect(unlinked.length).toBeGreaterThan(0);
    expect(unlinked.some((u) => u.username !== u.usernameKey)).toBe(true);
  });

  it('gives 2-3 credentials of distinct types, all five types overall, 1-2 certificates each, unique serials and labels', () => {
    const credentials = users.flatMap((u) => u.credentials);
    const certificates = credentials.flatMap((c) => c.certificates);
    expect(new Set(credentials.map((c) => c.type)).size).toBe(5);
    for (const u of users) {
      expect(u.credentials.length).toBeGreaterThanOrEqual(2);
      expect(u.credentials.length).toBeLessThanOrEqual(3);
      expect(new Set(u.credentials.map((c) => c.type)).size).toBe(u.credentials.length);
    }
    for (const c of credentials) expect([1, 2]).toContain(c.certificates.length);
    // Labels map inserted credentials back to the plan: they must be unique.
    expect(new Set(credentials.map((c) => c.label)).size).toBe(credentials.length);
    expect(new Set(certificates.map((c) => c.serial)).size).toBe(certificates.length);
    expect(certificates.every((c) => c.subject.startsWith('CN=') && c.validTo > c.validFrom)).toBe(true);
    expect(certificates.filter((c) => c.state === 'REVOKED' && c.revokedAt && c.revocationReason).length).toBeGreaterThan(0);
  });

  it('puts already inactive people in the outcome-table end state, with no roles; active people hold two roles', () => {
    const inactive = users.filter((u) => u.state === 'INACTIVE');
    expect(inactive.length).toBeGreaterThan(0);
    for (const u of inactive) {
      expect(byUid.get(u.usernameKey)?.active).toBe(false);
      expect(u.roles).toEqual([]);
      for (const c of u.credentials) {
        const temporary = c.type === 'TEMPORARY_CARD';
        expect(c.state).toBe(temporary ? 'LOCKED' : 'INACTIVE');
        for (const cert of c.certificates) expect(cert.state).toBe(temporary ? 'REVOKED' : 'ON_HOLD');
      }
    }
    for (const u of users.filter((x) => x.state === 'ACTIVE')) {
      expect(u.roles).toHaveLength(2);
      expect(u.roles[0]).toBe('Employee');
      expect(u.roles[1]).not.toBe('Employee');
    }
  });

  it('leaves the first inactive run under the default threshold (10% of active users)', () => {
    const active = users.filter((u) => u.state === 'ACTIVE');
    const wouldDeactivate = active.filter((u) => byUid.get(u.usernameKey)?.active === false);
    expect(wouldDeactivate.length).toBeGreaterThan(0);
    expect(wouldDeactivate.length / active.length).toBeLessThan(0.1);
  });
});
