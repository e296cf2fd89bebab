import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '@/lib/db';
import { generateEncryptionKey } from '@/lib/crypto';
import { saveJobSchedule } from '@/lib/batch-jobs/save-job-schedule';
import { startJobRun } from '@/lib/runs/start-job-run';
import { cancelRun, finishCancelledRun } from '@/lib/runs/cancel-run';
import { isActiveStatus } from '@/lib/runs/run-summary';
import { batchJobsQueue, queueRedis } from '@/lib/queue/batch-jobs-queue';
import { schedulerIdFor } from '@/lib/queue/job-schedulers';
import { readRunProgress } from '@/lib/queue/run-progress';
import { liveWorkers } from '@/lib/queue/worker-heartbeat';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS } from '@/lib/seed/batch-jobs';
import { seedDemoIdentities } from '@/scripts/demo-seed/demo-identities';
import { demoPeople, toLdif } from '@/scripts/demo-data';
import { startRedis } from '@/scripts/services/redis';
import { startSlapd } from '@/scripts/services/slapd';
import { resetIdentityData, startTestServices, type TestServices } from '@/tests/setup/services';
import { jobsEnv, prepareJobs, releaseClients, startWorker, useEnv, waitFor, type WorkerProcess } from './jobs-support';

// The real worker process (the bundled jobs/worker.ts) against real PostgreSQL, Redis and slapd:
// schedules restored and fired, one active run per job, progress, cancel, retries with backoff.
// The faults a run survives (kills, SIGTERM, outages, FLUSHALL, a hung worker): fault-scenarios.test.ts.

// Half of the people are locked in the directory; small pages make a run last long enough to
// be interrupted in the middle.
const people = demoPeople({ size: 800, inactiveShare: 0.5, seed: 99 });
const PAGE_SIZE = 5;
const inactivePeople = people.filter((p) => !p.active).length;
const encryptionKey = generateEncryptionKey();

let services: TestServices;
let env: Record<string, string>;
const workers: WorkerProcess[] = [];

function worker(): WorkerProcess {
  const w = startWorker(env);
  workers.push(w);
  return w;
}

beforeAll(async () => {
  services = await startTestServices({ name: 'jobs-worker', ldif: toLdif(people) });
  env = jobsEnv(services, {
    APP_ENCRYPTION_KEY: encryptionKey,
    // A killed worker's run is stalled after 6 s and picked up within a second after that.
    WORKER_LOCK_DURATION_MS: '6000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    WORKER_SHUTDOWN_GRACE_MS: '15000',
  });
  await useEnv(env);
  await prepareJobs(services, encryptionKey, PAGE_SIZE);
}, 180_000);

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
});

// The directory restarted by the retry test (same folder and port); stopped with the others.
let restartedDirectory: { stop: () => Promise<void> } | undefined;
let replacedRedis: { stop: () => Promise<void> } | undefined;

