import { describe, expect, it } from 'vitest';
import { jobOptionsToFields, parseJobOptionsFields, presetDefaults, type JobOptionsFields } from './job-options-form';

const blank: JobOptionsFields = {
  filterPreset: 'openldap-ppolicy',
  filter: '',
  statusAttribute: '',
  statusValue: '',
  pageSize: '',
  maxUsers: '500',
  maxPercent: '10',
  'mapping.username': '',
  'mapping.givenName': '',
  'mapping.surname': '',
  'mapping.displayName': '',
  'mapping.email': '',
  'mapping.employeeNumber': '',
};

describe('parseJobOptionsFields', () => {
  it('keeps blank fields as "the preset decides" and applies the engine defaults', () => {
    const result = parseJobOptionsFields(blank);
    expect(result).toEqual({
      ok: true,
      options: {
        filterPreset: 'openldap-ppolicy',
        statusAttribute: 'employeeType',
        statusValue: 'inactive',
        pageSize: 500,
        threshold: { maxUsers: 500, maxPercent: 10 },
      },
    });
  });

  it('stores a filter, mapping overrides and "no limit" thresholds', () => {
    const result = parseJobOptionsFields({
      ...blank,
      filterPreset: 'custom',
      filter: '(&(objectClass=inetOrgPerson)(employeeType=gone))',
      'mapping.email': 'mailPrimaryAddress',
      maxUsers: '',
      maxPercent: '',
      pageSize: '200',
    });
    expect(result).toMatchObject({
      ok: true,
      options: {
        filterPreset: 'custom',
        filter: '(&(objectClass=inetOrgPerson)(employeeType=gone))',
        mapping: { email: 'mailPrimaryAddress' },
        pageSize: 200,
        threshold: { maxUsers: null, maxPercent: null },
      },
    });
  });

  it('names each wrong field', () => {
    const result = parseJobOptionsFields({
      ...blank,
      filterPreset: 'nonsense',
      filter: '(&(objectClass=person)',
      'mapping.username': 'user name',
      pageSize: '0',
      maxUsers: '-1',
      maxPercent: '101',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.fieldErrors).sort()).toEqual(['filter', 'filterPreset', 'mapping.username', 'maxPercent', 'maxUsers', 'pageSize']);
    expect(result.fieldErrors.filter).toMatch(/not a valid LDAP filter/);
    expect(result.fieldErrors['mapping.username']).toBe('"user name" is not a valid LDAP attribute name.');
  });

  it('needs a filter for the custom preset', () => {
    const result = parseJobOptionsFields({ ...blank, filterPreset: 'custom' });
    expect(result).toMatchObject({ ok: false, fieldErrors: { filter: expect.stringMatching(/Enter the filter/) } });
  });
});

describe('jobOptionsToFields', () => {
  it('round-trips what parseJobOptionsFields stores', () => {
    const fields = { ...blank, filter: '(uid=x)', 'mapping.surname': 'lastName', maxUsers: '' };
    const parsed = parseJobOptionsFields(fields);
    if (!parsed.ok) throw new Error('expected valid fields');
    expect(jobOptionsToFields(parsed.options)).toEqual({ ...fields, statusAttribute: 'employeeType', statusValue: 'inactive', pageSize: '500' });
  });
});

describe('presetDefaults', () => {
  it('gives each preset its filter for the job and its mapping', () => {
    const inactive = presetDefaults('inactive-ldap-users');
    expect(inactive.find((p) => p.key === 'openldap-ppolicy')?.filter).toBe('(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))');
    expect(inactive.find((p) => p.key === 'status-attribute')?.filter).toBe('(&(objectClass=inetOrgPerson)(employeeType=inactive))');
    expect(inactive.find((p) => p.key === 'active-directory-disabled')?.mapping.username).toBe('sAMAccountName');
  });
});
