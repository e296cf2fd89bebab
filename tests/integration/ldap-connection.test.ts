import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLdap, type LdapConnectionSettings } from '@/lib/ldap/connection';
import { checkConnection } from '@/lib/ldap-settings/connection-check';
import { resolveJobOptions } from '@/lib/sync/job-options';
import { freePort } from '@/scripts/services/ports';
import { startSlapd, type SlapdService } from '@/scripts/services/slapd';
import { peopleLdif, slapdSettings } from '../fixtures/sync-environment';

// The LDAP connection against a real slapd: "test connection" as the admin UI uses it, and TLS
// (ldaps:// and StartTLS) with a CA generated here, trusted or not.
const BASE = 'dc=example,dc=com';
const LOCKED = 12;
const people = [
  ...Array.from({ length: LOCKED }, (_, i) => ({ uid: `locked${String(i).padStart(2, '0')}`, sn: `Locked ${i}`, givenName: 'Lou', locked: true })),
  { uid: 'open1', sn: 'Open' },
  { uid: 'open2', sn: 'Open' },
];

const root = path.resolve('.test-data', `ldap-connection-${process.pid}`);
let slapd: SlapdService;
let trustedCa: string;
let otherCa: string;

/** A CA and a server certificate for 127.0.0.1 signed by it, plus an unrelated CA. */
function makeCertificates(dir: string) {
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=IdM test ${ca}`);
  }
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return { certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key') };
}

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  const tls = makeCertificates(path.join(root, 'tls'));
  trustedCa = readFileSync(path.join(root, 'tls', 'ca.pem'), 'utf8');
  otherCa = readFileSync(path.join(root, 'tls', 'other-ca.pem'), 'utf8');
  const [port, ldapsPort] = [await freePort(), await freePort()];
  slapd = await startSlapd({ dataDir: path.join(root, 'slapd'), port, ldif: peopleLdif(BASE, people), tls: { ...tls, ldapsPort } });
});
afterAll(async () => {
  await slapd?.stop();
  rmSync(root, { recursive: true, force: true });
});

function settings(overrides: Partial<LdapConnectionSettings> = {}): LdapConnectionSettings {
  return slapdSettings(slapd, BASE, overrides);
}

const inactiveJob = resolveJobOptions('inactive-ldap-users', { pageSize: 5 });

describe('checkConnection', () => {
  it('binds, counts what the job filter matches and shows the first ten as the job maps them', async () => {
    const result = await checkConnection(settings(), inactiveJob);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.url).toBe(slapd.url);
    expect(result.matched).toBe(LOCKED); // over three pages of 5
    expect(result.entries).toHaveLength(10);
    for (const entry of result.entries) {
      if (!entry.ok) throw new Error(entry.reason);
      expect(entry.person.username).toMatch(/^locked\d\d$/);
      expect(entry.person.externalId).toMatch(/^[0-9a-f-]{36}$/);
      expect(entry.person.givenName).toBe('Lou');
    }
  });

  it('tries the URLs in order and reports the one that answered', async () => {
    const result = await checkConnection(settings({ urls: ['ldap://127.0.0.1:1', slapd.url] }), inactiveJob);
    expect(result).toMatchObject({ ok: true, url: slapd.url, matched: LOCKED });
  });

  it('reports a wrong bind password', async () => {
    const result = await checkConnection(settings({ bindPassword: 'wrong' }), inactiveJob);
    expect(result).toMatchObject({ ok: false, error: { code: 'LDAP_INVALID_CREDENTIALS' } });
    if (!result.ok) expect(result.error.message).toContain('rejected the bind DN or password');
  });

  it('reports an unreachable server with the URL and the cause', async () => {
    const result = await checkConnection(settings({ urls: ['ldap://127.0.0.1:1'] }), inactiveJob);
    expect(result).toMatchObject({ ok: false, error: { code: 'LDAP_UNREACHABLE' } });
    if (!result.ok) expect(result.error.message).toContain('ldap://127.0.0.1:1 (ECONNREFUSED');
  });

  it('reports a filter syntax error without contacting the directory', async () => {
    const result = await checkConnection(settings({ urls: ['ldap://127.0.0.1:1'] }), { ...inactiveJob, filter: '(&(uid=a)' });
    expect(result).toMatchObject({ ok: false, error: { code: 'LDAP_FILTER_SYNTAX' } });
    if (!result.ok) expect(result.error.message).toContain('(&(uid=a)');
  });

  it('reports a base DN that does not exist', async () => {
    const result = await checkConnection(settings({ baseDn: 'ou=nowhere,dc=example,dc=com' }), inactiveJob);
    expect(result).toMatchObject({ ok: false, error: { code: 'LDAP_NO_SUCH_BASE_DN' } });
  });
});

describe('TLS', () => {
  it('accepts the custom CA on ldaps://', async () => {
    const result = await checkConnection(settings({ urls: [slapd.ldapsUrl!], tlsCaCertificate: trustedCa }), inactiveJob);
    expect(result).toMatchObject({ ok: true, url: slapd.ldapsUrl, matched: LOCKED });
  });

  it('accepts the custom CA with StartTLS on ldap://', async () => {
    const connection = await connectLdap(settings({ startTls: true, tlsCaCertificate: trustedCa }));
    try {
      // The bind went over TLS: a whoami on the same connection proves the session is usable.
      expect((await connection.client.exop('1.3.6.1.4.1.4203.1.11.3')).value).toBe(`dn:${slapd.syncDn}`);
    } finally {
      await connection.close();
    }
  });

  it('fails with a TLS error naming the URL when the server certificate is not from the configured CA', async () => {
    for (const s of [settings({ urls: [slapd.ldapsUrl!], tlsCaCertificate: otherCa }), settings({ startTls: true, tlsCaCertificate: otherCa })]) {
      const result = await checkConnection(s, inactiveJob);
      expect(result).toMatchObject({ ok: false, error: { code: 'LDAP_TLS_FAILURE' } });
      if (!result.ok) {
        expect(result.error.message).toContain(`TLS with ${s.urls[0]} failed`);
        expect(result.error.message).toMatch(/certificate/i);
        expect(result.error.message).toContain('CA certificate');
      }
    }
  });

  it('fails without a CA when the system does not trust the server certificate', async () => {
    const result = await checkConnection(settings({ urls: [slapd.ldapsUrl!] }), inactiveJob);
    expect(result).toMatchObject({ ok: false, error: { code: 'LDAP_TLS_FAILURE' } });
  });
});
