// The demo: services (existing ones from the environment, or private ones under .data/), migrations,
// seed, build when needed, web server and worker. Started by scripts/demo.ts, which owns Ctrl-C.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { generateEncryptionKey, parseEncryptionKey } from '../lib/crypto';
import { PrismaClient } from '../lib/generated/prisma/client';
import { deployMigrations } from '../lib/migrations';
import { seedDemo, type DemoSeedResult } from './demo-seed/seed-demo';
import { seedDemoNotifications } from './demo-seed/demo-notifications';
import { startNotificationSinks } from './services/notification-sinks';
import type { DirectoryConnection } from '../lib/seed/ldap-settings';
import { demoPeople, toLdif, type DemoPerson } from './demo-data';
import { waitForPort } from './services/ports';
import { startEmbeddedPostgres } from './services/postgres';
import { startRedis } from './services/redis';
import { startSlapd } from './services/slapd';
import { buildRuntime, RUNTIME_NODE_FLAGS, WORKER_BUNDLE } from '../jobs/runtime';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = path.resolve(ROOT, process.env.DEMO_DATA_DIR ?? '.data');

/** A problem the person starting the demo can fix; printed without a stack trace. */
class DemoError extends Error {}

type Stoppable = { name: string; stop: () => Promise<void> };
const services: Stoppable[] = [];
const children: Array<{ name: string; child: ChildProcess }> = [];
/** Services being started: a stop request during start waits for them, so none is left running. */
let starting: Promise<unknown> = Promise.resolve();
let shuttingDown = false;

function log(line: string): void {
  console.log(`[demo] ${line}`);
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DemoError(`${name}=${raw} is not a TCP port (1-65535).`);
  return port;
}

