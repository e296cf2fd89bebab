import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import pg from 'pg';
import { startEmbeddedPostgres } from './services/postgres';
import { treeCpuSeconds } from './services/proc-stat';
import { startSlapd } from './services/slapd';
import { startRedis } from './services/redis';
import { freePort } from './services/ports';
import { seedGeneratedIdentityManager, writeGeneratedLdif } from './generated-directory';
import { deployMigrations } from '@/lib/migrations';
import { encryptSecret, parseEncryptionKey } from '@/lib/crypto';
import { BATCH_JOBS } from '@/lib/seed/batch-jobs';
import { buildRuntime, RUNTIME_NODE_FLAGS, SYNC_BUNDLE, WORKER_BUNDLE } from '@/jobs/runtime';
import { formatReport, formatSpread, spread, summarise, type Repetition } from './bench-spread';

// npm run bench -- [--n 100000] [--inactive 0.2] [--changed 0.001] [--page-size 500] [--keep] [--reuse] [--profile] [--bare] [--worker K] [--repeat K]
// --keep leaves .test-data/bench-N in place; --reuse starts from it (no LDIF, slapadd or seeding:
// the Identity Manager is copied afresh from its seeded template database). --profile prints
// the sync's time per phase. --bare also times the bare writes of the same outcome (no LDAP, no
// planning, no run items) on a fresh copy: the floor any engine on this schema pays per page.
// Loads a generated directory with slapadd and a matching Identity Manager, then runs
// "Synchronize inactive LDAP Users" twice (first run, then VACUUM, re-run) in a child process and
// prints people/s, the raw paged ldapsearch time of the same entries, their ratio and the peak RSS.
// --changed F (default 0.001): after the re-run, F × N active people are locked in the directory
// (ldapmodify: pwdAccountLockedTime) and the job runs in delta mode (lib/sync/delta.ts): the
// delta's people/s, its time, the re-run's time over it and its peak RSS are printed.
// --deltas K (default 1) does that K times, each with F × N other people, interleaved with a full
// re-run after each delta (the ratio is taken per pair; those runs record their watermarks without
// DELTA_OVERLAP_SECONDS), and prints min / median / max of the ratio.
// --worker K then runs the job K more times through the real worker (`npm run worker`'s bundle and
// flags, a private redis-server, started as an operator does: Start now) and prints the worker's
// RSS when idle and its peak across the runs: what production runs, beside the CLI's figure. With
// K >= 2, F × N more people are then locked and the worker runs one delta: its time against the
// worker's last re-run (each as batch_runs timed it), a delta in the warm process production runs.
// --repeat K (issue 17) instead measures K times, interleaved: first run, re-run and restore, then
// --bare, then again (a busy period of the shared host hits both of a pair), each repetition's
// first run and bare writes on a fresh copy of the seeded database; it prints each repetition and
// min / median / max of each figure and of first/bare per repetition, with the load average.
// Every run also prints the CPU it took: the sync process's, PostgreSQL's (its backends included)
// and slapd's; --repeat adds the first run's and the bare writes' CPU per 1,000 people: the work a
// run did, where the wall time also counts what it waited for (a core, a busy neighbour).
// BENCH_PG_SETTINGS='{"name":"value"}' adds database server settings (e.g. auto_explain through
// session_preload_libraries) and BENCH_PG_LOG=<file> appends the server's log to that file.
function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = flag('n', 100_000);
const INACTIVE_SHARE = flag('inactive', 0.2);
const PAGE_SIZE = flag('page-size', 500);
const CHANGED_SHARE = flag('changed', 0.001);
const DELTAS = flag('deltas', 1);
const BASE = 'dc=example,dc=com';

type ServerCpu = { postgres: number; slapd: number };
type SyncResult = {
  seconds: number;
  wallSeconds: number;
  peakRssMb: number;
  /** CPU seconds of the sync process, and of each server while it ran (PostgreSQL with its backends). */
  cpuSeconds: number;
  serverCpu: ServerCpu;
  outcome: Record<string, unknown> & { counters: Record<string, number> };
};

/** The servers' CPU so far (scripts/services/proc-stat.ts); set once they run. */
let serversCpu: () => ServerCpu = () => ({ postgres: 0, slapd: 0 });

