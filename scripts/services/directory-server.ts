import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { killProcessGroup, startServerGroup, stopProcessGroup } from './process-group';
import type { TestCertificates } from './test-certificates';

const execFileAsync = promisify(execFile);

// A private 389 Directory Server instance for the tests. 389-DS keeps an instance in fixed
// system folders (/etc/dirsrv/slapd-NAME, /var/lib/dirsrv/slapd-NAME, /var/log/dirsrv/slapd-NAME,
// /run/dirsrv, /run/lock/dirsrv), so the name is unique per process and stop() removes all of
// them. `dscreate` needs systemd, which these machines lack: the same installer runs through
// lib389 with its systemd switch off, and the server runs in the foreground as our child.

const NS_SLAPD = '/usr/sbin/ns-slapd';
// lib389 belongs to Debian's python3, whatever python3 comes first on PATH.
const PYTHON = '/usr/bin/python3';
const ENV = { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}` };
const INSTANCE_PREFIX = 'idmtest-';

export type DirectoryServerService = {
  instanceName: string;
  /** ldap://127.0.0.1:port (StartTLS too when started with `tls`). */
  url: string;
  /** ldaps://127.0.0.1:ldapsPort when started with `tls`. */
  ldapsUrl: string | null;
  port: number;
  ldapsPort: number | null;
  baseDn: string;
  rootDn: string;
  rootPassword: string;
  /** The account the sync binds as (ou=services): read access to the suffix, 389's default limits. */
  syncDn: string;
  syncPassword: string;
  /** ldapmodify as Directory Manager (changetype records, or plain entries with `add`). */
  ldapModify: (ldif: string, options?: { add?: boolean }) => Promise<void>;
  /** dsidm against this instance as Directory Manager, e.g. dsidm('account', 'lock', dn); returns stdout. */
  dsidm: (...args: string[]) => Promise<string>;
  /** Stops the server and removes every folder and file of the instance. */
  stop: () => Promise<void>;
};

export type DirectoryServerOptions = {
  /** Our own folder for the installer's files and the certificates (removed on stop). */
  dataDir: string;
  port: number;
  baseDn?: string;
  /** Entries below the base (LDIF), added after start. */
  ldif?: string;
  /**
   * Entries added before anything else while the entryuuid plugin is off, then the plugin is
   * switched on: such entries have no entryUUID, as on a server upgraded from a version before
   * the plugin (every entry still has nsUniqueId).
   */
  ldifWithoutEntryUuid?: string;
  /** LDAPS on ldapsPort and StartTLS on port, with this CA's server certificate. */
  tls?: { certificates: TestCertificates; ldapsPort: number };
  log?: (line: string) => void;
};

const ROOT_DN = 'cn=Directory Manager';
const ROOT_PASSWORD = 'directory-manager-secret';
const SYNC_PASSWORD = 'sync-secret';
let instances = 0;

export function canRunDirectoryServer(): boolean {
  return process.getuid?.() === 0;
}

/** Every folder and file 389-DS keeps for an instance. */
function instancePaths(name: string): string[] {
  return [
    `/etc/dirsrv/slapd-${name}`,
    `/var/lib/dirsrv/slapd-${name}`,
    `/var/log/dirsrv/slapd-${name}`,
    `/run/lock/dirsrv/slapd-${name}`,
    `/run/dirsrv/slapd-${name}.pid`,
    `/run/dirsrv/slapd-${name}.stats`,
    `/run/slapd-${name}.socket`,
    `/dev/shm/sem.slapd-${name}.stats`,
  ];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Instances of test processes that died without stopping theirs: their server is killed, their folders removed. */
function removeAbandonedInstances(): void {
  if (!existsSync('/etc/dirsrv')) return;
  for (const entry of readdirSync('/etc/dirsrv')) {
    const m = new RegExp(`^slapd-(${INSTANCE_PREFIX}(\\d+)-\\d+)$`).exec(entry);
    if (!m || isAlive(Number(m[2]))) continue;
    const name = m[1]!;
    try {
      const pid = Number(readFileSync(`/run/dirsrv/slapd-${name}.pid`, 'utf8'));
      // Only if that pid is still the instance's server (a pid is reused once its process is gone).
      if (pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`slapd-${name}`)) process.kill(pid, 'SIGKILL');
    } catch {
      // not running
    }
    for (const p of instancePaths(name)) rmSync(p, { recursive: true, force: true });
  }
}

export async function startDirectoryServer(options: DirectoryServerOptions): Promise<DirectoryServerService> {
  if (!canRunDirectoryServer()) throw new Error('A 389 Directory Server instance needs root (its installer writes /etc/dirsrv and runs the server as dirsrv).');
  for (const binary of [NS_SLAPD, PYTHON, '/usr/sbin/dsidm']) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: install Debian's 389-ds-base and python3-lib389 (see .ci/run).`);
  }
  removeAbandonedInstances();
  const name = `${INSTANCE_PREFIX}${process.pid}-${++instances}`;
  const baseDn = options.baseDn ?? 'dc=example,dc=com';
  const dataDir = path.resolve(options.dataDir);
  const syncDn = `uid=idm-sync,ou=services,${baseDn}`;
  const url = `ldap://127.0.0.1:${options.port}`;
  const pidFile = `/run/dirsrv/slapd-${name}.pid`;
  let child: ChildProcess | null = null;
  const onExit = () => {
    if (child?.pid) killProcessGroup(child.pid);
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (child?.pid) await stopProcessGroup(child.pid, `389 Directory Server ${name}`);
    child = null;
    for (const p of instancePaths(name)) rmSync(p, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };

  const run = async (command: string, args: string[], what: string, input?: string) => {
    try {
      return await runCommand(command, args, input);
    } catch (error) {
      throw new Error(`${what} failed: ${(error as Error).message}`);
    }
  };
  const rootArgs = ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PASSWORD];
  const ldapModify = async (ldif: string, o: { add?: boolean } = {}) => {
    await run('ldapmodify', [...rootArgs, ...(o.add ? ['-a'] : [])], 'ldapmodify on 389 Directory Server', ldif);
  };

  try {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const infPath = path.join(dataDir, 'instance.inf');
    const scriptPath = path.join(dataDir, 'create-instance.py');
    writeFileSync(
      infPath,
      `[general]
systemd = False
start = False
full_machine_name = localhost
[slapd]
instance_name = ${name}
port = ${options.port}
secure_port = ${options.tls?.ldapsPort ?? 636}
root_dn = ${ROOT_DN}
root_password = ${ROOT_PASSWORD}
self_sign_cert = False
[backend-userroot]
suffix = ${baseDn}
create_suffix_entry = True
`,
    );
    writeFileSync(scriptPath, CREATE_INSTANCE_PY);
    const tls = options.tls;
    await run(
      PYTHON,
      [
        scriptPath,
        JSON.stringify({
          inf: infPath,
          name,
          entryuuid: !options.ldifWithoutEntryUuid,
          tls: tls ? { caFile: tls.certificates.caFile, p12File: tls.certificates.p12File, p12Password: tls.certificates.p12Password } : null,
        }),
      ],
      `Creating the 389 Directory Server instance ${name}`,
    );

    // -d 0 keeps ns-slapd in the foreground; its own process group so that stop() reaches it whatever it forks.
    await startServerGroup('ns-slapd', NS_SLAPD, ['-D', `/etc/dirsrv/slapd-${name}`, '-i', pidFile, '-d', '0'], {
      env: ENV,
      ports: tls ? [options.port, tls.ldapsPort] : [options.port],
      log: options.log,
      onSpawn: (started) => (child = started),
      moreOutput: () => readTail(`/var/log/dirsrv/slapd-${name}/errors`),
    });

    if (options.ldifWithoutEntryUuid) {
      await ldapModify(options.ldifWithoutEntryUuid, { add: true });
      // Dynamic plugins are on (create-instance.py): switching the plugin on needs no restart.
      await ldapModify('dn: cn=entryuuid,cn=plugins,cn=config\nchangetype: modify\nreplace: nsslapd-pluginEnabled\nnsslapd-pluginEnabled: on\n');
    }
    const ldif = options.ldif ?? '';
    const has = (dn: string) => new RegExp(`^dn:\\s*${dn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'im').test(ldif + '\n' + (options.ldifWithoutEntryUuid ?? ''));
    const base = [
      // 389's default ACIs let nobody read people: the sync account reads the suffix (on 389-DS 2.3
      // targetattr="*" covers the operational nsUniqueId, entryUUID and nsAccountLock too).
      `dn: ${baseDn}\nchangetype: modify\nadd: aci\naci: (targetattr="*")(version 3.0; acl "IdM sync reads the directory"; allow (read, search, compare) userdn="ldap:///${syncDn}";)\n`,
      ...(has(`ou=services,${baseDn}`) ? [] : [`dn: ou=services,${baseDn}\nchangetype: add\nobjectClass: organizationalUnit\nou: services\n`]),
      ...(has(`ou=people,${baseDn}`) ? [] : [`dn: ou=people,${baseDn}\nchangetype: add\nobjectClass: organizationalUnit\nou: people\n`]),
      `dn: ${syncDn}\nchangetype: add\nobjectClass: account\nobjectClass: simpleSecurityObject\nuid: idm-sync\nuserPassword: ${SYNC_PASSWORD}\n`,
    ];
    await ldapModify(base.join('\n'));
    if (ldif.trim()) await ldapModify(ldif, { add: true });

    return {
      instanceName: name,
      url,
      ldapsUrl: tls ? `ldaps://127.0.0.1:${tls.ldapsPort}` : null,
      port: options.port,
      ldapsPort: tls?.ldapsPort ?? null,
      baseDn,
      rootDn: ROOT_DN,
      rootPassword: ROOT_PASSWORD,
      syncDn,
      syncPassword: SYNC_PASSWORD,
      ldapModify,
      dsidm: (...args) => run('dsidm', [url, '-D', ROOT_DN, '-w', ROOT_PASSWORD, '-b', baseDn, ...args], `dsidm ${args.join(' ')}`),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

function readTail(file: string): string {
  try {
    return '\n' + readFileSync(file, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '';
  }
}

function runCommand(command: string, args: string[], input?: string): Promise<string> {
  if (input === undefined) {
    return execFileAsync(command, args, { env: ENV, maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => r.stdout,
      (error: { stderr?: string; stdout?: string }) => {
        throw new Error((error.stderr || error.stdout || String(error)).trim().split('\n').slice(-15).join('\n'));
      },
    );
  }
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: ENV });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => {
      if (stdout.length < 1_000_000) stdout += c;
    });
    p.stderr.setEncoding('utf8').on('data', (c: string) => {
      if (stderr.length < 16_384) stderr += c;
    });
    p.once('error', reject);
    p.once('exit', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`exit ${code}: ${(stderr || stdout.split('\n').slice(-6).join('\n')).trim()}`));
    });
    p.stdin.end(input);
  });
}

