import { describe, expect, it } from 'vitest';
import { jobOptionsSchema } from '../sync/job-options';
import { JOB_OPTIONS_FIELD_NAMES, jobOptionsFieldsFromForm, jobOptionsToFields, parseJobOptionsFields, presetDefaults, type JobOptionsFields } from './job-options-form';

const blank: JobOptionsFields = {
  filterPreset: 'openldap-ppolicy',
  filter: '',
  statusAttribute: '',
  statusValue: '',
  uniqueIdAttribute: '',
  pageSize: '',
  maxUsers: '500',
  maxPercent: '10',
  confirmationRule: '',
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

describe('parseJobOptionsFields', () => {
  it('reads the run mode and the full-run period (blank: full runs; in delta mode weekly full runs)', () => {
    expect(parseJobOptionsFields(blank)).toMatchObject({ ok: true, options: { runMode: 'full', fullRunEvery: { runs: null, days: 7 } } });
    expect(parseJobOptionsFields({ ...blank, runMode: 'delta', fullRunEveryRuns: '10', fullRunEveryDays: '' })).toMatchObject({ ok: true, options: { runMode: 'delta', fullRunEvery: { runs: 10, days: null } } });
    expect(parseJobOptionsFields({ ...blank, runMode: 'sometimes' })).toMatchObject({ ok: false, fieldErrors: { runMode: expect.stringMatching(/full or delta/) } });
    expect(parseJobOptionsFields({ ...blank, fullRunEveryDays: '0' })).toMatchObject({ ok: false, fieldErrors: { fullRunEveryDays: expect.stringMatching(/1 to 366/) } });
    expect(jobOptionsToFields({ runMode: 'delta', fullRunEvery: { runs: 5, days: null } })).toMatchObject({ runMode: 'delta', fullRunEveryRuns: '5', fullRunEveryDays: '' });
    expect(jobOptionsToFields({})).toMatchObject({ runMode: 'full', fullRunEveryRuns: '', fullRunEveryDays: '7' });
  });

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
        confirmationRule: 'OPERATOR',
        runMode: 'full',
        fullRunEvery: { runs: null, days: 7 },
      },
    });
  });

  it('keeps who may confirm a run stopped at the threshold, and refuses an unknown rule', () => {
    expect(parseJobOptionsFields({ ...blank, confirmationRule: 'TWO_PERSON' })).toMatchObject({ ok: true, options: { confirmationRule: 'TWO_PERSON' } });
    expect(parseJobOptionsFields({ ...blank, confirmationRule: 'ANYONE' })).toMatchObject({ ok: false, fieldErrors: { confirmationRule: expect.stringMatching(/who may confirm/) } });
    expect(jobOptionsToFields({ confirmationRule: 'ADMINISTRATOR' }).confirmationRule).toBe('ADMINISTRATOR');
    expect(jobOptionsToFields({}).confirmationRule).toBe('OPERATOR');
  });

  it('stores a filter, the unique id, mapping overrides and "no limit" thresholds', () => {
    const result = parseJobOptionsFields({
      ...blank,
      filterPreset: 'custom',
      filter: '(&(objectClass=inetOrgPerson)(employeeType=gone))',
      uniqueIdAttribute: 'nsUniqueId',
      'mapping.username': 'uid',
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
        uniqueIdAttribute: 'nsUniqueId',
        mapping: { username: 'uid', email: 'mailPrimaryAddress' },
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
      uniqueIdAttribute: 'object GUID',
      pageSize: '0',
      maxUsers: '-1',
      maxPercent: '101',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.fieldErrors).sort()).toEqual(['filter', 'filterPreset', 'mapping.username', 'maxPercent', 'maxUsers', 'pageSize', 'uniqueIdAttribute']);
    expect(result.fieldErrors.filter).toMatch(/not a valid LDAP filter/);
    expect(result.fieldErrors['mapping.username']).toBe('"user name" is not a valid LDAP attribute name.');
  });

  it('needs a filter, the unique id and the username attribute for the custom preset, each at its field', () => {
    const result = parseJobOptionsFields({ ...blank, filterPreset: 'custom' });
    expect(result).toMatchObject({
      ok: false,
      fieldErrors: {
        filter: expect.stringMatching(/Enter the filter/),
        uniqueIdAttribute: expect.stringMatching(/A custom filter needs the unique id attribute/),
        'mapping.username': expect.stringMatching(/A custom filter needs the attribute that holds the username/),
      },
    });
    // In the same round trip as a refused number: the rules across fields run even then.
    const alsoWrong = parseJobOptionsFields({ ...blank, filterPreset: 'custom', pageSize: 'many' });
    expect(alsoWrong.ok === false && Object.keys(alsoWrong.fieldErrors).sort()).toEqual(['filter', 'mapping.username', 'pageSize', 'uniqueIdAttribute']);
    // The other mapping fields may stay empty: nothing is read for them.
    const complete = parseJobOptionsFields({ ...blank, filterPreset: 'custom', filter: '(uid=x)', uniqueIdAttribute: 'entryUUID', 'mapping.username': 'uid' });
    expect(complete).toMatchObject({ ok: true, options: { filterPreset: 'custom', uniqueIdAttribute: 'entryUUID', mapping: { username: 'uid' } } });
  });

  it('takes any attribute name as the unique id, and leaves it to the preset when blank', () => {
    expect(parseJobOptionsFields({ ...blank, uniqueIdAttribute: ' objectGUID ' })).toMatchObject({ ok: true, options: { uniqueIdAttribute: 'objectGUID' } });
    expect(parseJobOptionsFields({ ...blank, uniqueIdAttribute: 'x-myCorp-personId' })).toMatchObject({ ok: true, options: { uniqueIdAttribute: 'x-myCorp-personId' } });
    const blankId = parseJobOptionsFields(blank);
    expect(blankId.ok && 'uniqueIdAttribute' in blankId.options).toBe(false);
  });
});