/** Fails with a clear message when something already listens on host:port. */
async function ensurePortFree(port: number, host: string, what: string, hint: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new DemoError(`Port ${port} on ${host} for ${what} is already taken (another program, or a demo that is still running). ${hint}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets and services
// ---------------------------------------------------------------------------------------------

function encryptionKeyText(): string {
  if (process.env.APP_ENCRYPTION_KEY) {
    parseEncryptionKey(process.env.APP_ENCRYPTION_KEY);
    return process.env.APP_ENCRYPTION_KEY;
  }
  const file = path.join(DATA, 'encryption.key');
  if (!existsSync(file)) {
    writeFileSync(file, generateEncryptionKey() + '\n', { mode: 0o600 });
    log(`Generated the encryption key of the stored LDAP bind password: ${path.relative(ROOT, file)} (keep it with the data)`);
  }
  chmodSync(file, 0o600);
  const key = readFileSync(file, 'utf8').trim();
  parseEncryptionKey(key);
  return key;
}

async function postgres(): Promise<string> {
  if (process.env.DATABASE_URL) {
    log('PostgreSQL: DATABASE_URL');
    return process.env.DATABASE_URL;
  }
  const port = portFromEnv('DEMO_PG_PORT', 54329);
  log(`PostgreSQL: embedded, 127.0.0.1:${port}, data in ${path.relative(ROOT, DATA)}/postgres`);
  const service = await startEmbeddedPostgres({ dataDir: path.join(DATA, 'postgres', 'data'), port, durable: true });
  services.push({ name: 'PostgreSQL', stop: service.stop });
  return service.url;
}

async function redis(): Promise<string> {
  if (process.env.REDIS_URL) {
    log('Redis: REDIS_URL');
    return process.env.REDIS_URL;
  }
  const port = portFromEnv('DEMO_REDIS_PORT', 63790);
  log(`Redis: private redis-server, 127.0.0.1:${port}, data in ${path.relative(ROOT, DATA)}/redis`);
  const service = await startRedis({ dataDir: path.join(DATA, 'redis'), port, persistent: true });
  services.push({ name: 'Redis', stop: service.stop });
  return service.url;
}

function which(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(path.join(dir, command)));
}

/** slapd and slapadd from Debian's slapd package; installed when missing and we may (root + apt-get). */
function ensureSlapd(): void {
  if (which('slapd') && which('slapadd')) return;
  if (process.getuid?.() === 0 && which('apt-get')) {
    log('slapd is missing: installing the Debian packages slapd and ldap-utils ...');
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '-q', 'slapd', 'ldap-utils'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (which('slapd') && which('slapadd')) return;
  }
  throw new DemoError(
    'OpenLDAP slapd is not installed. Install it (Debian: `sudo apt-get install slapd ldap-utils`) or set LDAP_URL, LDAP_BIND_DN, LDAP_BIND_PASSWORD and LDAP_BASE_DN to use an existing directory.',
  );
}

async function directory(): Promise<{ connection: DirectoryConnection; people?: DemoPerson[] }> {
  if (process.env.LDAP_URL) {
    log(`LDAP: ${process.env.LDAP_URL} (the Identity Manager gets no demo people for a directory it did not create)`);
    return {
      connection: {
        url: process.env.LDAP_URL,
        bindDn: process.env.LDAP_BIND_DN as string,
        bindPassword: process.env.LDAP_BIND_PASSWORD as string,
        baseDn: process.env.LDAP_BASE_DN as string,
      },
    };
  }
  ensureSlapd();
  const port = portFromEnv('DEMO_LDAP_PORT', 3389);
  const people = demoPeople();
  const dataDir = path.join(DATA, 'slapd');
  const fresh = !existsSync(path.join(dataDir, 'db', 'data.mdb'));
  log(`LDAP: private slapd, ldap://127.0.0.1:${port}, ${fresh ? `new demo directory (${people.length} people, ${people.filter((p) => !p.active).length} inactive)` : 'existing directory'} in ${path.relative(ROOT, dataDir)}`);
  const service = await startSlapd({ dataDir, port, ldif: toLdif(people) });
  services.push({ name: 'slapd', stop: service.stop });
  return {
    connection: { url: service.url, bindDn: service.syncDn, bindPassword: service.syncPassword, baseDn: service.baseDn },
    people,
  };
}

// ---------------------------------------------------------------------------------------------
// Database: migrate and seed
// ---------------------------------------------------------------------------------------------

async function migrateAndSeed(databaseUrl: string, key: string, dir: { connection: DirectoryConnection; people?: DemoPerson[] }): Promise<DemoSeedResult> {
  const { applied } = await deployMigrations(databaseUrl, { log: (line) => log(line) });
  log(applied.length ? `Migrations applied: ${applied.length}` : 'Database schema is up to date');
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  try {
    const result = await seedDemo(db, {
      accountsFile: path.join(DATA, 'demo-accounts.json'),
      directory: dir.connection,
      people: dir.people,
      encryptionKey: parseEncryptionKey(key),
    });
    const ids = result.identities;
    if (ids?.seeded) {
      log(
        `Seeded the Identity Manager: ${ids.users} users (${ids.alreadyInactive} already inactive, ${ids.missingFromIdm} directory people not yet known), ` +
          `${ids.credentials} credentials, ${ids.certificates} certificates (${ids.revokedCertificates} revoked), ${ids.roleAssignments} role assignments`,
      );
    } else if (ids) {
      log('Identity Manager data kept from the previous start');
    }
    if (result.ldapSettings === 'kept' && dir.people) log('LDAP connection settings kept (edited by an administrator, or unchanged)');
    return result;
  } finally {
    await db.$disconnect();
  }
}

/**
 * A local mail sink and webhook receiver, and the demo's e-mail settings and webhook pointing at
 * them: what the product sends is printed here and listed under Admin > Notifications > Sent
 * notifications. Null (and said) when smtp-server, a dev dependency, is not installed.
 */
async function notificationSinks(databaseUrl: string, key: string): Promise<{ smtpPort: number } | null> {
  const secretFile = path.join(DATA, 'demo-webhook.secret');
  if (!existsSync(secretFile)) writeFileSync(secretFile, `whsec_${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  const webhookSecret = readFileSync(secretFile, 'utf8').trim();
  let sinks;
  try {
    sinks = await startNotificationSinks({
      smtpPort: portFromEnv('DEMO_SMTP_PORT', 2525),
      webhookPort: portFromEnv('DEMO_WEBHOOK_PORT', 8025),
      webhookSecret,
      log: (line) => log(line),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    log('Notifications: smtp-server (a dev dependency) is not installed, so the demo has no local mail sink');
    return null;
  }
  services.push({ name: 'notification sinks', stop: sinks.stop });
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  try {
    await seedDemoNotifications(db, { smtpPort: sinks.smtpPort, webhookUrl: sinks.webhookUrl, webhookSecret }, parseEncryptionKey(key));
  } finally {
    await db.$disconnect();
  }
  log(`Notifications: e-mail to a local mail sink (127.0.0.1:${sinks.smtpPort}) and a webhook to a local receiver (${sinks.webhookUrl})`);
  return { smtpPort: sinks.smtpPort };
}

// ---------------------------------------------------------------------------------------------
// Web server and worker
// ---------------------------------------------------------------------------------------------

const SOURCES = ['app', 'components', 'lib', 'public', 'proxy.ts', 'middleware.ts', 'next.config.js', 'next.config.ts', 'postcss.config.mjs', 'postcss.config.js', 'tsconfig.json', 'package.json', 'package-lock.json'];

function newestSourceTime(): number {
  let newest = 0;
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    const stat = statSync(p);
    if (stat.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules' && !name.endsWith('.test.ts')) visit(path.join(p, name));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const source of SOURCES) visit(path.join(ROOT, source));
  return newest;
}

function hasWebApp(): boolean {
  return ['page.tsx', 'page.ts', 'layout.tsx'].some((f) => existsSync(path.join(ROOT, 'app', f)));
}

function prefixLines(name: string, stream: NodeJS.ReadableStream | null, to: NodeJS.WriteStream): void {
  let buffered = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) to.write(`[${name}] ${line}\n`);
  });
  stream?.on('end', () => {
    if (buffered) to.write(`[${name}] ${buffered}\n`);
  });
}

function run(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  prefixLines(name, child.stdout, process.stdout);
  prefixLines(name, child.stderr, process.stderr);
  return child;
}

async function build(env: NodeJS.ProcessEnv): Promise<void> {
  const buildId = path.join(ROOT, '.next', 'BUILD_ID');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    if (existsSync(buildId) && statSync(buildId).mtimeMs >= newestSourceTime()) {
      log('Web app build is up to date');
      return;
    }
    log('Building the web app (next build; a minute or two the first time) ...');
    const child = run('build', [path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], env);
    children.push({ name: 'build', child });
    let output = '';
    child.stderr?.on('data', (chunk: string) => (output = (output + chunk).slice(-4096)));
    child.stdout?.on('data', (chunk: string) => (output = (output + chunk).slice(-4096)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    children.splice(children.findIndex((c) => c.child === child), 1);
    if (shuttingDown || code === 0) return;
    // Another build of this folder (tests, a second demo) holds Next's lock: wait for it, then
    // check again; its result is usually exactly the build we need.
    if (!output.includes('Another next build process is already running') || Date.now() > deadline) {
      throw new DemoError(`next build failed (exit code ${code}); see the [build] lines above.`);
    }
    log('Another next build of this folder is running: waiting for it ...');
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

/** Starts a long-running child; if it dies on its own, the whole demo stops. */
function supervise(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = run(name, args, env);
  children.push({ name, child });
  child.once('exit', (code, signal) => {
    if (shuttingDown) return;
    console.error(`[demo] ${name} exited (${signal ?? `code ${code}`}); stopping the demo.`);
    void shutdown(1);
  });
  return child;
}

// ---------------------------------------------------------------------------------------------
// Start and stop
// ---------------------------------------------------------------------------------------------

async function stopChild(name: string, child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.error(`[demo] ${name} did not stop within 10 s: killing it`);
    child.kill('SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

async function shutdown(code: number): Promise<never> {
  if (shuttingDown) return new Promise<never>(() => undefined);
  shuttingDown = true;
  await Promise.all(children.splice(0).reverse().map(({ name, child }) => stopChild(name, child)));
  await Promise.race([starting, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  for (const service of services.splice(0).reverse()) {
    log(`Stopping ${service.name}`);
    // A service that died on its own would make stop() wait forever: bound it.
    await Promise.race([
      service.stop().catch((e: unknown) => console.error(`[demo] ${service.name}: ${e instanceof Error ? e.message : String(e)}`)),
      new Promise((resolve) => setTimeout(resolve, 15_000)),
    ]);
  }
  log(code === 0 ? 'Stopped.' : 'Stopped after an error.');
  process.exit(code);
}

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  // slapd, slapadd and friends live in /usr/sbin, which is not on a normal user's PATH.
  if (!(process.env.PATH ?? '').split(':').includes('/usr/sbin')) process.env.PATH = `${process.env.PATH ?? ''}:/usr/sbin`;

  const host = process.env.HOST ?? '127.0.0.1';
  const port = portFromEnv('PORT', 3000);
  const web = hasWebApp();
  // Every port is checked before anything starts, so a clash leaves nothing half-started.
  if (web) await ensurePortFree(port, host, 'the web server', 'Set PORT (and HOST) to choose another address.');
  if (!process.env.DATABASE_URL) {
    await ensurePortFree(portFromEnv('DEMO_PG_PORT', 54329), '127.0.0.1', "the demo's PostgreSQL", 'Set DEMO_PG_PORT to a free port, or DATABASE_URL to use an existing PostgreSQL.');
  }
  if (!process.env.REDIS_URL) {
    await ensurePortFree(portFromEnv('DEMO_REDIS_PORT', 63790), '127.0.0.1', "the demo's Redis", 'Set DEMO_REDIS_PORT to a free port, or REDIS_URL to use an existing Redis.');
  }
  if (process.env.LDAP_URL) {
    const missing = ['LDAP_BIND_DN', 'LDAP_BIND_PASSWORD', 'LDAP_BASE_DN'].filter((n) => !process.env[n]);
    if (missing.length) throw new DemoError(`LDAP_URL is set, so ${missing.join(', ')} must be set too.`);
  } else {
    await ensurePortFree(portFromEnv('DEMO_LDAP_PORT', 3389), '127.0.0.1', "the demo's LDAP directory", 'Set DEMO_LDAP_PORT to a free port, or LDAP_URL (with LDAP_BIND_DN, LDAP_BIND_PASSWORD, LDAP_BASE_DN) to use an existing directory.');
  }

  const key = encryptionKeyText();
  // allSettled: when one service fails, the others have finished starting and are stopped with it.
  const startingServices = Promise.allSettled([postgres(), redis(), directory()]);
  starting = startingServices;
  const started = await startingServices;
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const [databaseUrl, redisUrl, dir] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [string, string, Awaited<ReturnType<typeof directory>>];
  if (shuttingDown) return;
  const seeded = await migrateAndSeed(databaseUrl, key, dir);
  const sinks = await notificationSinks(databaseUrl, key);
  if (shuttingDown) return;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    APP_ENCRYPTION_KEY: key,
    NODE_ENV: 'production',
    PORT: String(port),
    // Absolute links in the notifications the demo sends.
    APP_PUBLIC_URL: process.env.APP_PUBLIC_URL ?? `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`,
  };

  if (web) {
    await build(env);
    if (shuttingDown) return;
    supervise('web', [path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', host], env);
  } else {
    log('The web app (app/) is not there yet: no web server started.');
  }
  if (existsSync(path.join(ROOT, 'jobs', 'worker.ts'))) {
    // As in production (`npm run worker`): the bundled worker on plain node.
    buildRuntime();
    supervise('worker', [...RUNTIME_NODE_FLAGS, WORKER_BUNDLE], env);
  } else {
    log('The worker (jobs/worker.ts) is not there yet: no worker started.');
  }
  if (web) await waitForPort(port, 60_000).catch(() => undefined);
  if (shuttingDown) return;

  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const lines = [
    '',
    '  Identity Manager is running',
    web ? `  URL:       http://${shownHost}:${port}/` : '  URL:       (no web app yet)',
    ...seeded.accounts.map((a) => `  ${a.role === 'ADMINISTRATOR' ? 'Admin:   ' : 'Operator:'}  ${a.username} / ${a.password}`),
    ...(sinks && web ? [`  Sent notifications (e-mail and webhooks, to local sinks): http://${shownHost}:${port}/admin/notifications/sent`] : []),
    `  Data:      ${DATA} (logins in demo-accounts.json)`,
    '  Stop:      Ctrl-C',
    '',
  ];
  console.log(lines.join('\n'));
}

// Stop requests: from the supervisor (scripts/demo.ts) over IPC, or when it is gone.
process.on('message', (message) => {
  if (message === 'demo:stop') void shutdown(0);
});
process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

main().catch((error: unknown) => {
  if (shuttingDown) return;
  console.error(`[demo] ${error instanceof DemoError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  void shutdown(1);
});