/** CPU of a run, every process that worked on it: where its work went. */
function cpuText(r: Pick<SyncResult, 'cpuSeconds' | 'serverCpu'>): string {
  return `CPU: sync ${r.cpuSeconds.toFixed(2)} s, PostgreSQL ${r.serverCpu.postgres.toFixed(2)} s, slapd ${r.serverCpu.slapd.toFixed(2)} s`;
}

/** All the CPU a run took, in seconds per 1,000 people. */
function cpuPerThousand(r: SyncResult): number {
  return ((r.cpuSeconds + r.serverCpu.postgres + r.serverCpu.slapd) * 1000) / (r.outcome.counters.entriesRead || 1);
}

async function runSync(env: NodeJS.ProcessEnv, extra: string[] = []): Promise<SyncResult> {
  const started = Date.now();
  // The bundled CLI on node with the worker's flags (what `npm run sync` runs): one process, so
  // its VmHWM is the sync's peak RSS.
  const args = [...RUNTIME_NODE_FLAGS, SYNC_BUNDLE, 'inactive-ldap-users', '--confirm', '--json', ...extra];
  if (process.argv.includes('--profile')) args.push('--profile');
  const cpuBefore = serversCpu();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (c) => (stdout += c));
  let peakRssMb = 0;
  // CPU time of the sync process (user + system, last sample before exit): tells whether the
  // engine's own JavaScript or the servers it waits for bound the run.
  let cpuSeconds = 0;
  const sample = () => {
    try {
      peakRssMb = Math.max(peakRssMb, memoryOf(child.pid!).peakMb);
    } catch {
      /* exited */
    }
    cpuSeconds = treeCpuSeconds(child.pid!) ?? cpuSeconds;
  };
  const timer = setInterval(sample, 20);
  const [code] = await once(child, 'exit');
  clearInterval(timer);
  if (code !== 0) throw new Error(`sync exited with ${code}: ${stdout}`);
  const wallSeconds = (Date.now() - started) / 1000;
  const outcome = JSON.parse(stdout.trim().split('\n').pop()!);
  // The sync's connections closed as it exited; their backends' CPU counts once PostgreSQL has reaped them.
  await new Promise((resolve) => setTimeout(resolve, 250));
  const cpuAfter = serversCpu();
  const serverCpu = { postgres: cpuAfter.postgres - cpuBefore.postgres, slapd: cpuAfter.slapd - cpuBefore.slapd };
  return { seconds: outcome.seconds, wallSeconds, peakRssMb, cpuSeconds, serverCpu, outcome };
}

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

type Slapd = { url: string; adminDn: string; adminPassword: string };

/**
 * K runs of the inactive job through the real worker process; its RSS idle and its peak after each
 * run. With K >= 2 and `delta`, then F × N more people locked and one delta run, timed as the
 * worker ran it (batch_runs' start and end) against its last re-run: the warm process production runs.
 */
