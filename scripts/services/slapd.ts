import { spawn, execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitForPort } from './ports';

const execFileAsync = promisify(execFile);

// slapd and slapadd live in /usr/sbin, which is not on a normal user's PATH (root's has it, so CI
// alone would not notice): every caller, the tests as much as the demo, finds them there.
const SBIN_ENV = {
  ...process.env,
  PATH: (process.env.PATH ?? '').split(':').includes('/usr/sbin') ? process.env.PATH : `${process.env.PATH ?? ''}:/usr/sbin`,
};

export type SlapdService = {
  url: string;
  /** ldaps://127.0.0.1:port when started with `tls`. */
  ldapsUrl: string | null;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  /** Read-only account the sync binds with (no size limit on paged searches). */
  syncDn: string;
  syncPassword: string;
  /** slapd's process id: the benchmark reads its CPU. */
  pid: number;
  stop: () => Promise<void>;
};

type Options = {
  /** Folder of the instance: slapd.conf, the mdb database, pid file. Reused when it already holds a database. */
  dataDir: string;
  port: number;
  baseDn?: string;
  /** Entries below the base (LDIF text), loaded with slapadd -q before the first start. */
  ldif?: string;
  /** Like ldif, from a file (large generated directories); the file must not repeat ou=people/ou=services. */
  ldifPath?: string;
  log?: (line: string) => void;
  /** PEM files of the server's certificate and key: StartTLS on ldap:// and a second listener on ldaps://. */
  tls?: { certFile: string; keyFile: string; ldapsPort: number };
  /** DN of a pwdPolicy entry (in the LDIF) the ppolicy overlay applies to every account: failed binds then lock. */
  ppolicyDefault?: string;
};

const ADMIN_PASSWORD = 'admin-secret';
const SYNC_PASSWORD = 'sync-secret';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';

/**
 * A private OpenLDAP slapd on 127.0.0.1:port (never the system service): mdb backend, the
 * core/cosine/inetorgperson/nis schemas and the ppolicy overlay (configured before slapadd so
 * that pwdAccountLockedTime is a known attribute when the fixture is loaded).
 */
