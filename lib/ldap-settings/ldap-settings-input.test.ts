import { describe, expect, it } from 'vitest';
import { parseLdapSettingsForm } from './ldap-settings-input';

const valid = {
  urls: 'ldaps://ldap1.example.com:636\nldap://ldap2.example.com',
  startTls: 'on',
  tlsRejectUnauthorized: 'on',
  tlsCaCertificate: '',
  bindDn: 'cn=idm-sync,ou=services,dc=example,dc=com',
  bindPassword: '',
  baseDn: 'ou=people,dc=example,dc=com',
  scope: 'sub',
  connectTimeoutMs: '5000',
  operationTimeoutMs: '30000',
};

describe('parseLdapSettingsForm', () => {
  it('reads URLs one per line, ticked and absent checkboxes, and a blank password as "keep"', () => {
    const form = new FormData();
    for (const [k, v] of Object.entries(valid)) if (k !== 'tlsRejectUnauthorized') form.set(k, v);
    expect(parseLdapSettingsForm(form)).toEqual({
      ok: true,
      input: {
        urls: ['ldaps://ldap1.example.com:636', 'ldap://ldap2.example.com'],
        startTls: true,
        tlsRejectUnauthorized: false,
        tlsCaCertificate: null,
        bindDn: valid.bindDn,
        bindPassword: '',
        baseDn: valid.baseDn,
        scope: 'sub',
        connectTimeoutMs: 5000,
        operationTimeoutMs: 30000,
      },
    });
  });

  it('gives each wrong field its own message', () => {
    const parsed = parseLdapSettingsForm({ ...valid, urls: 'http://x', bindDn: 'nobody', baseDn: '', scope: 'deep', connectTimeoutMs: 'soon', tlsCaCertificate: 'not a pem' });
    expect(parsed).toMatchObject({
      ok: false,
      fieldErrors: {
        urls: 'Each URL must look like ldap://host:389 or ldaps://host:636.',
        bindDn: expect.stringContaining('distinguished name'),
        baseDn: expect.stringContaining('Enter the base DN'),
        scope: 'Choose a search scope.',
        connectTimeoutMs: expect.any(String),
        tlsCaCertificate: expect.stringContaining('PEM'),
      },
    });
  });

  it('names the range of a timeout, however it is wrong', () => {
    for (const connectTimeoutMs of ['soon', '50', '1.5', '', '200000']) {
      expect(parseLdapSettingsForm({ ...valid, connectTimeoutMs }), connectTimeoutMs).toEqual({ ok: false, fieldErrors: { connectTimeoutMs: 'Enter a whole number of milliseconds from 100 to 120000.' } });
    }
    expect(parseLdapSettingsForm({ ...valid, operationTimeoutMs: '999' })).toEqual({ ok: false, fieldErrors: { operationTimeoutMs: 'Enter a whole number of milliseconds from 1000 to 600000.' } });
  });

  it('takes a DN, a user principal name and a down-level logon name as the bind name, unchanged', () => {
    for (const bindDn of ['cn=idm-sync,ou=services,dc=example,dc=com', 'cn=Sync\\, IdM,ou=services,dc=example,dc=com', 'idm-sync@acme.test', 'ACME\\idm-sync']) {
      expect(parseLdapSettingsForm({ ...valid, bindDn }), bindDn).toMatchObject({ ok: true, input: { bindDn } });
    }
    expect(parseLdapSettingsForm({ ...valid, bindDn: '  idm-sync@acme.test ' })).toMatchObject({ ok: true, input: { bindDn: 'idm-sync@acme.test' } });
  });

  it('refuses other bind names with a message that names the three forms', () => {
    for (const bindDn of ['idm-sync', 'idm sync@acme.test', 'ACME\\', 'cn=Smith, John,dc=example,dc=com', 'EXTERNAL']) {
      const parsed = parseLdapSettingsForm({ ...valid, bindDn });
      expect(parsed.ok, bindDn).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.fieldErrors.bindDn).toBe(
        'The bind name must be a distinguished name (cn=idm-sync,ou=services,dc=example,dc=com) or, for Active Directory and Samba, a user principal name (idm-sync@acme.test) or a down-level logon name (ACME\\idm-sync).',
      );
    }
    expect(parseLdapSettingsForm({ ...valid, bindDn: ' ' })).toMatchObject({ ok: false, fieldErrors: { bindDn: expect.stringContaining('Enter the bind DN or user name') } });
  });

  it('takes a base DN with an escaped comma, and no user name as a base DN', () => {
    expect(parseLdapSettingsForm({ ...valid, baseDn: 'ou=Sales\\, EMEA,dc=example,dc=com' })).toMatchObject({ ok: true });
    expect(parseLdapSettingsForm({ ...valid, baseDn: 'idm-sync@acme.test' })).toMatchObject({ ok: false, fieldErrors: { baseDn: expect.stringContaining('distinguished name') } });
  });

  it('needs at least one URL', () => {
    expect(parseLdapSettingsForm({ ...valid, urls: '  ' })).toMatchObject({ ok: false, fieldErrors: { urls: expect.stringContaining('at least one URL') } });
  });
});