describe('one source: the engine schema decides, the form only translates', () => {
  const schemaMessage = (options: unknown) => jobOptionsSchema.safeParse(options).error?.issues[0]?.message;

  it("shows the schema's own message at the field, for every way a number can be wrong", () => {
    for (const pageSize of ['0', '5001', '1.5', 'abc', '1e3', '-1']) {
      const result = parseJobOptionsFields({ ...blank, pageSize });
      expect(result).toEqual({ ok: false, fieldErrors: { pageSize: 'Enter a whole number from 1 to 5000.' } });
    }
    expect(parseJobOptionsFields({ ...blank, pageSize: '0' })).toMatchObject({ fieldErrors: { pageSize: schemaMessage({ pageSize: 0 }) } });
    expect(parseJobOptionsFields({ ...blank, maxUsers: '10000001' })).toMatchObject({ fieldErrors: { maxUsers: schemaMessage({ threshold: { maxUsers: 10_000_001 } }) } });
    expect(parseJobOptionsFields({ ...blank, maxPercent: 'ten' })).toMatchObject({ fieldErrors: { maxPercent: 'Enter a percentage from 0 to 100.' } });
    expect(parseJobOptionsFields({ ...blank, maxPercent: ' 12.5 ' })).toMatchObject({ ok: true, options: { threshold: { maxPercent: 12.5 } } });
    expect(parseJobOptionsFields({ ...blank, fullRunEveryRuns: '10001' })).toMatchObject({ fieldErrors: { fullRunEveryRuns: 'Enter a whole number from 1 to 10000.' } });
  });

  it('takes the defaults from the schema: a blank field leaves the option out, an absent one too', () => {
    const defaults = jobOptionsSchema.parse({});
    const { fullRunEveryDays: _days, confirmationRule: _rule, runMode: _mode, ...older } = blank;
    expect(parseJobOptionsFields({ ...older, maxUsers: '', maxPercent: '' })).toEqual({
      ok: true,
      options: { ...defaults, threshold: { maxUsers: null, maxPercent: null } },
    });
    // The preset is never assumed.
    const { filterPreset: _preset, ...noPreset } = blank;
    expect(parseJobOptionsFields(noPreset)).toEqual({ ok: false, fieldErrors: { filterPreset: 'Choose one of the filter presets.' } });
  });

  it('refuses a filter that does not parse, while stored options with one stay readable (the run reports LDAP_FILTER_SYNTAX)', () => {
    const custom = { filterPreset: 'custom', filter: '(&(uid=x)', uniqueIdAttribute: 'entryUUID', mapping: { username: 'uid' } };
    expect(jobOptionsSchema.safeParse(custom).success).toBe(true);
    const result = parseJobOptionsFields({ ...blank, filterPreset: 'custom', filter: '(&(uid=x)', uniqueIdAttribute: 'entryUUID', 'mapping.username': 'uid' });
    expect(result).toEqual({ ok: false, fieldErrors: { filter: expect.stringMatching(/^The filter \(&\(uid=x\) is not a valid LDAP filter/) } });
  });

  it('reads the fields from the posted form', () => {
    const form = new FormData();
    for (const [name, value] of Object.entries({ ...blank, pageSize: '200', 'mapping.email': 'mail' })) form.set(name, value);
    form.set('cronExpression', '0 2 * * *');
    form.delete('runMode');
    const fields = jobOptionsFieldsFromForm(form);
    expect(Object.keys(fields).sort()).toEqual(JOB_OPTIONS_FIELD_NAMES.filter((n) => n !== 'runMode').sort());
    expect(parseJobOptionsFields(fields)).toMatchObject({ ok: true, options: { pageSize: 200, runMode: 'full', mapping: { email: 'mail' } } });
  });
});

describe('jobOptionsToFields', () => {
  it('round-trips what parseJobOptionsFields stores', () => {
    const fields = { ...blank, filter: '(uid=x)', uniqueIdAttribute: 'ipaUniqueID', 'mapping.surname': 'lastName', maxUsers: '', confirmationRule: 'TWO_PERSON' };
    const parsed = parseJobOptionsFields(fields);
    if (!parsed.ok) throw new Error('expected valid fields');
    expect(jobOptionsToFields(parsed.options)).toEqual({ ...fields, statusAttribute: 'employeeType', statusValue: 'inactive', pageSize: '500', runMode: 'full' });
  });

  it('shows a stored custom filter that lacks its unique id as that custom filter, not as the default preset', () => {
    const fields = jobOptionsToFields({ filterPreset: 'custom', filter: '(employeeType=gone)', mapping: { email: 'mail' } });
    expect(fields).toMatchObject({ filterPreset: 'custom', filter: '(employeeType=gone)', uniqueIdAttribute: '', 'mapping.username': '', 'mapping.email': 'mail' });
  });
});

describe('presetDefaults', () => {
  it('gives each preset its filter for the job, its unique id and its mapping', () => {
    const inactive = presetDefaults('inactive-ldap-users');
    expect(inactive.find((p) => p.key === 'openldap-ppolicy')?.filter).toBe('(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))');
    expect(inactive.find((p) => p.key === 'status-attribute')?.filter).toBe('(&(objectClass=inetOrgPerson)(employeeType=inactive))');
    expect(inactive.find((p) => p.key === 'active-directory-disabled')?.mapping.username).toBe('sAMAccountName');
    expect(Object.fromEntries(inactive.map((p) => [p.key, p.uniqueIdAttribute]))).toEqual({
      'openldap-ppolicy': 'entryUUID',
      'status-attribute': 'entryUUID',
      'active-directory-disabled': 'objectGUID',
      'directory-server-lock': 'nsUniqueId',
      'freeipa-lock': 'ipaUniqueID',
      custom: '',
    });
    // "Custom filter" has no unique id or mapping of its own: the form asks for them.
    expect(inactive.find((p) => p.key === 'custom')?.mapping.username).toBe('');
  });

  it('describes every preset: AD leaves out critical system objects; 389-DS and FreeIPA have their own', () => {
    const presets = presetDefaults('inactive-ldap-users');
    expect(presets.map((p) => p.key)).toEqual(['openldap-ppolicy', 'status-attribute', 'active-directory-disabled', 'directory-server-lock', 'freeipa-lock', 'custom']);
    for (const p of presets) expect(p.description.length).toBeGreaterThan(20);
    expect(presets.find((p) => p.key === 'active-directory-disabled')?.description).toContain('isCriticalSystemObject');
    expect(presets.find((p) => p.key === 'active-directory-disabled')?.filter).toContain('(!(isCriticalSystemObject=TRUE))');
    expect(presets.find((p) => p.key === 'directory-server-lock')?.label).toMatch(/389 Directory Server/);
    expect(presets.find((p) => p.key === 'freeipa-lock')?.label).toMatch(/FreeIPA/);
  });
});