export async function startSlapd(options: Options): Promise<SlapdService> {
  const dataDir = path.resolve(options.dataDir);
  const baseDn = options.baseDn ?? 'dc=example,dc=com';
  const adminDn = `cn=admin,${baseDn}`;
  const syncDn = `cn=idm-sync,ou=services,${baseDn}`;
  const dbDir = path.join(dataDir, 'db');
  const confPath = path.join(dataDir, 'slapd.conf');
  mkdirSync(dbDir, { recursive: true, mode: 0o700 });
  // Both files hold passwords (rootpw, the sync account's): readable by this user only.
  writeFileSync(confPath, slapdConf({ dataDir, dbDir, baseDn, adminDn, syncDn, tls: options.tls, ppolicyDefault: options.ppolicyDefault }), { mode: 0o600 });
  chmodSync(confPath, 0o600);

  if (!existsSync(path.join(dbDir, 'data.mdb'))) {
    const ldifPath = path.join(dataDir, 'initial.ldif');
    writeFileSync(ldifPath, baseEntries(baseDn, syncDn, options.ldif ?? '') + '\n' + (options.ldif ?? ''), { mode: 0o600 });
    chmodSync(ldifPath, 0o600);
    try {
      await execFileAsync('slapadd', ['-q', '-f', confPath, '-l', ldifPath], { maxBuffer: 16 * 1024 * 1024, env: SBIN_ENV });
      if (options.ldifPath) await execFileAsync('slapadd', ['-q', '-f', confPath, '-l', options.ldifPath], { maxBuffer: 16 * 1024 * 1024, env: SBIN_ENV });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`slapadd failed to load the directory: ${stderr.trim() || String(error)}`);
    }
  }

  const url = `ldap://127.0.0.1:${options.port}/`;
  const listeners = options.tls ? `${url} ldaps://127.0.0.1:${options.tls.ldapsPort}/` : url;
  // -d keeps slapd in the foreground so that it is our child and dies with stop().
  const child = spawn('slapd', ['-f', confPath, '-h', listeners, '-d', options.log ? 'stats' : '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: SBIN_ENV,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 8192) stderr += chunk;
    if (options.log) for (const line of chunk.split('\n')) if (line) options.log(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await Promise.race([
      Promise.all([waitForPort(options.port, 15_000), options.tls ? waitForPort(options.tls.ldapsPort, 15_000) : null]),
      exited.then((code) => {
        throw new Error(`slapd exited (code ${code}) before listening: ${stderr.trim()}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  let stopped = false;
  return {
    url: `ldap://127.0.0.1:${options.port}`,
    ldapsUrl: options.tls ? `ldaps://127.0.0.1:${options.tls.ldapsPort}` : null,
    baseDn,
    adminDn,
    adminPassword: ADMIN_PASSWORD,
    syncDn,
    syncPassword: SYNC_PASSWORD,
    pid: child.pid!,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function slapdConf(p: { dataDir: string; dbDir: string; baseDn: string; adminDn: string; syncDn: string; tls?: { certFile: string; keyFile: string }; ppolicyDefault?: string }): string {
  const tls = p.tls ? `TLSCertificateFile ${p.tls.certFile}\nTLSCertificateKeyFile ${p.tls.keyFile}\n` : '';
  return `# Generated by scripts/services/slapd.ts: a private test/demo directory.
include ${SCHEMA_DIR}/core.schema
include ${SCHEMA_DIR}/cosine.schema
include ${SCHEMA_DIR}/inetorgperson.schema
include ${SCHEMA_DIR}/nis.schema
modulepath ${MODULE_DIR}
moduleload back_mdb
moduleload ppolicy
pidfile ${p.dataDir}/slapd.pid
argsfile ${p.dataDir}/slapd.args
sizelimit 500
${tls}
database mdb
maxsize 17179869184
suffix "${p.baseDn}"
rootdn "${p.adminDn}"
rootpw ${ADMIN_PASSWORD}
directory ${p.dbDir}
index objectClass eq
index uid eq
index entryUUID eq
index employeeType eq
index pwdAccountLockedTime pres
# Delta runs search (modifyTimestamp>=W): an ordered index keeps that a range read, not a scan.
index modifyTimestamp eq
# Without this a non-root bind stops at the global size limit even in a paged search.
limits dn.exact="${p.syncDn}" size.soft=unlimited size.hard=unlimited size.prtotal=unlimited time=unlimited
overlay ppolicy
${p.ppolicyDefault ? `ppolicy_default "${p.ppolicyDefault}"\n` : ''}access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none

# The server's clock (cn=Current,cn=Time,cn=Monitor): where a delta run's watermark comes from.
database monitor
access to dn.subtree="cn=Monitor" by users read by * none
`;
}

function baseEntries(baseDn: string, syncDn: string, ldif: string): string {
  const firstRdn = baseDn.split(',')[0] ?? baseDn;
  const [attr = '', value = ''] = firstRdn.split('=');
  const top =
    attr.toLowerCase() === 'dc'
      ? `dn: ${baseDn}\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\ndc: ${value}\no: ${value}\n`
      : `dn: ${baseDn}\nobjectClass: top\nobjectClass: organization\no: ${value}\n`;
  const entries = [top];
  // The caller's LDIF may bring its own organisational units.
  const has = (dn: string) => new RegExp(`^dn:\\s*${dn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'im').test(ldif);
  if (!has(`ou=people,${baseDn}`)) entries.push(`dn: ou=people,${baseDn}\nobjectClass: organizationalUnit\nou: people\n`);
  if (!has(`ou=services,${baseDn}`)) entries.push(`dn: ou=services,${baseDn}\nobjectClass: organizationalUnit\nou: services\n`);
  entries.push(
    `dn: ${syncDn}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: idm-sync\nuserPassword: ${SYNC_PASSWORD}\n`,
  );
  return entries.join('\n');
}
