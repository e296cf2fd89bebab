import { describe, expect, it } from 'vitest';
import { mapEntry, normaliseText } from './mapping';
import { resolveJobOptions } from './job-options';
import { escapeFilterValue, checkFilter } from '../ldap/filter';
import { objectGuidToBytes, objectGuidToString } from '../ldap/guid';
import { directoryEntry } from '../ldap/search-decoder';

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
    const ok = mapEntry(directoryEntry('uid=a,ou=people', { entryUUID: 'ABC-1', uid: '  Ålice ', mail: 'not-an-email' }), options);
    expect(ok).toMatchObject({ ok: true, person: { externalId: 'abc-1', username: 'Ålice', usernameKey: 'ålice', email: null } });
    expect(mapEntry(directoryEntry('uid=a', { uid: 'a' }), options)).toMatchObject({ ok: false, reason: expect.stringContaining('no unique id') });
    expect(mapEntry(directoryEntry('cn=a', { entryUUID: 'x' }), options)).toMatchObject({ ok: false, reason: expect.stringContaining('no username') });
  });
  it('maps the first of several values, matches attribute names in any case, and reports bytes that are not UTF-8', () => {
    const upper = resolveJobOptions('inactive-ldap-users', { mapping: { username: 'UID', email: 'Mail' } });
    const entry = directoryEntry('uid=b', { EntryUUID: 'id-2', uid: ['first', 'second'], MAIL: ['b@x.org', 'c@x.org'], givenName: 'Zo\u0065\u0308' });
    expect(mapEntry(entry, upper)).toMatchObject({ ok: true, person: { username: 'first', email: 'b@x.org', givenName: 'Zo\u00eb' } });
    // The decoder turns bytes that are not UTF-8 into U+FFFD; a Buffer value is decoded the same way.
    expect(mapEntry(directoryEntry('uid=c', { entryUUID: 'id-3', uid: 'bad\uFFFDname' }), options)).toMatchObject({ ok: false, reason: 'The username (uid) is not valid UTF-8.' });
    expect(mapEntry(directoryEntry('uid=c', { entryUUID: 'id-3', uid: Buffer.from([0x61, 0xff]) }), options)).toMatchObject({ ok: false, reason: expect.stringContaining('not valid UTF-8') });
    // A broken optional attribute is left out; the person is still mapped.
    expect(mapEntry(directoryEntry('uid=d', { entryUUID: 'id-4', uid: 'd', sn: 'x\uFFFD', displayName: ' ' }), options)).toMatchObject({ ok: true, person: { surname: null, displayName: null } });
    expect(mapEntry(directoryEntry('uid=e', { entryUUID: 'id-5', uid: 'e'.repeat(257) }), options)).toMatchObject({ ok: false, reason: expect.stringContaining('longer than 256') });
    expect(mapEntry(directoryEntry('uid=f', { entryUUID: 'id-6', uid: 'f', givenName: 'g'.repeat(300) }), options)).toMatchObject({ ok: true, person: { givenName: 'g'.repeat(256) } });
  });
  it('shows objectGUID in its canonical form', () => {
    const guid = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    expect(objectGuidToString(objectGuidToBytes(guid))).toBe(guid);
    const ad = resolveJobOptions('inactive-ldap-users', { filterPreset: 'active-directory-disabled' });
    expect(mapEntry(directoryEntry('cn=x', { objectGUID: objectGuidToBytes(guid), sAMAccountName: 'x' }), ad)).toMatchObject({ ok: true, person: { externalId: guid } });
    expect(mapEntry(directoryEntry('cn=y', { objectguid: Buffer.from([1, 2, 3]), sAMAccountName: 'y' }), ad)).toMatchObject({
      ok: false,
      externalId: null,
      username: 'y',
      reason: 'Invalid unique id: objectGUID has 3 bytes instead of 16.',
    });
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
