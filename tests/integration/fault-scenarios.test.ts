import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '@/lib/db';
import { generateEncryptionKey } from '@/lib/crypto';
import { startJobRun } from '@/lib/runs/start-job-run';
import { finishCancelledRun } from '@/lib/runs/cancel-run';
import { ACTIVE_RUN_STATUSES } from '@/lib/runs/run-summary';
import { batchJobsQueue, queueRedis } from '@/lib/queue/batch-jobs-queue';
import { INACTIVE_LDAP_USERS } from '@/lib/seed/batch-jobs';
import { seedDemoIdentities } from '@/scripts/demo-seed/demo-identities';
import { demoPeople, toLdif } from '@/scripts/demo-data';
import { generatedInactiveCount, seedGeneratedIdentityManager, writeGeneratedLdif, type GeneratedDirectory } from '@/scripts/generated-directory';
import { startSlapd } from '@/scripts/services/slapd';
import { startTestServices, type TestServices } from '@/tests/setup/services';
import { FAULT_TIMINGS, jobsEnv, prepareJobs, releaseClients, runFingerprint, runRow, startConfirmedRun, startWorker, useEnv, waitFor, waitForRunEnd, type WorkerProcess, onAdminDatabase } from './jobs-support';

// The faults a production run meets, each against the real worker process, PostgreSQL, Redis and
// slapd, each from the same pristine Identity Manager, each required to end (no active run left,
// the job startable again) in exactly the state of an uninterrupted run: users, credentials,
// certificates, role assignments, the run's counters and its run items.
// (20 concurrent starts giving exactly one run: tests/integration/run-lifecycle.test.ts.)
//
// FAULT_SCENARIOS_PEOPLE replays them on the bench's large generated directory (a fifth of it
// inactive, as in the measurements of issue 14): `FAULT_SCENARIOS_PEOPLE=200000 npm run test:faults`.
// Either way a run has about 80 pages.
const SIZE = Number(process.env.FAULT_SCENARIOS_PEOPLE ?? 0);
const generated: GeneratedDirectory | undefined = SIZE > 0 ? { people: SIZE, inactiveShare: 0.2 } : undefined;
// The demo's people otherwise: half of them locked, with names from many scripts, some missing from the Identity Manager.
const people = generated ? [] : demoPeople({ size: 800, inactiveShare: 0.5, seed: 99 });
const inactivePeople = generated ? generatedInactiveCount(generated) : people.filter((p) => !p.active).length;
const PAGE_SIZE = Math.max(5, Math.ceil(inactivePeople / 80));
const PAGES = Math.ceil(inactivePeople / PAGE_SIZE);
const encryptionKey = generateEncryptionKey();
const TIMINGS = {
  APP_ENCRYPTION_KEY: encryptionKey,
  ...FAULT_TIMINGS,
};
const TIMEOUT = 300_000;

let services: TestServices;
let env: Record<string, string>;
const workers: WorkerProcess[] = [];
// The directory the slapd scenario starts again (same folder and port): it serves the scenarios after it.
let restartedDirectory: { stop: () => Promise<void> } | undefined;

function worker(extra: Record<string, string> = {}): WorkerProcess {
  const w = startWorker({ ...env, ...extra });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  if (generated) {
    const ldifPath = path.resolve('.test-data', `fault-scenarios-${process.pid}.ldif`);
    await writeGeneratedLdif(ldifPath, generated);
    services = await startTestServices({ name: 'fault-scenarios', ldifPath }).finally(() => rmSync(ldifPath, { force: true }));
    const db = new pg.Client({ connectionString: services.databaseUrl });
    await db.connect();
    await seedGeneratedIdentityManager(db, generated.people).finally(() => db.end());
  } else {
    services = await startTestServices({ name: 'fault-scenarios', ldif: toLdif(people) });
  }
  env = jobsEnv(services, TIMINGS);
  await useEnv(env);
  await prepareJobs(services, encryptionKey, PAGE_SIZE);
  if (!generated) await seedDemoIdentities(prisma(), { people });
  // Every scenario starts from a copy of this database: the same ids, the same rows.
  await releaseClients();
  await onAdminDatabase(services, ['CREATE DATABASE idm_pristine TEMPLATE idm']);
}, 600_000 + SIZE * 5);

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
});

