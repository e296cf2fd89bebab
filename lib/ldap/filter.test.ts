import { describe, expect, it } from 'vitest';
import { FILTER_PRESETS } from '../sync/job-options';
import { filtersExclude } from './filter';

describe('filtersExclude', () => {
  it('knows that the two jobs of every preset never match the same entry', () => {
    for (const preset of FILTER_PRESETS) {
      const filters = preset.filters({ statusAttribute: 'employeeType', statusValue: 'inactive' });
      expect(filtersExclude(filters['inactive-ldap-users'], filters['active-ldap-users'])).toBe(true);
    }
  });

  it('finds a negated condition at any depth of nested ANDs, in either filter', () => {
    expect(filtersExclude('(&(objectClass=person)(&(ou=x)(l=Paris)))', '(!(l=Paris))')).toBe(true);
    expect(filtersExclude('(!(l=Paris))', '(l=Paris)')).toBe(true);
  });

  it('answers false whenever it cannot tell', () => {
    expect(filtersExclude('(&(objectClass=person)(l=Paris))', '(&(objectClass=person)(l=Lyon))')).toBe(false); // disjoint, but not provably so here
    expect(filtersExclude('(|(l=Paris)(l=Lyon))', '(!(l=Paris))')).toBe(false); // Lyon matches both
    expect(filtersExclude('(l=Paris)', '(!(l=paris))')).toBe(false); // matching rules decide case: not compared
    expect(filtersExclude('(employeeType=inactive)', '(&(objectClass=person)(!(!(employeeType=inactive))))')).toBe(false);
  });
});
