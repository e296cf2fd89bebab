import { describe, expect, it } from 'vitest';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS } from '../sync/job-options';
import { checkFilterOverlap, overlapAuditDetails, resolveJobFilters } from './check-filter-overlap';

const neverAsked = () => Promise.reject(new Error('the directory must not be asked'));

describe('resolveJobFilters', () => {
  it('gives each job the filter its runs use: the typed one, or the preset\'s', () => {
    expect(resolveJobFilters({ [INACTIVE_LDAP_USERS]: {}, [ACTIVE_LDAP_USERS]: { filter: 'objectClass=inetOrgPerson' } })).toEqual({
      ok: true,
      filters: {
        [INACTIVE_LDAP_USERS]: '(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))',
        // Wrapped in parentheses, as checkFilter gives it to a run.
        [ACTIVE_LDAP_USERS]: '(objectClass=inetOrgPerson)',
      },
    });
  });

  it('names the job whose filter cannot be used', () => {
    const result = resolveJobFilters({ [INACTIVE_LDAP_USERS]: {}, [ACTIVE_LDAP_USERS]: { filter: '(&(uid=a)' } });
    expect(result).toMatchObject({ ok: false, jobKey: ACTIVE_LDAP_USERS });
    if (!result.ok) expect(result.message).toMatch(/^The filter of "Synchronize active LDAP Users to Identity Manager" cannot be used: The filter \(&\(uid=a\) is not a valid LDAP filter/);
    expect(resolveJobFilters({ [INACTIVE_LDAP_USERS]: { pageSize: 'many' }, [ACTIVE_LDAP_USERS]: {} })).toMatchObject({ ok: false, jobKey: INACTIVE_LDAP_USERS });
  });
});

describe('checkFilterOverlap without a directory', () => {
  it('answers "none" for filters that exclude each other (every preset) without asking the directory', async () => {
    for (const preset of ['openldap-ppolicy', 'status-attribute', 'active-directory-disabled']) {
      const result = await checkFilterOverlap({ jobOptions: { [INACTIVE_LDAP_USERS]: { filterPreset: preset }, [ACTIVE_LDAP_USERS]: { filterPreset: preset } }, settings: neverAsked });
      expect(result).toMatchObject({ status: 'none', provenBy: 'filters' });
    }
  });

  it('asks the directory when the filters do not exclude each other, and reports why it could not', async () => {
    const result = await checkFilterOverlap({
      jobOptions: { [INACTIVE_LDAP_USERS]: {}, [ACTIVE_LDAP_USERS]: { filter: '(objectClass=inetOrgPerson)' } },
      settings: neverAsked,
    });
    expect(result).toEqual({
      status: 'unchecked',
      filters: { [INACTIVE_LDAP_USERS]: '(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))', [ACTIVE_LDAP_USERS]: '(objectClass=inetOrgPerson)' },
      code: 'CHECK_FAILED',
      reason: 'The check failed: the directory must not be asked',
    });
  });

  it('does not search with a filter a run would refuse', async () => {
    const result = await checkFilterOverlap({ jobOptions: { [INACTIVE_LDAP_USERS]: { filter: 'uid=*)(' }, [ACTIVE_LDAP_USERS]: {} }, settings: neverAsked });
    expect(result).toMatchObject({ status: 'unchecked', code: 'INVALID_JOB_OPTIONS', filters: null, reason: expect.stringContaining('"Synchronize inactive LDAP Users to Identity Manager"') });
  });
});

describe('overlapAuditDetails', () => {
  const filters = { [INACTIVE_LDAP_USERS]: '(a=1)', [ACTIVE_LDAP_USERS]: '(b=1)' };
  it('records the count and whether it is exact, never the people', () => {
    const details = overlapAuditDetails({ status: 'found', filters, count: 3, limit: 10_000, stoppedBy: null, examples: [{ dn: 'uid=x,dc=example,dc=com', username: 'x' }] });
    expect(details).toEqual({ status: 'found', count: 3, exact: true, stoppedBy: null });
    expect(overlapAuditDetails({ status: 'found', filters, count: 10_500, limit: 10_000, stoppedBy: 'limit', examples: [] })).toMatchObject({ exact: false, stoppedBy: 'limit' });
    expect(overlapAuditDetails({ status: 'none', filters, provenBy: 'directory' })).toEqual({ status: 'none', count: 0, provenBy: 'directory' });
    expect(overlapAuditDetails({ status: 'unchecked', filters: null, code: 'LDAP_UNREACHABLE', reason: 'No LDAP server could be reached' })).toEqual({ status: 'unchecked', code: 'LDAP_UNREACHABLE' });
  });
});
