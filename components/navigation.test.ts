import { describe, expect, it } from 'vitest';
import { activeHref, ADMIN_NAV, OPERATOR_NAV } from './navigation';

describe('activeHref', () => {
  it('marks the deepest matching entry, not Home', () => {
    expect(activeHref('/admin/batch-synchronization/inactive-ldap-users', ADMIN_NAV)).toBe('/admin/batch-synchronization');
    expect(activeHref('/admin', ADMIN_NAV)).toBe('/admin');
    expect(activeHref('/operator/users/jdoe', OPERATOR_NAV)).toBe('/operator/users');
  });

  it('marks Scheduled jobs on a job page and on a run page, which are opened from it', () => {
    expect(activeHref('/operator/scheduled-jobs', OPERATOR_NAV)).toBe('/operator/scheduled-jobs');
    expect(activeHref('/operator/jobs/inactive-ldap-users', OPERATOR_NAV)).toBe('/operator/scheduled-jobs');
    expect(activeHref('/operator/runs/42', OPERATOR_NAV)).toBe('/operator/scheduled-jobs');
    expect(activeHref('/operator/runs/42/items.csv', OPERATOR_NAV)).toBe('/operator/scheduled-jobs');
    expect(activeHref('/operator', OPERATOR_NAV)).toBe('/operator');
  });

  it('does not match on a shared prefix of a different segment', () => {
    expect(activeHref('/administrator', ADMIN_NAV)).toBeNull();
    expect(activeHref('/operator/runsheet', OPERATOR_NAV)).toBe('/operator');
    expect(activeHref('/operator/jobs-archive', OPERATOR_NAV)).toBe('/operator');
  });

  it('is null outside the face', () => {
    expect(activeHref('/account/password', OPERATOR_NAV)).toBeNull();
  });
});

describe('OPERATOR_NAV', () => {
  it('offers Home, Scheduled jobs and Users under no "ADMIN" heading', () => {
    expect(OPERATOR_NAV.flatMap((s) => s.items.map((i) => i.label))).toEqual(['Home', 'Scheduled jobs', 'Users']);
    expect(OPERATOR_NAV.map((s) => s.label.toUpperCase())).not.toContain('ADMIN');
  });
});
