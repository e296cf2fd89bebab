import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '@/lib/db';
import { config, resetConfigForTests } from '@/lib/config';
import { generateEncryptionKey } from '@/lib/crypto';
import { ACTIVE_RUN_STATUSES } from '@/lib/runs/run-summary';
import { seedDemoIdentities } from '@/scripts/demo-seed/demo-identities';
import { demoPeople, toLdif } from '@/scripts/demo-data';
import { cachedView, clearOperatorCache, disconnectCacheRedis, lastCacheClear } from '@/lib/cache';
import { hitRateLimit, RATE_LIMITS } from '@/lib/security/rate-limit';
import { failedRecentlyFrom, markFailedSignIn } from '@/lib/auth/sign-in-throttle';
import { batchJobsQueue, queueRedis } from '@/lib/queue/batch-jobs-queue';
import { publishRunProgress, readRunProgress } from '@/lib/queue/run-progress';
import { liveWorkers, writeWorkerHeartbeat } from '@/lib/queue/worker-heartbeat';
import { createRedis, isCluster } from '@/lib/redis/create-redis';
import { parseRedisUrl } from '@/lib/redis/redis-url';
import { startTestServices, type TestServices } from '@/tests/setup/services';
import { redisCli, startRedisCluster, startRedisSentinelGroup, type RedisNode } from '@/tests/setup/redis-ha';
import { FAULT_TIMINGS, jobsEnv, prepareJobs, releaseClients, runFingerprint, runRow, startConfirmedRun, startWorker, useEnv, waitFor, waitForRunEnd, type WorkerProcess, onAdminDatabase } from './jobs-support';

// Issue 17: REDIS_URL names a Redis Cluster or a Sentinel group, two workers share the work, and
// the master holding the installation's keys fails (SIGKILL: no goodbye, replication cut short)
// while a run is in progress. The run must end exactly as an uninterrupted one (users,
// credentials, certificates, roles, counters and items, compared by natural keys as in
// fault-scenarios.test.ts), no run may be left QUEUED or RUNNING, the workers carry on (a
// second run through the queue succeeds), and each worker says once that Redis was unavailable
// and once that it is back.

const people = demoPeople({ size: 800, inactiveShare: 0.5, seed: 17 });
const inactivePeople = people.filter((p) => !p.active).length;
const PAGE_SIZE = 5;
const PAGES = Math.ceil(inactivePeople / PAGE_SIZE);
const encryptionKey = generateEncryptionKey();
const TIMEOUT = 180_000;

let services: TestServices;
let env: Record<string, string>;
const workers: WorkerProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  services = await startTestServices({ name: 'redis-failover', ldif: toLdif(people) });
  env = jobsEnv(services, { APP_ENCRYPTION_KEY: encryptionKey, ...FAULT_TIMINGS });
  await useEnv(env);
  await prepareJobs(services, encryptionKey, PAGE_SIZE);
  await seedDemoIdentities(prisma(), { people });
  await releaseClients();
  await onAdminDatabase(services, ['CREATE DATABASE idm_pristine TEMPLATE idm']);
}, 600_000);

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
  await releaseClients();
  await disconnectCacheRedis();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

afterAll(async () => {
  await releaseClients();
  await services?.stop();
});

/** The pristine Identity Manager again, this process and its workers on `redisUrl`. */
async function pristine(redisUrl: string): Promise<Record<string, string>> {
  await releaseClients();
  await onAdminDatabase(services, ['DROP DATABASE IF EXISTS idm WITH (FORCE)', 'CREATE DATABASE idm TEMPLATE idm_pristine']);
  const scenarioEnv = { ...env, REDIS_URL: redisUrl };
  // What useEnv does (the clients were released above), outside a hook-named function.
  Object.assign(process.env, scenarioEnv);
  resetConfigForTests();
  // This process's queue (it starts the runs) sees the failover too; BullMQ prints every error of a
  // queue without a listener. The workers' reports are what is tested.
  batchJobsQueue().on('error', () => undefined);
  return scenarioEnv;
}

function worker(scenarioEnv: Record<string, string>): WorkerProcess {
  const w = startWorker(scenarioEnv);
  workers.push(w);
  return w;
}

let reference: Awaited<ReturnType<typeof runFingerprint>> | undefined;

/** The run nobody disturbs, on the single Redis of the test services: what both failovers must reach. */
async function uninterrupted() {
  if (reference) return reference;
  const scenarioEnv = await pristine(services.redisUrl);
  const w = worker(scenarioEnv);
  await w.waitForLine(/started:/);
  const runId = await startConfirmedRun();
  expect((await waitForRunEnd(runId)).status).toBe('SUCCEEDED');
  reference = await runFingerprint(runId);
  expect(reference.counters.pages).toBe(PAGES);
  await w.stop('SIGTERM');
  workers.splice(workers.indexOf(w), 1);
  return reference;
}