async function runWithWorker(env: NodeJS.ProcessEnv, root: string, runs: number, delta?: { databaseUrl: string; slapd: Slapd }): Promise<void> {
  const redis = await startRedis({ dataDir: path.join(root, 'redis'), port: await freePort() });
  const workerEnv = { ...env, REDIS_URL: redis.url, REDIS_PREFIX: 'bench' };
  const child = spawn(process.execPath, [...RUNTIME_NODE_FLAGS, WORKER_BUNDLE], { env: workerEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  try {
    const waitFor = async (pattern: RegExp, timeoutMs: number) => {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > until) throw new Error(`worker: no ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitFor(/started:/, 60_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const idle = memoryOf(child.pid!);
    Object.assign(process.env, workerEnv);
    const { resetConfigForTests } = await import('@/lib/config');
    resetConfigForTests();
    const { startJobRun } = await import('@/lib/runs/start-job-run');
    const { closeBatchJobsQueue } = await import('@/lib/queue/batch-jobs-queue');
    const { closePool } = await import('@/lib/db-pool');
    const peaks: number[] = [];
    const runOnce = async (label: string): Promise<number> => {
      const started = await startJobRun({ jobKey: 'inactive-ldap-users', trigger: 'MANUAL', startedBy: 'bench', confirmed: true });
      if (!started.started) throw new Error(started.message);
      const t = Date.now();
      await waitFor(new RegExp(`run #${started.run.id} ended: (\\w+)`), 600_000);
      const status = new RegExp(`run #${started.run.id} ended: (\\w+)`).exec(output)![1];
      const m = memoryOf(child.pid!);
      peaks.push(m.peakMb);
      console.log(`worker ${label}: ${status} in ${((Date.now() - t) / 1000).toFixed(2)} s; worker RSS now ${m.rssMb.toFixed(0)} MB, peak so far ${m.peakMb.toFixed(0)} MB`);
      return started.run.id;
    };
    const ids: number[] = [];
    for (let i = 1; i <= runs; i++) ids.push(await runOnce(`run ${i}`));
    if (delta && runs >= 2) {
      await ldapmodify(delta.slapd, lockLdif(changedPeople(2)));
      await setRunMode(delta.databaseUrl, 'delta');
      const deltaId = await runOnce('delta run');
      await setRunMode(delta.databaseUrl, null);
      const db = new pg.Client({ connectionString: delta.databaseUrl });
      await db.connect();
      const { rows } = await db.query(
        `SELECT id, run_kind, entries_read, extract(epoch FROM finished_at - started_at)::float8 AS seconds FROM batch_runs WHERE id = ANY($1::int[]) ORDER BY id`,
        [[ids.at(-1), deltaId]],
      );
      await db.end();
      const [reRun, deltaRun] = rows;
      console.log(
        `worker delta: kind ${deltaRun.run_kind}, ${deltaRun.entries_read} entries in ${deltaRun.seconds.toFixed(2)} s against its re-run's ${reRun.seconds.toFixed(2)} s ` +
          `(${reRun.entries_read} entries): re-run time / delta time ${(reRun.seconds / deltaRun.seconds).toFixed(1)}x (batch_runs' start and end, as the worker ran them)`,
      );
    }
    await closeBatchJobsQueue();
    await closePool();
    console.log(`worker: RSS idle ${idle.rssMb.toFixed(0)} MB after start; peak across ${runs} run(s) ${Math.max(...peaks).toFixed(0)} MB`);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await redis.stop();
  }
}

/** The outcome's writes alone, page by page, one transaction each: what the schema costs without the engine. */
async function bareWrites(url: string): Promise<{ seconds: number; people: number; cpuSeconds: number }> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query('SET random_page_cost = 1.1');
  const step = Math.round(1 / INACTIVE_SHARE);
  const ids: number[] = (await db.query(`SELECT id FROM users WHERE id % $1 = 0 ORDER BY id`, [step])).rows.map((r) => r.id);
  const cpuBefore = serversCpu().postgres;
  const started = process.hrtime.bigint();
  for (let i = 0; i < ids.length; i += PAGE_SIZE) {
    const page = ids.slice(i, i + PAGE_SIZE);
    await db.query('BEGIN');
    await db.query({ name: 'u', values: [page], text: `UPDATE users SET state = 'INACTIVE', email = username || '@example.com', employee_number = 'E' || id,
      display_name = given_name || ' ' || surname, ldap_external_id = md5(username), ldap_dn = 'uid=' || username || ',ou=people,${BASE}',
      last_synchronized_at = now(), updated_at = now() WHERE id = ANY($1::int[])` });
    await db.query({ name: 'c', values: [page], text: `UPDATE credentials SET state = CASE WHEN type = 'TEMPORARY_CARD' THEN 'LOCKED'::"CredentialState" ELSE 'INACTIVE' END,
      updated_at = now() WHERE user_id = ANY($1::int[])` });
    await db.query({ name: 'ce', values: [page], text: `UPDATE certificates ce SET state = CASE WHEN c.type = 'TEMPORARY_CARD' THEN 'REVOKED'::"CertificateState" ELSE 'ON_HOLD' END,
      revocation_reason = CASE WHEN c.type = 'TEMPORARY_CARD' THEN 'cessationOfOperation'::"RevocationReason" ELSE 'certificateHold' END,
      revoked_at = now(), updated_at = now() FROM credentials c WHERE ce.credential_id = c.id AND c.user_id = ANY($1::int[]) AND ce.state <> 'REVOKED'` });
    await db.query({ name: 'r', values: [page], text: `DELETE FROM user_roles WHERE user_id = ANY($1::int[])` });
    await db.query('COMMIT');
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = serversCpu().postgres - cpuBefore; // the one backend is still connected: counted live
  await db.end();
  return { seconds, people: ids.length, cpuSeconds };
}

async function vacuum(url: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query('VACUUM (ANALYZE)');
  // ... and its checkpoint too: the first run's writes are on disk by the next scheduled run.
  await db.query('CHECKPOINT');
  await db.end();
}

function rawLdapsearch(url: string, dn: string, password: string, filter: string): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = execFile('ldapsearch', ['-x', '-LLL', '-H', url, '-D', dn, '-w', password, '-b', BASE, '-E', `pr=${PAGE_SIZE}/noprompt`, filter,
      'entryUUID', 'uid', 'givenName', 'sn', 'displayName', 'mail', 'employeeNumber'], { maxBuffer: 1 << 30 }, (error, stdout) => {
      if (error) return reject(error);
      const entries = (stdout.match(/^dn:/gm) ?? []).length;
      resolve(Number(process.hrtime.bigint() - started) / 1e9 + entries * 0);
    });
    void child;
  });
}

