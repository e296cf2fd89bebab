import { describe, expect, it } from 'vitest';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS } from '../sync/job-options';
import type { FilterOverlap } from './check-filter-overlap';
import { describeFilterOverlap } from './filter-overlap-notice';

const filters = { [INACTIVE_LDAP_USERS]: '(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))', [ACTIVE_LDAP_USERS]: '(objectClass=inetOrgPerson)' };
const examples = Array.from({ length: 5 }, (_, i) => ({ dn: `uid=gone${i + 1},ou=people,dc=example,dc=com`, username: `gone${i + 1}` }));
const found = (count: number, stoppedBy: 'limit' | 'timeout' | null = null): FilterOverlap => ({
  status: 'found',
  filters,
  count,
  limit: 10_000,
  stoppedBy,
  examples: examples.slice(0, Math.min(count, 5)),
});

describe('describeFilterOverlap', () => {
  it('says how many people fail in both jobs, what a run does with them, and what to do', () => {
    const notice = describeFilterOverlap(found(12), 'save');
    expect(notice.tone).toBe('warning');
    expect(notice.title).toBe('12 people would fail in both jobs');
    expect(notice.paragraphs[0]).toBe(
      'The filters of "Synchronize inactive LDAP Users to Identity Manager" and "Synchronize active LDAP Users to Identity Manager" both match these 12 directory entries.',
    );
    expect(notice.paragraphs[1]).toContain('an active user among them is not deactivated and keeps credentials and roles');
    expect(notice.paragraphs[2]).toMatch(/^The settings were saved anyway/);
    expect(notice.examples).toHaveLength(5);
    expect(notice.moreExamples).toBe('and 7 more');
    expect(notice.advice).toMatch(/^What to do: make the two filters exclude each other/);
    // The suggestion keeps the active job's filter and leaves out exactly what the inactive one selects.
    expect(notice.suggestedActiveFilter).toBe('(&(objectClass=inetOrgPerson)(!(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))))');
  });

  it('speaks of one person in the singular, and lists all examples when there are no more', () => {
    const notice = describeFilterOverlap(found(1), 'test');
    expect(notice.title).toBe('1 person would fail in both jobs');
    expect(notice.paragraphs[0]).toMatch(/both match this directory entry\.$/);
    expect(notice.paragraphs).toHaveLength(2); // Test connection saved nothing
    expect(notice.moreExamples).toBeNull();
  });

  it('never passes a stopped count off as the exact number', () => {
    const limited = describeFilterOverlap(found(10_400, 'limit'), 'save');
    expect(limited.title).toBe('More than 10,000 people would fail in both jobs');
    expect(limited.paragraphs[0]).toContain('more than 10,000 directory entries (the count stops there)');
    expect(limited.moreExamples).toBe('and more');
    const late = describeFilterOverlap(found(2_000, 'timeout'), 'save');
    expect(late.title).toBe('At least 2,000 people would fail in both jobs');
    expect(late.paragraphs[0]).toContain('at least 2,000 directory entries (the directory did not finish the count in time)');
  });

  it('after a save that could not check, says it saved, why it could not check, and where to check later', () => {
    const notice = describeFilterOverlap({ status: 'unchecked', filters: null, code: 'LDAP_UNREACHABLE', reason: 'No LDAP server could be reached: ldap://127.0.0.1:1 (ECONNREFUSED).' }, 'save');
    expect(notice).toMatchObject({ tone: 'caution', title: 'Saved, but the overlap of the two jobs\' filters could not be checked', paragraphs: ['No LDAP server could be reached: ldap://127.0.0.1:1 (ECONNREFUSED).'] });
    expect(notice.advice).toContain('Test connection under Admin > LDAP connection');
    expect(describeFilterOverlap({ status: 'unchecked', filters: null, code: 'LDAP_TIMEOUT', reason: 'slow' }, 'test')).toMatchObject({ title: 'The overlap of the two jobs\' filters could not be checked', advice: null });
  });

  it('says whether "nobody" is a property of the filters or of the directory today', () => {
    expect(describeFilterOverlap({ status: 'none', filters, provenBy: 'filters' }, 'save')).toMatchObject({ tone: 'ok', paragraphs: ['The two filters exclude each other, whatever the directory holds.'] });
    expect(describeFilterOverlap({ status: 'none', filters, provenBy: 'directory' }, 'test')).toMatchObject({ tone: 'ok', paragraphs: ['The directory has no entry that both filters match now.'] });
  });
});