afterAll(async () => {
  await releaseClients();
  await restartedDirectory?.stop();
  await replacedRedis?.stop();
  await services?.stop();
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Empty Identity Manager plus the demo identities of the directory's people, Redis empty. */
async function freshState(): Promise<void> {
  await resetIdentityData(services.databaseUrl);
  await seedDemoIdentities(prisma(), { people });
  await queueRedis(batchJobsQueue()).flushall();
  await prisma().batchJob.updateMany({ data: { cronExpression: null, paused: false, timeZone: 'UTC' } });
}

async function runRow(id: number) {
  return prisma().batchRun.findUniqueOrThrow({ where: { id } });
}

async function waitForFinalStatus(id: number, timeoutMs = 120_000) {
  return waitFor(async () => {
    const run = await runRow(id);
    return isActiveStatus(run.status) ? undefined : run;
  }, `run #${id} to end`, timeoutMs);
}

async function startInactiveRun(): Promise<number> {
  const started = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', confirmed: true });
  if (!started.started) throw new Error(`not started: ${started.message}`);
  return started.run.id;
}

// Real worker processes on two shared cores: each start costs seconds, so tests get room.
const WORKER_TEST_TIMEOUT = 240_000;

describe('worker', () => {
  it('restores the job schedulers from the database when started against an empty Redis, and stops on SIGTERM', async () => {
    await freshState();
    await prisma().batchJob.update({ where: { key: INACTIVE_LDAP_USERS }, data: { cronExpression: '0 3 * * *', timeZone: 'Europe/Berlin', paused: false } });
    await prisma().batchJob.update({ where: { key: ACTIVE_LDAP_USERS }, data: { cronExpression: '0 0 4 * * 1-5', timeZone: 'America/New_York', paused: false } });
    expect(await batchJobsQueue().getJobSchedulersCount()).toBe(0);

    const w = worker();
    await w.waitForLine(/schedules reconciled/);
    const schedulers = await batchJobsQueue().getJobSchedulers(0, -1, true);
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual([
      [schedulerIdFor(ACTIVE_LDAP_USERS), '0 0 4 * * 1-5', 'America/New_York'],
      [schedulerIdFor(INACTIVE_LDAP_USERS), '0 3 * * *', 'Europe/Berlin'],
    ]);
    expect((await liveWorkers(queueRedis(batchJobsQueue()), 'idmtest')).map((b) => b.pid)).toEqual([w.child.pid]);

    // Redis replaced by an empty one on the same address: the worker reconnects and restores them.
    const port = Number(new URL(services.redisUrl).port);
    // SHUTDOWN through the protocol: the test services keep the redis-server process to themselves.
    // (on a connection of its own that never reconnects, so the command is not replayed to the new Redis).
    const killer = new Redis(services.redisUrl, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
    await killer.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    killer.disconnect();
    await waitFor(async () => ((await canConnect(port)) ? undefined : true), 'the old Redis to go away', 10_000, 100);
    replacedRedis = await startRedis({ dataDir: path.join(services.dataDir, 'redis-replaced'), port });
    await waitFor(async () => ((await batchJobsQueue().getJobSchedulersCount()) === 2 ? true : undefined), 'schedulers in the new Redis', 30_000);
    expect(w.lines.some((l) => /schedules reconciled \(redis ready\): upserted \[active-ldap-users, inactive-ldap-users\]/.test(l))).toBe(true);
    // One line for the outage and one for the recovery, however many reconnects in between.
    expect(w.lines.filter((l) => /\] Redis unavailable: /.test(l))).toHaveLength(1);
    expect(w.lines.filter((l) => /\] Redis available again after /.test(l))).toHaveLength(1);
    expect(w.lines.filter((l) => /ECONNREFUSED|^\s+at /.test(l) && !/\] Redis unavailable: /.test(l))).toEqual([]);

    expect(await w.stop('SIGTERM')).toBe(0);
    expect(await liveWorkers(queueRedis(batchJobsQueue()), 'idmtest')).toEqual([]);
  }, WORKER_TEST_TIMEOUT);

  it('fires a run from a six-field every-2-seconds schedule, and skips firings while a run is active', async () => {
    await freshState();
    // A queued run that no worker will pick up (no BullMQ job) holds the job's active-run slot.
    const blocking = await startJobRun({ jobKey: ACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', enqueue: false });
    if (!blocking.started) throw new Error('not started');
    const w = worker();
    const job = await prisma().batchJob.findUniqueOrThrow({ where: { key: ACTIVE_LDAP_USERS } });
    const saved = await saveJobSchedule({
      jobKey: ACTIVE_LDAP_USERS, cronExpression: '*/2 * * * * *', timeZone: 'UTC', paused: false, expectedVersion: job.version, actor: 'alice',
    });
    expect(saved).toMatchObject({ ok: true, scheduler: 'upserted' });
    await w.waitForLine(new RegExp(`fired while run #${blocking.run.id} is QUEUED: skipped`), 20_000);
    expect(await prisma().batchRun.count({ where: { jobKey: ACTIVE_LDAP_USERS } })).toBe(1);
    await finishCancelledRun(blocking.run.id, 'Cancelled by the test.');

    const run = await waitFor(
      () => prisma().batchRun.findFirst({ where: { jobKey: ACTIVE_LDAP_USERS, trigger: 'SCHEDULE', status: { in: ['SUCCEEDED', 'COMPLETED_WITH_ERRORS'] } } }).then((r) => r ?? undefined),
      'a scheduled run to end',
      60_000,
    );
    expect(run.startedBy).toBeNull();
    expect(run.entriesRead).toBeGreaterThan(0);
    const stopped = await saveJobSchedule({
      jobKey: ACTIVE_LDAP_USERS, cronExpression: '*/2 * * * * *', timeZone: 'UTC', paused: true, expectedVersion: job.version + 1, actor: 'alice',
    });
    expect(stopped).toMatchObject({ ok: true, scheduler: 'removed' });
  }, WORKER_TEST_TIMEOUT);

  it('returns the active run on a second start, publishes progress and cancels between pages', async () => {
    await freshState();
    const w = worker();
    await w.waitForLine(/started:/);
    const runId = await startInactiveRun();
    const running = await waitFor(async () => {
      const run = await runRow(runId);
      return run.status === 'RUNNING' && run.pagesApplied >= 2 ? run : undefined;
    }, 'the run to apply two pages', 60_000, 50);
    expect(running.pagesApplied).toBeGreaterThanOrEqual(2);

    const second = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'oscar', confirmed: true });
    expect(second).toMatchObject({ started: false, code: 'run_already_active', activeRun: { id: runId } });
    const progress = await readRunProgress(queueRedis(batchJobsQueue()), 'idmtest', runId);
    expect(progress?.page).toBeGreaterThanOrEqual(1);
    expect(progress?.entriesRead).toBeGreaterThan(0);

    expect(await cancelRun({ runId, actor: 'olivia' })).toMatchObject({ ok: true, cancelledNow: false });
    const ended = await waitForFinalStatus(runId, 30_000);
    expect(ended.status).toBe('CANCELLED');
    expect(ended.pagesApplied).toBeLessThan(Math.ceil(inactivePeople / PAGE_SIZE));
    // A page is atomic: the users of the applied pages are inactive, the others untouched.
    const deactivated = await prisma().user.count({ where: { state: 'INACTIVE', lastSynchronizedAt: { not: null } } });
    expect(deactivated).toBeLessThan(inactivePeople);
    expect((await prisma().batchJob.findUniqueOrThrow({ where: { key: INACTIVE_LDAP_USERS } })).activeRunId).toBeNull();
  }, WORKER_TEST_TIMEOUT);

  it('retries a run whose directory went away with backoff, records each attempt, and fails it when attempts run out', async () => {
    await freshState();
    const retryEnv = { ...env, WORKER_RETRY_DELAY_MS: '300' };
    const w = startWorker(retryEnv);
    workers.push(w);
    await w.waitForLine(/started:/);
    const port = Number(new URL(services.ldap.url).port);
    const restart = async () => {
      restartedDirectory = await startSlapd({ dataDir: path.join(services.dataDir, 'slapd'), port });
    };

    // Connection lost in the middle: the run stays RUNNING with the error, and resumes once the directory is back.
    const runId = await startInactiveRun();
    await waitFor(async () => ((await runRow(runId)).pagesApplied >= 2 ? true : undefined), 'two pages', 60_000, 20);
    await services.ldap.stop();
    await w.waitForLine(new RegExp(`run #${runId}: transient failure on attempt 1 of 5`), 30_000);
    const waiting = await runRow(runId);
    expect(waiting.status).toBe('RUNNING');
    expect(waiting.error).toBeTruthy();
    await restart();
    const resumed = await waitForFinalStatus(runId);
    expect(resumed.status).toBe('SUCCEEDED');
    expect(resumed.attempts).toBeGreaterThanOrEqual(2);
    expect(resumed.entriesRead).toBe(inactivePeople);

    // Directory gone for good: five attempts (0.3 s, 0.6 s, 1.2 s, 2.4 s apart), then FAILED with the last error.
    await restartedDirectory!.stop();
    const doomedId = await startInactiveRun();
    const failed = await waitForFinalStatus(doomedId, 60_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.attempts).toBe(5);
    expect(failed.error).toBeTruthy();
    expect(w.lines.join('\n')).toMatch(new RegExp(`run #${doomedId}: transient failure on the last attempt \\(5\\)`));
    expect((await prisma().batchJob.findUniqueOrThrow({ where: { key: INACTIVE_LDAP_USERS } })).activeRunId).toBeNull();
    await restart();
  }, WORKER_TEST_TIMEOUT);

});
