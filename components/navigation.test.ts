import { describe, expect, it } from 'vitest';
import { activeHref, ADMIN_NAV, OPERATOR_NAV } from './navigation';

describe('activeHref', () => {
  it('marks the deepest matching entry, not Home', () => {
    expect(activeHref('/admin/batch-synchronization/inactive-ldap-users', ADMIN_NAV)).toBe('/admin/batch-synchronization');
    expect(activeHref('/admin', ADMIN_NAV)).toBe('/admin');
    expect(activeHref('/operator/users/jdoe', OPERATOR_NAV)).toBe('/operator/users');
  });

  it('does not match on a shared prefix of a different segment', () => {
    expect(activeHref('/administrator', ADMIN_NAV)).toBeNull();
  });
});