/**
 * Two workers on `redisUrl`, a run started and a third of its pages applied; then `fail` kills
 * the master of the installation's keys. The run ends as the uninterrupted one, nothing is left
 * active, the job runs again through the queue, and the workers' logs say one outage, one recovery.
 */
async function survivesFailover(redisUrl: string, fail: () => Promise<void>) {
  const expected = await uninterrupted();
  const scenarioEnv = await pristine(redisUrl);
  const pair = [worker(scenarioEnv), worker(scenarioEnv)];
  await Promise.all(pair.map((w) => w.waitForLine(/started:/)));
  const runId = await startConfirmedRun();
  const target = Math.round(PAGES / 3);
  await waitFor(async () => ((await runRow(runId)).pagesApplied >= target ? true : undefined), `${target} pages of run #${runId}`, 60_000, 10);
  const failedAt = Date.now();
  await fail();
  expect((await runRow(runId)).pagesApplied).toBeLessThan(PAGES);

  // Within the test's own timeout, so that a stall reports what the workers said.
  const ended = await waitForRunEnd(runId, 100_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${pair.map((w, i) => `worker ${i + 1}, last lines:\n${w.lines.slice(-25).join('\n')}`).join('\n')}`);
  });
  expect(ended.errorCode).toBeNull();
  expect(await runFingerprint(runId)).toEqual(expected);
  expect(await prisma().batchRun.count({ where: { status: { in: [...ACTIVE_RUN_STATUSES] } } })).toBe(0);

  // The workers carry on against the new master: a second run goes through the queue and ends.
  const again = await startConfirmedRun();
  const second = await waitForRunEnd(again, 40_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${pair.map((w, i) => `worker ${i + 1}, last lines:\n${w.lines.slice(-25).join('\n')}`).join('\n')}`);
  });
  expect(second.status).toBe('SUCCEEDED');
  expect(second.created + second.updated).toBe(0);
  expect(await prisma().batchRun.count({ where: { status: { in: [...ACTIVE_RUN_STATUSES] } } })).toBe(0);

  // Each worker (both wait on the master in a blocking read): one outage line, one recovery line.
  for (const w of pair) {
    expect(w.child.exitCode).toBeNull();
    expect(w.lines.filter((l) => /\] Redis unavailable: /.test(l))).toHaveLength(1);
    expect(w.lines.filter((l) => /\] Redis available again after /.test(l))).toHaveLength(1);
    expect(w.lines.join('\n')).not.toMatch(/Unhandled|uncaught/i);
  }
  return { runId, seconds: (Date.now() - failedAt) / 1000 };
}

function kill(node: RedisNode): Promise<void> {
  node.process.kill('SIGKILL');
  return node.exited;
}

