import { createServer, type AddressInfo } from 'node:net';
import { Client } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { bindNameKind, isDistinguishedName } from './bind-name';

describe('bindNameKind', () => {
  it('recognises a DN, with spaces, escaped commas, multi-valued RDNs and OIDs', () => {
    for (const dn of [
      'cn=idm-sync,ou=services,dc=example,dc=com',
      'CN=IdM Sync,OU=Service Accounts,DC=acme,DC=test',
      'cn=Smith\\, John,ou=people,dc=example,dc=com',
      'cn=a+uid=b,dc=example,dc=com',
      '2.5.4.3=idm,dc=example',
      'cn="Smith, John",dc=example',
      'cn = idm , dc = example',
      'uid=ji\\C5\\99i,dc=example',
    ]) {
      expect(bindNameKind(dn), dn).toBe('dn');
    }
  });

  it('recognises a user principal name (AD, Samba)', () => {
    for (const upn of ['idm-sync@acme.test', 'IdM.Sync@corp.acme.example', 'svc_idm@ACME', ' idm-sync@acme.test ']) expect(bindNameKind(upn), upn).toBe('user-principal-name');
  });

  it('recognises a down-level logon name (AD, Samba)', () => {
    for (const name of ['ACME\\idm-sync', 'acme\\svc.idm', 'CORP-01\\IdM Sync', 'ACME\\idm_sync$']) expect(bindNameKind(name), name).toBe('down-level-logon-name');
  });

  it('refuses anything else', () => {
    for (const junk of [
      '',
      '   ',
      'nobody',
      // A bare word such as a SASL mechanism name would make ldapts attempt a SASL bind.
      'EXTERNAL',
      'PLAIN',
      'cn=',
      '=admin',
      'cn=a,,dc=x',
      'cn=Smith, John,dc=example',
      'cn=a\\',
      'idm-sync@',
      '@acme.test',
      'idm sync@acme.test',
      'idm-sync@acme..test',
      'idm-sync@-acme.test',
      'a@b@c',
      'ACME\\',
      '\\idm-sync',
      'ACME\\idm\\sync',
      'ACME\\idm@sync',
      'A VERY LONG NETBIOS NAME\\idm',
      'ACME\\' + 'x'.repeat(105),
      'ldap://dc1.acme.test',
    ]) {
      expect(bindNameKind(junk), junk).toBeNull();
    }
  });
});

describe('isDistinguishedName', () => {
  it('accepts escaped commas in a value and refuses unescaped ones', () => {
    expect(isDistinguishedName('ou=Smith\\, John,dc=example,dc=com')).toBe(true);
    expect(isDistinguishedName('ou=Smith, John,dc=example,dc=com')).toBe(false);
  });
});

describe('ldapts simple bind', () => {
  // What goes on the wire, read from a socket that answers every bind with success: the name the
  // administrator typed must reach the server byte for byte (AD parses UPNs and DOMAIN\\user itself).
  it('sends a DN, a UPN and DOMAIN\\user unchanged', async () => {
    const received: Buffer[] = [];
    const server = createServer((socket) => {
      socket.on('data', (data) => {
        received.push(data);
        // The reply to an LDAPMessage whose id is at data[4]: BindResponse, resultCode success.
        if (data[5] === 0x60) socket.write(Buffer.from([0x30, 0x0c, 0x02, 0x01, data[4]!, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const name of ['cn=Sync\\, IdM,ou=services,dc=example,dc=com', 'idm-sync@acme.test', 'ACME\\idm-sync']) {
        expect(bindNameKind(name)).not.toBeNull();
        received.length = 0;
        const client = new Client({ url: `ldap://127.0.0.1:${port}`, timeout: 5_000, connectTimeout: 5_000 });
        await client.bind(name, 'secret');
        await client.unbind().catch(() => undefined);
        const bytes = Buffer.from(name, 'utf8');
        const onTheWire = Buffer.concat([Buffer.from([0x04, bytes.length]), bytes]);
        expect(Buffer.concat(received).includes(onTheWire), name).toBe(true);
      }
    } finally {
      server.close();
    }
  });
});