afterAll(async () => {
  await releaseClients();
  await restartedDirectory?.stop();
  await services?.stop();
});

/** The pristine Identity Manager again (a copy of the template), Redis empty, the directory up. */
async function pristine(): Promise<void> {
  await releaseClients();
  await onAdminDatabase(services, ['DROP DATABASE IF EXISTS idm WITH (FORCE)', 'CREATE DATABASE idm TEMPLATE idm_pristine']);
  await queueRedis(batchJobsQueue()).flushall();
}

/** Polls the run, riding out a database that is restarting. */
async function pagesApplied(id: number): Promise<number> {
  return runRow(id).then((r) => r.pagesApplied, () => -1);
}

function untilPages(id: number, share: number) {
  const target = Math.max(2, Math.round(PAGES * share));
  return waitFor(async () => ((await pagesApplied(id)) >= target ? true : undefined), `${target} pages of run #${id}`, 120_000, 10);
}

let reference: Awaited<ReturnType<typeof runFingerprint>> | undefined;

/** The run nobody disturbs, once per file: what every disturbed run must reach. */
async function uninterrupted() {
  if (reference) return reference;
  await pristine();
  const w = worker();
  await w.waitForLine(/started:/);
  const runId = await startConfirmedRun();
  expect((await waitForRunEnd(runId)).status).toBe('SUCCEEDED');
  reference = await runFingerprint(runId);
  expect(reference.counters.pages).toBe(PAGES);
  await w.stop('SIGTERM');
  workers.splice(workers.indexOf(w), 1);
  return reference;
}

/** The disturbed run ended as the uninterrupted one did, left nothing active, and the job starts again. */
async function expectSameAsUninterrupted(runId: number, expected: NonNullable<typeof reference>) {
  const ended = await waitForRunEnd(runId);
  expect(await runFingerprint(runId)).toEqual(expected);
  expect(ended.errorCode).toBeNull();
  expect(await prisma().batchRun.count({ where: { status: { in: [...ACTIVE_RUN_STATUSES] } } })).toBe(0);
  const again = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', confirmed: true, enqueue: false });
  expect(again.started).toBe(true);
  if (again.started) await finishCancelledRun(again.run.id, 'The job starts again: checked by the test.');
}

/** The worker that runs `runId` (it announces each attempt). */
function holderOf(runId: number, candidates: WorkerProcess[]): WorkerProcess {
  const holder = candidates.find((w) => w.lines.some((l) => l.includes(`run #${runId} of ${INACTIVE_LDAP_USERS}: attempt`)));
  if (!holder) throw new Error(`no worker announced run #${runId}`);
  return holder;
}

/** From the pristine state: `count` workers up, the run started and `share` of its pages applied. */
async function runUntil(share: number, count = 1, extra: Record<string, string> = {}) {
  await pristine();
  const started = Array.from({ length: count }, () => worker(extra));
  await Promise.all(started.map((w) => w.waitForLine(/started:/)));
  const runId = await startConfirmedRun();
  await untilPages(runId, share);
  return { runId, worker: started[0]!, workers: started };
}

