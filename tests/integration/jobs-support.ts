import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { resetConfigForTests } from '@/lib/config';
import { disconnectDb } from '@/lib/db';
import { closeBatchJobsQueue } from '@/lib/queue/batch-jobs-queue';
import type { TestServices } from '@/tests/setup/services';
import { prisma } from '@/lib/db';
import { parseEncryptionKey } from '@/lib/crypto';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS } from '@/lib/seed/batch-jobs';
import { startJobRun } from '@/lib/runs/start-job-run';
import { isActiveStatus } from '@/lib/runs/run-summary';
import { seedLdapSettings } from '@/lib/seed/ldap-settings';
import { buildRuntime, RUNTIME_NODE_FLAGS, WORKER_BUNDLE } from '@/jobs/runtime';

// Helpers of the batch-job integration tests: point this process at the test services, spawn
// the real worker (`npm run worker`: the bundled jobs/worker.ts), wait for conditions.

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Environment of this test process and of the workers it spawns. */
export function jobsEnv(services: TestServices, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: 'idmtest',
    NODE_ENV: 'test',
    ...extra,
  };
}

/** Shortened worker timings of the fault tests: a killed worker's run is stalled after 6 s and picked up within a second. */
export const FAULT_TIMINGS = {
  WORKER_LOCK_DURATION_MS: '6000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_SHUTDOWN_GRACE_MS: '15000',
  WORKER_RETRY_DELAY_MS: '1000',
  WORKER_RUN_RECONCILE_INTERVAL_MS: '1000',
};

/** Makes lib/config, lib/db and the queue of this process use `env` (fresh singletons). */
export async function useEnv(env: Record<string, string>): Promise<void> {
  await releaseClients();
  Object.assign(process.env, env);
  resetConfigForTests();
}

/** The test directory as the LDAP connection, both jobs with `pageSize` and no threshold. */
export async function prepareJobs(services: TestServices, encryptionKey: string, pageSize: number): Promise<void> {
  const { ldap } = services;
  await seedLdapSettings(
    prisma(),
    { url: ldap.url, bindDn: ldap.syncDn, bindPassword: ldap.syncPassword, baseDn: ldap.baseDn },
    parseEncryptionKey(encryptionKey),
  );
  const noThreshold = { maxUsers: null, maxPercent: null };
  for (const key of [INACTIVE_LDAP_USERS, ACTIVE_LDAP_USERS]) {
    const job = await prisma().batchJob.findUniqueOrThrow({ where: { key } });
    await prisma().batchJob.update({ where: { key }, data: { options: { ...(job.options as object), pageSize, threshold: noThreshold } } });
  }
}

export async function releaseClients(): Promise<void> {
  await closeBatchJobsQueue();
  await disconnectDb();
}

export type WorkerProcess = {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first output line matching `pattern` (already printed ones count). */
  waitForLine: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

/** Spawns the real worker process (`npm run worker` without npm); its output is kept in `lines` (and echoed when DEBUG_WORKER is set). */
let built = false;

export function startWorker(env: Record<string, string>): WorkerProcess {
  if (!built) buildRuntime();
  built = true;
  // node itself rather than npm: one process, so SIGKILL really kills the worker.
  const child = spawn(process.execPath, [...RUNTIME_NODE_FLAGS, WORKER_BUNDLE], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (process.env.DEBUG_WORKER) console.log(`[worker ${child.pid}] ${line}`);
    }
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLine = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines.find((l) => pattern.test(l));
        if (found) {
          done();
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`worker printed no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    return exited;
  };
  return { child, lines, waitForLine, exited, stop };
}

/** Polls `probe` until it returns a value other than undefined/false. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Runs `sql` on the test server's maintenance database (e.g. to copy the Identity Manager from a template). */
export async function onAdminDatabase(services: Pick<TestServices, 'databaseUrl'>, sql: string[]): Promise<void> {
  const url = new URL(services.databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const statement of sql) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A run's row (Prisma). */
export async function runRow(id: number) {
  return prisma().batchRun.findUniqueOrThrow({ where: { id } });
}

/** Waits until run `id` has ended; its row. */
export async function waitForRunEnd(id: number, timeoutMs = 180_000) {
  return waitFor(async () => {
    const run = await runRow(id).catch(() => undefined);
    return run && !isActiveStatus(run.status) ? run : undefined;
  }, `run #${id} to end`, timeoutMs);
}

/** Start now of the inactive job, confirmed (the fault tests' people are over any threshold). */
export async function startConfirmedRun(): Promise<number> {
  const started = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', confirmed: true });
  if (!started.started) throw new Error(`not started: ${started.message}`);
  return started.run.id;
}

/**
 * What a run leaves behind, without timestamps: the identity data, the run's counters and its
 * items. Natural keys, not ids: a page rolled back by a fault consumes sequence values, so the ids
 * of the users a run creates differ from an uninterrupted run's; nothing else may.
 */
export async function runFingerprint(runId: number) {
  const db = prisma();
  const run = await runRow(runId);
  const { status, created, updated, unchanged, failed, credentialsChanged, certificatesChanged, rolesWithdrawn, entriesRead, pagesApplied: pages } = run;
  return {
    counters: { status, created, updated, unchanged, failed, credentialsChanged, certificatesChanged, rolesWithdrawn, entriesRead, pages },
    users: await db.$queryRaw`
      SELECT username_key, state::text, source::text, ldap_external_id, ldap_dn, given_name, surname, email, employee_number
      FROM users ORDER BY username_key`,
    credentials: await db.$queryRaw`
      SELECT u.username_key, c.type::text, c.state::text, c.label
      FROM credentials c JOIN users u ON u.id = c.user_id ORDER BY u.username_key, c.type, c.label`,
    certificates: await db.$queryRaw`
      SELECT cert.serial, cert.state::text, cert.revocation_reason::text, cert.revoked_at IS NOT NULL AS revoked, c.label
      FROM certificates cert JOIN credentials c ON c.id = cert.credential_id ORDER BY cert.serial`,
    roles: await db.$queryRaw`
      SELECT u.username_key, r.name FROM user_roles ur JOIN users u ON u.id = ur.user_id JOIN roles r ON r.id = ur.role_id
      ORDER BY u.username_key, r.name`,
    items: await db.$queryRaw`
      SELECT i.external_id, i.username, i.ldap_dn, u.username_key AS user, i.outcome::text, i.reason, i.changes::text
      FROM batch_run_items i LEFT JOIN users u ON u.id = i.user_id
      WHERE i.run_id = ${runId} ORDER BY i.external_id, i.username, i.ldap_dn, i.outcome`,
  };
}
