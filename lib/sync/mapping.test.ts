import { describe, expect, it } from 'vitest';
import { mapEntry, normaliseText } from './mapping';
import { resolveJobOptions } from './job-options';
import { escapeFilterValue, checkFilter } from '../ldap/filter';
import { objectGuidToBytes, objectGuidToString } from '../ldap/guid';

const options = resolveJobOptions('inactive-ldap-users', {});

describe('normaliseText', () => {
  it('leaves plain values as they are and normalises the rest exactly as the full rule does', () => {
    const full = (v: string) => v.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim() || null;
    const samples = ['user0000005', 'Given5 Surname5', ' lead', 'trail ', 'two  spaces', 'tab\there', 'new\nline', 'del\u007f', 'A\u030angstr\u00f6m', '', '   ', 'x', 'a b c', 'nbsp\u00a0here'];
    for (const v of samples) expect(normaliseText(v)).toBe(full(v));
    expect(normaliseText('A\u030a')).toBe('\u00c5');
  });
});

describe('mapEntry', () => {
  it('normalises values and reports a missing unique id or username', () => {
    const ok = mapEntry({ dn: 'uid=a,ou=people', entryUUID: 'ABC-1', uid: '  Ålice ', mail: 'not-an-email' }, options);
    expect(ok).toMatchObject({ ok: true, person: { externalId: 'abc-1', username: 'Ålice', usernameKey: 'ålice', email: null } });
    expect(mapEntry({ dn: 'uid=a', uid: 'a' }, options)).toMatchObject({ ok: false, reason: expect.stringContaining('no unique id') });
    expect(mapEntry({ dn: 'cn=a', entryUUID: 'x' }, options)).toMatchObject({ ok: false, reason: expect.stringContaining('no username') });
  });
  it('shows objectGUID in its canonical form', () => {
    const guid = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    expect(objectGuidToString(objectGuidToBytes(guid))).toBe(guid);
    const ad = resolveJobOptions('inactive-ldap-users', { filterPreset: 'active-directory-disabled' });
    expect(mapEntry({ dn: 'cn=x', objectGUID: objectGuidToBytes(guid), sAMAccountName: 'x' }, ad)).toMatchObject({ ok: true, person: { externalId: guid } });
  });
});

describe('filters', () => {
  it('escapes user values (RFC 4515) and rejects broken filters', () => {
    expect(escapeFilterValue('a*(b)\\')).toBe('a\\2a\\28b\\29\\5c');
    expect(resolveJobOptions('inactive-ldap-users', { filterPreset: 'status-attribute', statusValue: 'in*active)' }).filter).toBe('(&(objectClass=inetOrgPerson)(employeeType=in\\2aactive\\29))');
    expect(() => checkFilter('(&(uid=a)')).toThrow(/not a valid LDAP filter/);
    expect(checkFilter('(userAccountControl:1.2.840.113556.1.4.803:=2)')).toBeTruthy();
  });
});
