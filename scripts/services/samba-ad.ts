import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { killProcessGroup, processGroupMembers, startServerGroup, stopProcessGroup } from './process-group';

const execFileAsync = promisify(execFile);

// A private Samba Active Directory domain controller for the tests: provisioned into its own
// folder, LDAP only, on the loopback interface. Samba's LDAP server has no port option: it
// listens on 127.0.0.1:389 (and 636 for LDAPS), so only one can run on a machine at a time. A
// lock file in the system's temporary folder says which process holds them.

export const SAMBA_AD_PORTS = { ldap: 389, ldaps: 636 } as const;
// A fixed path, not os.tmpdir(): the ports are the machine's, whatever TMPDIR a process has.
export const SAMBA_AD_LOCK_FILE = '/tmp/idm-test-samba-ad.lock';

const SAMBA = '/usr/sbin/samba';
const SAMBA_TOOL = '/usr/bin/samba-tool';
// Samba's Python modules belong to Debian's python3, whatever python3 comes first on PATH.
const PYTHON = '/usr/bin/python3';
const ENV = { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}` };

export type SambaAdService = {
  /** ldap://127.0.0.1:389 */
  url: string;
  /** ldaps://127.0.0.1:636 when started with `tls`. */
  ldapsUrl: string | null;
  realm: string;
  domain: string;
  /** DC=acme,DC=test for realm ACME.TEST. */
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  /** An ordinary domain user the sync binds as (OU=Services): no privileges beyond reading. */
  syncDn: string;
  syncPassword: string;
  smbConf: string;
  /** Adds entries (LDIF) in one transaction straight into the DC's database: Samba's fastest way (~5 ms a user). */
  addLdif: (ldif: string) => Promise<void>;
  /** ldapmodify as the domain Administrator over LDAP (changetype records: modify, modrdn, delete, add). */
  ldapModify: (ldif: string) => Promise<void>;
  /** samba-tool on the DC's own database, e.g. sambaTool('user', 'disable', 'jdoe'); returns stdout. */
  sambaTool: (...args: string[]) => Promise<string>;
  /** Stops every process of the DC, removes its folder and releases the ports' lock. */
  stop: () => Promise<void>;
};

export type SambaAdOptions = {
  /** The DC's folder (removed first, and on stop). */
  dataDir: string;
  realm?: string;
  domain?: string;
  /** PEM files: LDAPS on 636 and StartTLS on 389 with this certificate instead of Samba's self-signed one. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** How long to wait for another test process's DC to stop (the lock). */
  lockTimeoutMs?: number;
  log?: (line: string) => void;
};

const ADMIN_PASSWORD = 'Admin-Secret-2026';
const SYNC_PASSWORD = 'Sync-Secret-2026';

/** True when the process could start a DC (Samba's DC and provisioning need root). */
export function canRunSambaAd(): boolean {
  return process.getuid?.() === 0;
}

export async function startSambaAd(options: SambaAdOptions): Promise<SambaAdService> {
  if (!canRunSambaAd()) throw new Error('A Samba AD DC needs root (samba refuses to run otherwise).');
  for (const binary of [SAMBA, SAMBA_TOOL, PYTHON]) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: install Debian's samba samba-ad-dc winbind krb5-user (see .ci/run).`);
  }
  const realm = (options.realm ?? 'ACME.TEST').toUpperCase();
  const domain = (options.domain ?? 'ACME').toUpperCase();
  const baseDn = realm.split('.').map((p) => `DC=${p.toLowerCase()}`).join(',');
  const dataDir = path.resolve(options.dataDir);
  const smbConf = path.join(dataDir, 'etc', 'smb.conf');
  const addScript = path.join(dataDir, 'add-ldif.py');

  const { release: releaseLock, recordServer } = await acquireLock(options.lockTimeoutMs ?? 150_000);
  let child: ChildProcess | null = null;
  // A test process that dies without stop() must not leave a DC holding the fixed ports.
  const onExit = () => {
    if (child?.pid) killProcessGroup(child.pid);
    releaseLock();
  };
  process.once('exit', onExit);

  const stop = async () => {
    process.removeListener('exit', onExit);
    if (child?.pid) await stopProcessGroup(child.pid, 'Samba AD DC');
    child = null;
    rmSync(dataDir, { recursive: true, force: true });
    releaseLock();
  };

  try {
    await assertPortFree(SAMBA_AD_PORTS.ldap);
    if (options.tls) await assertPortFree(SAMBA_AD_PORTS.ldaps);
    rmSync(dataDir, { recursive: true, force: true });
    for (const dir of ['run', 'log']) mkdirSync(path.join(dataDir, dir), { recursive: true });

    const settings: Record<string, string> = {
      interfaces: 'lo',
      'bind interfaces only': 'yes',
      // Simple binds over plain LDAP, as most LDAP clients (and this product) make them.
      'ldap server require strong auth': 'no',
      // The LDAP server alone: no SMB, DNS, Kerberos, NTP signing or replication to start.
      'server services': 'ldap',
      'prefork children': '2',
      // Everything Samba writes stays in the data folder (the defaults are /run/samba, /var/log/samba ...).
      'pid directory': path.join(dataDir, 'run'),
      'ncalrpc dir': path.join(dataDir, 'run', 'ncalrpc'),
      'winbindd socket directory': path.join(dataDir, 'run', 'winbindd'),
      'ntp signd socket directory': path.join(dataDir, 'run', 'ntp_signd'),
      'log file': path.join(dataDir, 'log', '%m.log'),
      'tls enabled': options.tls ? 'yes' : 'no',
      ...(options.tls ? { 'tls keyfile': options.tls.keyFile, 'tls certfile': options.tls.certFile, 'tls cafile': options.tls.caFile } : {}),
    };
    try {
      await execFileAsync(
        SAMBA_TOOL,
        [
          'domain', 'provision', '--use-rfc2307', '--server-role=dc', '--dns-backend=SAMBA_INTERNAL',
          `--realm=${realm}`, `--domain=${domain}`, `--adminpass=${ADMIN_PASSWORD}`, `--targetdir=${dataDir}`, '--host-name=dc1',
          ...['interfaces', 'bind interfaces only', 'log file'].map((k) => `--option=${k} = ${settings[k]}`),
        ],
        { env: ENV, maxBuffer: 64 * 1024 * 1024 },
      );
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string };
      throw new Error(`samba-tool domain provision failed: ${(e.stderr || e.stdout || String(error)).trim().split('\n').slice(-15).join('\n')}`);
    }
    // Provisioning writes only some of the options it is given: set them all in [global] here.
    writeFileSync(smbConf, withGlobalSettings(readFileSync(smbConf, 'utf8'), settings));

    writeFileSync(addScript, ADD_LDIF_PY);
    const addLdif = async (ldif: string) => {
      await runWithInput(PYTHON, [addScript, smbConf], ldif, 'Adding entries to the Samba AD DC');
    };
    const syncDn = `CN=idm-sync,OU=Services,${baseDn}`;
    await addLdif(
      `dn: OU=Services,${baseDn}\nobjectClass: organizationalUnit\n\n` +
        `dn: ${syncDn}\nobjectClass: user\nsAMAccountName: idm-sync\n` +
        // NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD; the password as AD stores it: quoted, UTF-16LE.
        `userAccountControl: 66048\nunicodePwd:: ${Buffer.from(`"${SYNC_PASSWORD}"`, 'utf16le').toString('base64')}\n`,
    );

    // Its own process group (detached), so that stop() reaches the pre-forked workers too.
    await startServerGroup('samba', SAMBA, ['-s', smbConf, '--foreground', '--no-process-group', '--debug-stdout'], {
      env: ENV,
      ports: options.tls ? [SAMBA_AD_PORTS.ldap, SAMBA_AD_PORTS.ldaps] : [SAMBA_AD_PORTS.ldap],
      log: options.log,
      onSpawn: (started) => {
        child = started;
        if (started.pid) recordServer(started.pid);
      },
    });

    return {
      url: `ldap://127.0.0.1:${SAMBA_AD_PORTS.ldap}`,
      ldapsUrl: options.tls ? `ldaps://127.0.0.1:${SAMBA_AD_PORTS.ldaps}` : null,
      realm,
      domain,
      baseDn,
      adminDn: `CN=Administrator,CN=Users,${baseDn}`,
      adminPassword: ADMIN_PASSWORD,
      syncDn,
      syncPassword: SYNC_PASSWORD,
      smbConf,
      addLdif,
      ldapModify: async (ldif) => {
        await runWithInput('ldapmodify', ['-x', '-H', `ldap://127.0.0.1:${SAMBA_AD_PORTS.ldap}`, '-D', `CN=Administrator,CN=Users,${baseDn}`, '-w', ADMIN_PASSWORD], ldif, 'ldapmodify on the Samba AD DC');
      },
      sambaTool: async (...args) => {
        try {
          const { stdout } = await execFileAsync(SAMBA_TOOL, [...args, '-s', smbConf], { env: ENV, maxBuffer: 16 * 1024 * 1024 });
          return stdout;
        } catch (error) {
          const e = error as { stderr?: string };
          throw new Error(`samba-tool ${args.join(' ')} failed: ${(e.stderr ?? String(error)).trim()}`);
        }
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

// Adds the LDIF on stdin to the DC's sam.ldb as the system (what samba-tool does on a DC), in one transaction.
const ADD_LDIF_PY = `import sys
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
db.transaction_start()
try:
    db.add_ldif(sys.stdin.read())
except BaseException:
    db.transaction_cancel()
    raise
db.transaction_commit()
`;

/** smb.conf with `settings` in its [global] section, replacing any earlier value of the same keys. */
export function withGlobalSettings(conf: string, settings: Record<string, string>): string {
  const key = (line: string) => line.split('=')[0]!.trim().toLowerCase().replace(/\s+/g, ' ');
  const keys = new Set(Object.keys(settings).map((k) => k.toLowerCase()));
  const lines = conf.split('\n');
  let section = '';
  const kept = lines.filter((line) => {
    const header = /^\s*\[(.+)\]\s*$/.exec(line);
    if (header) section = header[1]!.toLowerCase();
    return !(section === 'global' && !header && line.includes('=') && keys.has(key(line)));
  });
  const at = kept.findIndex((line) => /^\s*\[global\]\s*$/i.test(line));
  if (at < 0) throw new Error('smb.conf has no [global] section');
  kept.splice(at + 1, 0, ...Object.entries(settings).map(([k, v]) => `\t${k} = ${v}`));
  return kept.join('\n');
}

function runWithInput(command: string, args: string[], input: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'], env: ENV });
    let stderr = '';
    p.stderr.setEncoding('utf8').on('data', (c: string) => {
      if (stderr.length < 16_384) stderr += c;
    });
    p.once('error', reject);
    p.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${what} failed (exit ${code}): ${stderr.trim().split('\n').slice(-6).join('\n')}`));
    });
    p.stdin.end(input);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The lock on the fixed ports: a file holding the pid of the test process whose DC runs, then the
 * DC's process group. A lock left by a process that died without stopping its DC (SIGKILL) is
 * taken over, and that DC is killed first.
 */
async function acquireLock(timeoutMs: number): Promise<{ release: () => void; recordServer: (pgid: number) => void }> {
  const deadline = Date.now() + timeoutMs;
  let released = false;
  const ours = () => {
    try {
      return Number(readFileSync(SAMBA_AD_LOCK_FILE, 'utf8').split(/\s+/)[0]) === process.pid;
    } catch {
      return false;
    }
  };
  const release = () => {
    if (released) return;
    released = true;
    if (ours()) rmSync(SAMBA_AD_LOCK_FILE, { force: true });
  };
  const recordServer = (pgid: number) => {
    if (ours()) writeFileSync(SAMBA_AD_LOCK_FILE, `${process.pid} ${pgid}\n`);
  };
  for (;;) {
    try {
      writeFileSync(SAMBA_AD_LOCK_FILE, `${process.pid}\n`, { flag: 'wx' });
      return { release, recordServer };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = NaN;
    let server = NaN;
    try {
      [holder, server] = readFileSync(SAMBA_AD_LOCK_FILE, 'utf8').trim().split(/\s+/).map(Number) as [number, number];
    } catch {
      continue; // removed in between
    }
    if (holder === process.pid) throw new Error('This process already runs a Samba AD DC of the tests: stop it before starting another.');
    if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
      // Left by a process that is gone: its DC may still hold the ports.
      if (Number.isInteger(server) && server > 0 && isSambaGroup(server)) await stopProcessGroup(server, 'An abandoned Samba AD DC of the tests');
      rmSync(SAMBA_AD_LOCK_FILE, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Another test process (pid ${holder}) runs a Samba AD DC: it holds the fixed ports 127.0.0.1:${SAMBA_AD_PORTS.ldap} and ${SAMBA_AD_PORTS.ldaps} ` +
          `(lock ${SAMBA_AD_LOCK_FILE}), and only one can run at a time. Wait for it to finish.`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** True when the process group still has a live samba process (not an unrelated group that reused the id). */
function isSambaGroup(pgid: number): boolean {
  return processGroupMembers(pgid).some((pid) => {
    try {
      // Samba rewrites its command line ("samba: root process"): ask for the executable instead.
      return readlinkSync(`/proc/${pid}/exe`) === SAMBA;
    } catch {
      return false;
    }
  });
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `127.0.0.1:${port} is already in use by another program (a system samba, slapd or dirsrv service?). ` +
                `The Samba AD DC of the tests needs the fixed ports ${SAMBA_AD_PORTS.ldap} and ${SAMBA_AD_PORTS.ldaps}: stop that service (e.g. "service samba-ad-dc stop") and run again.`
            : `Cannot check 127.0.0.1:${port}: ${error.message}`,
        ),
      );
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
