import { describe, expect, it } from 'vitest';
import { choosePreset } from './choose-preset';
import { presetDefaults, type JobOptionsFields } from './job-options-form';

const presets = presetDefaults('inactive-ldap-users');
const blank: JobOptionsFields = {
  filterPreset: 'active-directory-disabled',
  filter: '',
  statusAttribute: '',
  statusValue: '',
  uniqueIdAttribute: '',
  pageSize: '',
  maxUsers: '',
  maxPercent: '',
  confirmationRule: 'OPERATOR',
  runMode: '',
  fullRunEveryRuns: '',
  fullRunEveryDays: '7',
  'mapping.username': '',
  'mapping.givenName': '',
  'mapping.surname': '',
  'mapping.displayName': '',
  'mapping.email': '',
  'mapping.employeeNumber': '',
};

describe('choosePreset', () => {
  it('switching to Custom filter keeps the unique id, the mapping and the filter the job ran with', () => {
    const ad = presets.find((p) => p.key === 'active-directory-disabled')!;
    const custom = choosePreset({ ...blank, 'mapping.email': 'userPrincipalName' }, presets, 'custom');
    expect(custom).toMatchObject({
      filterPreset: 'custom',
      filter: ad.filter,
      uniqueIdAttribute: 'objectGUID',
      'mapping.username': 'sAMAccountName',
      'mapping.givenName': 'givenName',
      'mapping.employeeNumber': 'employeeID',
      // Typed by hand: kept as typed.
      'mapping.email': 'userPrincipalName',
    });
  });

  it('keeps a unique id typed by hand when switching to Custom', () => {
    expect(choosePreset({ ...blank, filterPreset: 'openldap-ppolicy', uniqueIdAttribute: 'nsUniqueId' }, presets, 'custom').uniqueIdAttribute).toBe('nsUniqueId');
  });

  it('between presets, the old preset’s values follow the new preset and typed ones stay', () => {
    const fields = { ...blank, filterPreset: 'openldap-ppolicy', uniqueIdAttribute: 'entryUUID', 'mapping.username': 'uid', 'mapping.email': 'mailPrimaryAddress' };
    expect(choosePreset(fields, presets, 'directory-server-lock')).toMatchObject({
      filterPreset: 'directory-server-lock',
      filter: '',
      uniqueIdAttribute: '',
      'mapping.username': '',
      'mapping.email': 'mailPrimaryAddress',
    });
  });

  it('leaving Custom keeps what the administrator typed', () => {
    const custom = { ...blank, filterPreset: 'custom', filter: '(x=y)', uniqueIdAttribute: 'GUID', 'mapping.username': 'cn' };
    expect(choosePreset(custom, presets, 'openldap-ppolicy')).toMatchObject({ filterPreset: 'openldap-ppolicy', filter: '(x=y)', uniqueIdAttribute: 'GUID', 'mapping.username': 'cn' });
  });

  it('ignores an unknown preset', () => {
    expect(choosePreset(blank, presets, 'nonsense')).toEqual(blank);
  });
});