describe('Redis failover: a run survives its master failing over, in the state of an uninterrupted run', () => {
  it('Redis Cluster (3 masters, 3 replicas, cluster-node-timeout 15 s): the master of the {prefix} slot killed mid-run, its replica takes over', async () => {
    // Redis Cluster's default node timeout: the master is failed over ~20 s after the kill, longer
    // than the run's lock (6 s), so the other worker takes the run over while the first is fenced off.
    const cluster = await startRedisCluster(path.join(services.dataDir, 'cluster'), { nodeTimeoutMs: 15_000 });
    cleanups.push(cluster.stop);
    await survivesFailover(cluster.url, async () => {
      // Every key of the installation is under the prefix's hash tag: one slot, one master.
      const key = `${config().REDIS_PREFIX}:batch-jobs:id`;
      expect(config().REDIS_PREFIX).toBe('{idmtest}');
      const master = await cluster.masterOf(key);
      await kill(master);
      const promoted = await cluster.waitForNewMaster(key, master);
      expect(promoted).not.toBe(master);
    });
  }, TIMEOUT);

  it('Sentinel (a primary, a replica, 3 sentinels): the primary killed mid-run, the replica is promoted', async () => {
    const group = await startRedisSentinelGroup(path.join(services.dataDir, 'sentinel'));
    cleanups.push(group.stop);
    await survivesFailover(group.url, async () => {
      expect(await group.masterPort()).toBe(group.primary.port);
      await kill(group.primary);
      await waitFor(async () => ((await group.masterPort()) === group.replica.port ? true : undefined), 'the sentinels to promote the replica', 30_000);
    });
  }, TIMEOUT);

  it('on a cluster whose master is down, every reconnect of a queue connection settles (the worker\'s fetch loop awaits it)', async () => {
    // BullMQ's worker resets its blocking connection when a blocking read outlives its watchdog (as
    // one does while a master is down): disconnect, then await connect(). ioredis's cluster ready
    // check sends CLUSTER INFO to a random master; on the dead one it fails, ioredis reconnects by
    // itself and the connect() awaited stays pending forever: that worker never fetched again. With
    // the slot map still naming the dead master (a 15 s node timeout), each reconnect had a 1 in 3
    // chance to hang; twelve in a row all settle only if the hang is gone.
    const cluster = await startRedisCluster(path.join(services.dataDir, 'cluster-reconnect'), { nodeTimeoutMs: 15_000 });
    cleanups.push(cluster.stop);
    const client = createRedis({ purpose: 'queue', target: parseRedisUrl(cluster.url) });
    cleanups.push(async () => client.disconnect());
    expect(isCluster(client)).toBe(true);
    await client.set('{idmtest}:probe', '1');
    const master = await cluster.masterOf('{idmtest}:probe');
    await kill(master);
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const ended = new Promise((resolve) => client.once('end', resolve));
      client.disconnect();
      await ended;
      outcomes.push(
        await Promise.race([
          client.connect().then(
            () => 'connected',
            (error: Error) => `refused: ${error.message}`,
          ),
          new Promise<string>((resolve) => setTimeout(() => resolve('pending after 10 s'), 10_000)),
        ]),
      );
    }
    expect(outcomes.filter((o) => o.startsWith('pending'))).toEqual([]);
    expect(outcomes).toContain('connected');
  }, TIMEOUT);

  it("on a cluster, the app's own keys (cache, rate limits, sign-in marks, progress, heartbeats) work and share the prefix's slot", async () => {
    const cluster = await startRedisCluster(path.join(services.dataDir, 'cluster-keys'));
    cleanups.push(cluster.stop);
    await pristine(cluster.url);
    const prefix = config().REDIS_PREFIX;
    // MULTI over two keys (generation and last clear): refused with CROSSSLOT unless they share a slot.
    expect((await clearOperatorCache({ actor: 'olivia' })).generation).toBe(1);
    expect(await lastCacheClear()).toMatchObject({ by: 'olivia' });
    expect((await cachedView('jobs', async () => ({ n: 1 }))).fromCache).toBe(false);
    expect(await cachedView('jobs', async () => ({ n: 2 }))).toMatchObject({ fromCache: true, value: { n: 1 } });
    // A Lua script (EVAL) and a MULTI on one key each.
    const rule = { ...RATE_LIMITS.startNowPerCaller, limit: 2 };
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push((await hitRateLimit(rule, 'olivia')).ok);
    expect(hits).toEqual([true, true, false]);
    await markFailedSignIn(42, '192.0.2.7', new Date());
    expect(await failedRecentlyFrom({ id: 42, username: 'nobody' }, '192.0.2.7', new Date())).toBe(true);
    // The worker's keys: progress and heartbeats (listed without SCAN, which would see one node only).
    const redis = queueRedis(batchJobsQueue());
    const progress = { runId: 7, entriesRead: 5, entriesTotal: 10, usersProcessed: 5, page: 1, counters: {}, at: new Date().toISOString() };
    await publishRunProgress(redis, prefix, progress);
    expect(await readRunProgress(redis, prefix, 7)).toEqual(progress);
    const now = new Date().toISOString();
    await writeWorkerHeartbeat(redis, prefix, { workerId: 'w1', pid: 1, host: 'h', startedAt: now, at: now });
    await writeWorkerHeartbeat(redis, prefix, { workerId: 'w2', pid: 2, host: 'h', startedAt: now, at: now });
    expect((await liveWorkers(redis, prefix)).map((w) => w.workerId).sort()).toEqual(['w1', 'w2']);

    // Every key is on the one master of the prefix's slot, under the prefix.
    const home = await cluster.masterOf(`${prefix}:x`);
    const keysBy = new Map<number, string[]>();
    for (const node of cluster.nodes) {
      if ((await redisCli(node.port, 'ROLE')).startsWith('master')) keysBy.set(node.port, (await redisCli(node.port, '--scan')).split('\n').filter(Boolean));
    }
    const homeKeys = keysBy.get(home.port)!;
    expect(homeKeys.length).toBeGreaterThanOrEqual(8);
    expect(homeKeys.every((k) => k.startsWith('{idmtest}:'))).toBe(true);
    for (const [port, keys] of keysBy) if (port !== home.port) expect(keys).toEqual([]);
  }, TIMEOUT);
});
