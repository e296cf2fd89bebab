import { describe, expect, it } from 'vitest';
import { withGlobalSettings } from './samba-ad';

describe('withGlobalSettings', () => {
  const conf = '# Global parameters\n[global]\n\tlog file = /var/log/samba/log.%m\n\tInterfaces = eth0\n\trealm = ACME.TEST\n\n[sysvol]\n\tpath = /x\n\tlog file = stays\n';

  it('replaces the keys given in [global] (any case, any spacing), keeps the rest and other sections', () => {
    const out = withGlobalSettings(conf, { interfaces: 'lo', 'log file': '/data/log/%m.log', 'ldap server require strong auth': 'no' });
    expect(out).toBe(
      '# Global parameters\n[global]\n\tinterfaces = lo\n\tlog file = /data/log/%m.log\n\tldap server require strong auth = no\n\trealm = ACME.TEST\n\n[sysvol]\n\tpath = /x\n\tlog file = stays\n',
    );
  });

  it('refuses a configuration without [global]', () => {
    expect(() => withGlobalSettings('[homes]\n', { interfaces: 'lo' })).toThrow('no [global] section');
  });
});