/**
 * The F × N active people a delta phase locks: spread over the directory, none of those locked
 * already (every step-th one); `shift` picks a second set beside the first (the worker's delta).
 */
function changedPeople(shift = 0): string[] {
  const changed = Math.round(N * CHANGED_SHARE);
  const step = Math.round(1 / INACTIVE_SHARE);
  const stride = Math.max(1, Math.floor(N / changed));
  const dns: string[] = [];
  for (let k = 0, i = 1; k < changed && i <= N; i += stride) {
    const j = (i + shift) % step === 0 ? i + shift + 1 : i + shift;
    if (j > N) break;
    dns.push(`uid=user${String(j).padStart(7, '0')},ou=people,${BASE}`);
    k++;
  }
  return dns;
}

function ldapmodify(slapd: Slapd, ldif: string, extra: string[] = []): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = execFile('ldapmodify', ['-x', ...extra, '-H', slapd.url, '-D', slapd.adminDn, '-w', slapd.adminPassword], { maxBuffer: 1 << 26 }, (error) => (error ? reject(error) : resolve()));
    child.stdin!.end(ldif);
  });
}

/** Switches the inactive job to delta mode, or back to its default (full). */
async function setRunMode(databaseUrl: string, mode: 'delta' | null): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(`UPDATE batch_jobs SET options = ${mode ? `options || '{"runMode": "${mode}"}'::jsonb` : `options - 'runMode'`} WHERE key = 'inactive-ldap-users'`);
  await db.end();
}

/** The lock time the bench writes; the generated directory's own inactive people carry another one. */
const BENCH_LOCK_TIME = '20260101000000Z';
const lockLdif = (dns: string[]) => dns.map((dn) => `dn: ${dn}\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: ${BENCH_LOCK_TIME}\n`).join('\n');

/** The people an earlier bench's delta phases locked (a --reuse'd directory keeps them). */
function lockedByBench(slapd: Slapd): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', slapd.url, '-D', slapd.adminDn, '-w', slapd.adminPassword, '-b', BASE, `(pwdAccountLockedTime=${BENCH_LOCK_TIME})`, '1.1'],
      { maxBuffer: 1 << 26 }, (error, stdout) => (error ? reject(error) : resolve([...stdout.matchAll(/^dn: (.+)$/gm)].map((m) => m[1]!))));
  });
}

/**
 * The shift of the people the r-th delta locks (0-based; changedPeople): never 2 (the worker's
 * delta) nor one whose people would fall on the generated inactive ones (changedPeople moves
 * those one further, onto the next shift's).
 */
function deltaShift(r: number): number {
  const shifts: number[] = [];
  for (let s = 0; shifts.length <= r; s++) if (s !== 2 && (s + 1) % Math.round(1 / INACTIVE_SHARE) !== 0) shifts.push(s);
  return shifts[r]!;
}

/**
 * Locks F × N active people with one ldapmodify (as the directory's admin), then one delta run of
 * the job; --deltas K: K times, other people each time, each delta followed by a full re-run, and
 * the spread of the re-run/delta ratio taken per pair.
 */