describe('fault scenarios: every run ends, in the state of an uninterrupted run', () => {
  for (const share of [0.3, 0.7]) {
    it(`worker SIGKILL at ~${share * 100} % of the pages: another worker resumes after the last committed page`, async () => {
      const expected = await uninterrupted();
      const { runId, worker: doomed } = await runUntil(share);
      await doomed.stop('SIGKILL');
      expect((await runRow(runId)).status).toBe('RUNNING');
      expect((await runRow(runId)).pagesApplied).toBeLessThan(PAGES);

      const rescuer = worker();
      await rescuer.waitForLine(/stalled/, 60_000);
      await expectSameAsUninterrupted(runId, expected);
      expect((await runRow(runId)).attempts).toBeGreaterThanOrEqual(2);
    }, TIMEOUT);
  }

  it('two workers, the holder killed: the other takes the run over', async () => {
    const expected = await uninterrupted();
    const { runId, workers: pair } = await runUntil(0.5, 2);
    const holder = holderOf(runId, pair);
    await holder.stop('SIGKILL');
    const other = pair.find((w) => w !== holder)!;
    await other.waitForLine(/stalled/, 60_000);
    await expectSameAsUninterrupted(runId, expected);
  }, TIMEOUT);

  it('SIGTERM with one worker: the run is handed back between pages and waits, unchanged, for the next worker', async () => {
    const expected = await uninterrupted();
    const { runId, worker: leaving } = await runUntil(0.5);
    expect(await leaving.stop('SIGTERM')).toBe(0);
    expect(leaving.lines.join('\n')).toMatch(new RegExp(`run #${runId} released between pages`));
    const parked = await runRow(runId);
    expect(parked.status).toBe('RUNNING');
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await runRow(runId)).pagesApplied).toBe(parked.pagesApplied);

    const next = worker();
    await expectSameAsUninterrupted(runId, expected);
    // Handed back, not abandoned: taken from the queue, not through stalled-job recovery.
    expect(next.lines.filter((l) => /stalled/.test(l))).toEqual([]);
  }, TIMEOUT);

  it('SIGTERM with two workers: the other worker takes the run from the queue at once', async () => {
    const expected = await uninterrupted();
    const { runId, workers: pair } = await runUntil(0.5, 2);
    const holder = holderOf(runId, pair);
    expect(await holder.stop('SIGTERM')).toBe(0);
    const other = pair.find((w) => w !== holder)!;
    await expectSameAsUninterrupted(runId, expected);
    expect(other.lines.join('\n')).toMatch(new RegExp(`run #${runId} of ${INACTIVE_LDAP_USERS}: attempt`));
    expect(other.lines.filter((l) => /stalled/.test(l))).toEqual([]);
  }, TIMEOUT);

  it('slapd stopped for 20 s mid-run: the page retries with backoff until the directory is back', async () => {
    const expected = await uninterrupted();
    // Retries 2.5, 5, 10 and 20 s apart: the fifth attempt comes after the directory is back.
    const { runId, worker: w } = await runUntil(0.5, 1, { WORKER_RETRY_DELAY_MS: '2500' });
    await services.ldap.stop();
    await w.waitForLine(new RegExp(`run #${runId}: .*attempt 1 of 5`), 30_000);
    await new Promise((r) => setTimeout(r, 20_000));
    restartedDirectory = await startSlapd({ dataDir: path.join(services.dataDir, 'slapd'), port: Number(new URL(services.ldap.url).port) });
    await expectSameAsUninterrupted(runId, expected);
    expect(w.lines.filter((l) => /\] LDAP directory unavailable: /.test(l))).toHaveLength(1);
    expect(w.lines.filter((l) => /\] LDAP directory available again after /.test(l))).toHaveLength(1);
  }, TIMEOUT);

  it('PostgreSQL restarted mid-run: the worker lives on, the page retries, the run ends', async () => {
    const expected = await uninterrupted();
    const { runId, worker: w } = await runUntil(0.5);
    await services.restartPostgres(2_000);
    await expectSameAsUninterrupted(runId, expected);
    expect(w.child.exitCode).toBeNull();
    expect(w.lines.join('\n')).not.toMatch(/Unhandled|uncaught/i);
    expect(w.lines.filter((l) => /\] PostgreSQL unavailable: /.test(l))).toHaveLength(1);
    expect(w.lines.filter((l) => /\] PostgreSQL available again after /.test(l))).toHaveLength(1);
  }, TIMEOUT);

  it('Redis FLUSHALL while idle: the schedules are back within seconds and a run works', async () => {
    const expected = await uninterrupted();
    await pristine();
    await prisma().batchJob.update({ where: { key: INACTIVE_LDAP_USERS }, data: { cronExpression: '0 3 * * *' } });
    const w = worker();
    await w.waitForLine(/started:/);
    const queue = batchJobsQueue();
    await waitFor(async () => ((await queue.getJobSchedulers()).length === 1 ? true : undefined), 'the schedule', 10_000);
    const flushedAt = Date.now();
    await queueRedis(queue).flushall();
    await waitFor(async () => ((await queue.getJobSchedulers()).length === 1 ? true : undefined), 'the schedule back', 10_000, 100);
    expect(Date.now() - flushedAt).toBeLessThan(5_000);
    await expectSameAsUninterrupted(await startConfirmedRun(), expected);
  }, TIMEOUT);

  it('Redis FLUSHALL mid-run, worker alive: the run ends once, as an uninterrupted run', async () => {
    const expected = await uninterrupted();
    const { runId, worker: w } = await runUntil(0.5);
    await queueRedis(batchJobsQueue()).flushall();
    await expectSameAsUninterrupted(runId, expected);
    expect(w.child.exitCode).toBeNull();
  }, TIMEOUT);

  it('Redis FLUSHALL mid-run, then the worker killed: another worker queues the run again', async () => {
    const expected = await uninterrupted();
    const { runId, worker: doomed } = await runUntil(0.3);
    await queueRedis(batchJobsQueue()).flushall();
    await doomed.stop('SIGKILL');
    expect((await runRow(runId)).status).toBe('RUNNING');

    // No job is left to stall: only the reconciliation of a new worker can bring the run back.
    const rescuer = worker();
    await rescuer.waitForLine(new RegExp(`run #${runId} had lost its queue job`), 60_000);
    await expectSameAsUninterrupted(runId, expected);
  }, TIMEOUT);

  it('Redis FLUSHALL while a run waits for its retry: the run is queued again within seconds and ends', async () => {
    const expected = await uninterrupted();
    await pristine();
    const w = worker({ WORKER_RETRY_DELAY_MS: '60000' });
    await w.waitForLine(/started:/);
    // The directory unreachable at the start: the run waits a minute for its retry ...
    const settings = await prisma().ldapSettings.findUniqueOrThrow({ where: { id: 1 } });
    await prisma().ldapSettings.update({ where: { id: 1 }, data: { urls: ['ldap://127.0.0.1:1'] } });
    const runId = await startConfirmedRun();
    await w.waitForLine(new RegExp(`run #${runId}: .*attempt 1 of 5`), 30_000);
    await prisma().ldapSettings.update({ where: { id: 1 }, data: { urls: settings.urls } });
    // ... when Redis loses its queue job.
    const flushedAt = Date.now();
    await queueRedis(batchJobsQueue()).flushall();
    await w.waitForLine(new RegExp(`run #${runId} had lost its queue job`), 30_000);
    expect(Date.now() - flushedAt).toBeLessThan(15_000);
    // The failed first attempt read nothing: the run's items and counters are those of an uninterrupted run.
    await expectSameAsUninterrupted(runId, expected);
  }, TIMEOUT);

  it('a worker that hangs (SIGSTOP) while a second one takes its run over writes nothing when it wakes up (SIGCONT)', async () => {
    const expected = await uninterrupted();
    const { runId, worker: hung } = await runUntil(0.3);
    hung.child.kill('SIGSTOP');
    try {
      // Its lock runs out (6 s) and the other worker's stalled-job check hands the run over.
      const other = worker();
      await other.waitForLine(/stalled/, 60_000);
      await waitForRunEnd(runId);
    } finally {
      hung.child.kill('SIGCONT');
    }
    await new Promise((r) => setTimeout(r, 3_000)); // the woken worker does whatever it still would
    await expectSameAsUninterrupted(runId, expected);
  }, TIMEOUT);
});
