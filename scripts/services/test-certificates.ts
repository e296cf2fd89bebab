import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** PEM files (and their text) of a test CA, a server certificate it signed, and an unrelated CA. */
export type TestCertificates = {
  /** The CA that signed the server certificate: the one to trust. */
  caFile: string;
  caPem: string;
  /** A CA that signed nothing the servers present: trusting it alone must fail. */
  otherCaFile: string;
  otherCaPem: string;
  /** Server certificate (PEM) and its unencrypted key (PEM, mode 0600). */
  certFile: string;
  keyFile: string;
  /** The server certificate, key and CA as PKCS#12, for NSS (389 Directory Server); password in p12Password. */
  p12File: string;
  p12Password: string;
  /** The names the server certificate holds (subjectAltName DNS names). */
  serverNames: string[];
};

/**
 * Generates, with openssl, a CA and a server certificate signed by it for `serverNames` (DNS
 * names only: by default "localhost", so that a connection to ldaps://127.0.0.1 is refused by
 * hostname verification while ldaps://localhost is accepted), plus a second, unrelated CA.
 * Valid for two days; everything lives in `dir`.
 */
export function makeTestCertificates(dir: string, serverNames: string[] = ['localhost']): TestCertificates {
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/O=IdM tests/CN=IdM test ${ca}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  }
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/O=IdM tests/CN=${serverNames[0]}`);
  writeFileSync(
    path.join(dir, 'server.ext'),
    `subjectAltName = ${serverNames.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage = serverAuth\nkeyUsage = critical,digitalSignature,keyEncipherment\n`,
  );
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  const p12Password = 'idm-test-p12';
  openssl('pkcs12', '-export', '-in', 'server.pem', '-inkey', 'server.key', '-certfile', 'ca.pem', '-name', 'Server-Cert', '-out', 'server.p12', '-passout', `pass:${p12Password}`);
  // Samba refuses a key file others can read.
  chmodSync(path.join(dir, 'server.key'), 0o600);
  const file = (name: string) => path.join(dir, name);
  return {
    caFile: file('ca.pem'),
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    otherCaFile: file('other-ca.pem'),
    otherCaPem: readFileSync(file('other-ca.pem'), 'utf8'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    p12File: file('server.p12'),
    p12Password,
    serverNames,
  };
}