async function deltaPhase(env: NodeJS.ProcessEnv, databaseUrl: string, slapd: Slapd, reRun: SyncResult): Promise<void> {
  const ratios: number[] = [];
  const seconds: number[] = [];
  for (let r = 0; r < DELTAS; r++) {
    const dns = changedPeople(deltaShift(r));
    const t0 = Date.now();
    await ldapmodify(slapd, lockLdif(dns));
    console.log(`changed  : ${dns.length} people locked in the directory (ldapmodify) in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    await setRunMode(databaseUrl, 'delta');
    // The rounds follow each other by seconds: with the watermark's overlap (60 s by default) each
    // delta would read the people the rounds before it locked again, and measure more.
    const noOverlap = { ...env, DELTA_OVERLAP_SECONDS: '0' };
    const delta = await runSync(noOverlap);
    await setRunMode(databaseUrl, null);
    // The first delta is measured against the re-run before it; later ones against the full run after them.
    const full = r === 0 ? reRun : await runSync(noOverlap);
    const o = delta.outcome as SyncResult['outcome'] & { kind?: string; fullRunReason?: string | null };
    const c = o.counters;
    ratios.push(full.seconds / delta.seconds);
    seconds.push(delta.seconds);
    console.log(
      `delta run: ${o.status}, kind ${o.kind}${o.fullRunReason ? ` (${o.fullRunReason})` : ''}, ${c.entriesRead} entries (${c.updated} updated, ${c.created} created, ${c.unchanged} unchanged) ` +
        `in ${delta.seconds.toFixed(2)} s (process ${delta.wallSeconds.toFixed(2)} s; ${cpuText(delta)}) = ${Math.round((c.entriesRead ?? 0) / delta.seconds)} people/s; ` +
        `re-run time / delta time ${(full.seconds / delta.seconds).toFixed(1)}x (re-run ${full.seconds.toFixed(2)} s); peak RSS ${delta.peakRssMb.toFixed(0)} MB`,
    );
  }
  if (DELTAS > 1) {
    console.log(formatSpread('delta', spread(seconds), (v) => v.toFixed(2), 's'));
    console.log(formatSpread('re-run/delta', spread(ratios), (v) => v.toFixed(1), `(ratio per pair, ${DELTAS} pairs)`));
  }
}

async function main() {
  const root = path.resolve('.test-data', `bench-${N}`);
  const seededMarker = path.join(root, 'seeded');
  const reuse = process.argv.includes('--reuse') && existsSync(seededMarker);
  if (!reuse) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
  }
  const ldifPath = path.join(root, 'people.ldif');
  if (!reuse) {
    console.log(`Generating ${N} entries (${Math.round(INACTIVE_SHARE * 100)}% inactive) ...`);
    await writeGeneratedLdif(ldifPath, { people: N, inactiveShare: INACTIVE_SHARE });
  }
  const t0 = Date.now();
  const [pgPort, ldapPort] = [await freePort(), await freePort()];
  const [startedPostgres, startedSlapd] = await Promise.allSettled([
    // A database server sized like a production one (PostgreSQL's 128 MB default is for minimal
    // installs; the 100k database is ~210 MB, the 1M one ~2 GB). Not durable (fsync off), as in the tests.
    startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: pgPort, database: 'idm_seed', settings: { shared_buffers: '1GB', ...JSON.parse(process.env.BENCH_PG_SETTINGS ?? '{}') }, log: process.env.BENCH_PG_LOG ? (l) => appendFileSync(process.env.BENCH_PG_LOG!, l + '\n') : undefined }),
    startSlapd({ dataDir: path.join(root, 'slapd'), port: ldapPort, ldifPath }),
  ]);
  if (startedPostgres.status === 'rejected' || startedSlapd.status === 'rejected') {
    // One did not start (e.g. another bench holds the folder): the other must not outlive the bench.
    if (startedPostgres.status === 'fulfilled') await startedPostgres.value.stop();
    if (startedSlapd.status === 'fulfilled') await startedSlapd.value.stop();
    throw startedPostgres.status === 'rejected' ? startedPostgres.reason : (startedSlapd as PromiseRejectedResult).reason;
  }
  const [postgres, slapd] = [startedPostgres.value, startedSlapd.value];
  serversCpu = () => {
    const postgresPid = postgres.pid();
    return { postgres: (postgresPid && treeCpuSeconds(postgresPid)) ?? 0, slapd: treeCpuSeconds(slapd.pid) ?? 0 };
  };
  console.log(`${reuse ? 'start' : 'slapadd + start'}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    const filter = '(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))';
    const keyPath = path.join(root, 'key');
    // A reused template gets the migrations added since it was seeded.
    await deployMigrations(postgres.url);
    if (!reuse) {
      const key = randomBytes(32).toString('base64');
      writeFileSync(keyPath, key);
      const db = new pg.Client({ connectionString: postgres.url });
      await db.connect();
      const t1 = Date.now();
      await seedGeneratedIdentityManager(db, N);
      for (const job of BATCH_JOBS) {
        const options = job.key === 'inactive-ldap-users' ? { filterPreset: 'openldap-ppolicy', filter, pageSize: PAGE_SIZE } : { filterPreset: 'openldap-ppolicy' };
        await db.query('INSERT INTO batch_jobs (key, process_name, symbolic_name, description, options) VALUES ($1, $2, $3, $4, $5)', [job.key, job.processName, job.symbolicName, job.description, JSON.stringify(options)]);
      }
      await db.query('INSERT INTO ldap_settings (id, urls, bind_dn, bind_password_encrypted, base_dn) VALUES (1, $1, $2, $3, $4)', [[slapd.url], slapd.syncDn, encryptSecret(slapd.syncPassword, parseEncryptionKey(key)), BASE]);
      const counts = (await db.query(`SELECT (SELECT count(*) FROM users)::int u, (SELECT count(*) FROM credentials)::int c, (SELECT count(*) FROM certificates)::int ce, (SELECT count(*) FROM user_roles)::int r`)).rows[0];
      console.log(`IdM seeded in ${((Date.now() - t1) / 1000).toFixed(1)} s: ${counts.u} users, ${counts.c} credentials, ${counts.ce} certificates, ${counts.r} role assignments`);
      await db.end();
      writeFileSync(seededMarker, new Date().toISOString());
    }
    const key = readFileSync(keyPath, 'utf8');
    const databaseUrl = postgres.url.replace(/\/idm_seed$/, '/idm');
    const bareUrl = postgres.url.replace(/\/idm_seed$/, '/idm_bare');
    const slapdUrl = slapd.url;
    /** A fresh copy of the seeded template: every measurement starts from the same state. */
    const freshCopy = async (name: 'idm' | 'idm_bare') => {
      const admin = new pg.Client({ connectionString: postgres.url.replace(/\/idm_seed$/, '/postgres') });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name} TEMPLATE idm_seed`);
      // The copy went through WAL and shared buffers: write it out now, not in a checkpoint during the first run.
      await admin.query('CHECKPOINT');
      await admin.end();
      if (name === 'idm') {
        const db = new pg.Client({ connectionString: databaseUrl });
        await db.connect();
        // A reused directory listens on a new port.
        await db.query('UPDATE ldap_settings SET urls = $1 WHERE id = 1', [[slapdUrl]]);
        await db.end();
      }
    };
    await freshCopy('idm');

    // A --reuse'd directory still holds the locks the delta phases of the benches before added
    // (found by the bench's lock time): lifted, so that the first run reads the same selection.
    if (reuse) {
      const locked = await lockedByBench(slapd);
      if (locked.length) await ldapmodify(slapd, locked.map((dn) => `dn: ${dn}\nchangetype: modify\ndelete: pwdAccountLockedTime\n`).join('\n'));
    }
    buildRuntime();
    const env = { ...process.env, DATABASE_URL: databaseUrl, APP_ENCRYPTION_KEY: key, NODE_ENV: 'production' as const };
    const repeat = flag('repeat', 0);
    if (repeat > 0) {
      const rate = (r: SyncResult) => (r.outcome.counters.entriesRead ?? 0) / r.seconds;
      const reps: Repetition[] = [];
      const loadBefore = loadavg();
      for (let i = 1; i <= repeat; i++) {
        if (i > 1) await freshCopy('idm');
        const first = await runSync(env);
        await vacuum(databaseUrl);
        const again = await runSync(env);
        const restore = await runSync(env, ['--restore', String(first.outcome.runId)]);
        await freshCopy('idm_bare');
        const bare = await bareWrites(bareUrl);
        const rep = {
          first: rate(first),
          rerun: rate(again),
          restore: rate(restore),
          bare: bare.people / bare.seconds,
          firstCpu: cpuPerThousand(first),
          bareCpu: (bare.cpuSeconds * 1000) / bare.people,
        };
        reps.push(rep);
        console.log(
          `repetition ${i}/${repeat}: first run ${Math.round(rep.first)}, re-run ${Math.round(rep.rerun)}, restore ${Math.round(rep.restore)}, ` +
            `bare ${Math.round(rep.bare)} people/s; first/bare ${(rep.first / rep.bare).toFixed(2)}; ` +
            `CPU per 1,000 people: first run ${rep.firstCpu.toFixed(3)} s, bare ${rep.bareCpu.toFixed(3)} s; peak RSS ${Math.max(first.peakRssMb, again.peakRssMb, restore.peakRssMb).toFixed(0)} MB (restore ${restore.peakRssMb.toFixed(0)} MB); ` +
            `load ${loadavg()[0]!.toFixed(2)}`,
        );
      }
      for (const line of formatReport(summarise(reps), { before: loadBefore, after: loadavg() })) console.log(line);
      return;
    }
    const rawSeconds = await rawLdapsearch(slapd.url, slapd.syncDn, slapd.syncPassword, filter);
    const first = await runSync(env);
    // The re-run measures the daily steady state: by the next scheduled run, autovacuum has long
    // processed the first run's 20,000 changed people; here it would otherwise run during the re-run.
    await vacuum(databaseUrl);
    const again = await runSync(env);
    const report = (label: string, r: SyncResult) => {
      const read = r.outcome.counters.entriesRead ?? 0;
      const rate = read / r.seconds;
      console.log(
        `${label}: ${r.outcome.status}, ${read} entries (${r.outcome.counters.updated} updated, ${r.outcome.counters.unchanged} unchanged, ` +
          `${r.outcome.counters.certificatesChanged} certificates, ${r.outcome.counters.rolesWithdrawn} roles) in ${r.seconds.toFixed(2)} s ` +
          `(process ${r.wallSeconds.toFixed(2)} s; ${cpuText(r)}) = ${Math.round(rate)} people/s; raw paged ldapsearch ${rawSeconds.toFixed(2)} s ` +
          `(${Math.round(read / rawSeconds)} entries/s); sync/raw time ratio ${(r.seconds / rawSeconds).toFixed(1)}x; peak RSS ${r.peakRssMb.toFixed(0)} MB`,
      );
    };
    report('first run', first);
    report('re-run   ', again);
    await deltaPhase(env, databaseUrl, slapd, again);
    // Restore the first run (issue 16): every person it changed put back, page by page, through the same CLI bundle.
    const restore = await runSync(env, ['--restore', String(first.outcome.runId)]);
    const c = restore.outcome.counters;
    console.log(
      `restore  : ${restore.outcome.status}, ${c.entriesRead} people (${c.updated} restored, ${c.unchanged} kept, ${c.failed} conflicts, ` +
        `${c.certificatesChanged} certificates released, ${c.rolesWithdrawn} roles granted) in ${restore.seconds.toFixed(2)} s = ` +
        `${Math.round((c.entriesRead ?? 0) / restore.seconds)} people/s (${cpuText(restore)}); peak RSS ${restore.peakRssMb.toFixed(0)} MB`,
    );
    const workerRuns = flag('worker', 0);
    if (workerRuns > 0) {
      // From the seeded state again: the worker's first run is a first run too, the others re-runs.
      await freshCopy('idm');
      await runWithWorker(env, root, workerRuns, { databaseUrl, slapd });
    }
    if (process.argv.includes('--bare')) {
      await freshCopy('idm_bare');
      const bare = await bareWrites(bareUrl);
      console.log(
        `bare writes: the same outcome's UPDATE/DELETE statements alone (no LDAP, no plan, no run items), ${bare.people} people in ` +
          `${bare.seconds.toFixed(2)} s = ${Math.round(bare.people / bare.seconds)} people/s (CPU: PostgreSQL ${bare.cpuSeconds.toFixed(2)} s)`,
      );
    }
  } finally {
    await slapd.stop();
    await postgres.stop();
    if (!process.argv.includes('--keep') && !process.argv.includes('--reuse')) rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