// The installer of `dscreate from-file`, run through lib389 with systemd off (dscreate itself
// fails without systemd). Before the installer's first start, the server is told to listen on
// 127.0.0.1 only (it listens on every interface by default); the installer ends with the server
// stopped. Then, offline: dynamic plugins on, the entryuuid plugin as asked, and TLS (the test
// CA trusted, the server certificate and key imported into the instance's NSS database).
const CREATE_INSTANCE_PY = `import json, logging, subprocess, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from lib389 import DirSrv
from lib389.instance.setup import SetupDs

args = json.loads(sys.argv[1])
name = args['name']
config_dir = '/etc/dirsrv/slapd-' + name
dse_path = config_dir + '/dse.ldif'

def edit_entry(dn, change):
    """Rewrites the lines of one entry of dse.ldif (the server must not be running)."""
    with open(dse_path) as f:
        entries = f.read().split('\\n\\n')
    for i, entry in enumerate(entries):
        lines = entry.split('\\n')
        at = next((j for j, line in enumerate(lines) if line.lower() == 'dn: ' + dn.lower()), None)
        if at is not None:
            entries[i] = '\\n'.join(change(lines, at))
    with open(dse_path, 'w') as f:
        f.write('\\n\\n'.join(entries))

def add_lines(new):
    return lambda lines, at: lines[:at + 1] + new + lines[at + 1:]

DirSrv.with_systemd = lambda self: False
original_start = DirSrv.start
def start(self, *a, **k):
    with open(dse_path) as f:
        text = f.read()
    if 'nsslapd-listenhost' not in text:
        edit_entry('cn=config', add_lines(['nsslapd-listenhost: 127.0.0.1', 'nsslapd-securelistenhost: 127.0.0.1']))
    return original_start(self, *a, **k)
DirSrv.start = start

if not SetupDs(verbose=False, dryrun=False, log=logging.getLogger('dirsrv-test')).create_from_inf(args['inf']):
    sys.exit('the installer failed')

config = ['nsslapd-dynamic-plugins: on']
if args['tls']:
    config.append('nsslapd-security: on')
edit_entry('cn=config', add_lines(config))
if not args['entryuuid']:
    edit_entry('cn=entryuuid,cn=plugins,cn=config', lambda lines, at: [l.replace('nsslapd-pluginEnabled: on', 'nsslapd-pluginEnabled: off') for l in lines])

tls = args['tls']
if tls:
    pwd = config_dir + '/pwdfile.txt'
    subprocess.run(['certutil', '-A', '-d', 'sql:' + config_dir, '-f', pwd, '-n', 'IdM test CA', '-t', 'CT,,', '-a', '-i', tls['caFile']], check=True)
    subprocess.run(['pk12util', '-i', tls['p12File'], '-d', 'sql:' + config_dir, '-k', pwd, '-W', tls['p12Password']], check=True, stdout=subprocess.DEVNULL)
`;
