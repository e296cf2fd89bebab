import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prisma } from '@/lib/db';
import { saveJobSchedule } from '@/lib/batch-jobs/save-job-schedule';
import { startJobRun } from '@/lib/runs/start-job-run';
import { cancelRun } from '@/lib/runs/cancel-run';
import { listJobsWithStatus } from '@/lib/batch-jobs/list-jobs-with-status';
import { followRun, getRunSnapshot } from '@/lib/runs/follow-run';
import { batchJobsQueue, queueRedis, runJobId } from '@/lib/queue/batch-jobs-queue';
import { reconcileJobSchedulers, schedulerIdFor } from '@/lib/queue/job-schedulers';
import { INACTIVE_LDAP_USERS, ACTIVE_LDAP_USERS } from '@/lib/seed/batch-jobs';
import { resetIdentityData, startTestServices, type TestServices } from '@/tests/setup/services';
import { jobsEnv, releaseClients, useEnv } from './jobs-support';

// Schedules, manual start, cancel and status against real PostgreSQL and Redis (no worker here:
// runs stay queued, which is what these use cases must handle).

let services: TestServices;

beforeAll(async () => {
  services = await startTestServices({ name: 'jobs-scheduling' });
  await useEnv(jobsEnv(services));
});

afterAll(async () => {
  await releaseClients();
  await services?.stop();
});

beforeEach(async () => {
  await resetIdentityData(services.databaseUrl);
  await queueRedis(batchJobsQueue()).flushall();
  await prisma().batchJob.updateMany({ data: { cronExpression: null, paused: false, timeZone: 'UTC' } });
});

async function version(key: string): Promise<number> {
  return (await prisma().batchJob.findUniqueOrThrow({ where: { key } })).version;
}

describe('saveJobSchedule', () => {
  it('creates the job scheduler with the pattern and time zone, replaces it on change and removes it when disabled', async () => {
    const saved = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS,
      cronExpression: '  0 2  * * 1-5 ',
      timeZone: 'Europe/Berlin',
      paused: false,
      expectedVersion: await version(INACTIVE_LDAP_USERS),
      actor: 'alice',
    });
    expect(saved).toMatchObject({ ok: true, scheduler: 'upserted', job: { cronExpression: '0 2 * * 1-5', timeZone: 'Europe/Berlin' } });
    const queue = batchJobsQueue();
    let scheduler = await queue.getJobScheduler(schedulerIdFor(INACTIVE_LDAP_USERS));
    expect(scheduler).toMatchObject({ pattern: '0 2 * * 1-5', tz: 'Europe/Berlin', template: { data: { jobKey: INACTIVE_LDAP_USERS, trigger: 'SCHEDULE' } } });
    // The first firing is 02:00 Berlin time on a weekday.
    const next = new Date(scheduler!.next!);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next)).toBe('02:00');

    const changed = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS,
      cronExpression: '30 23 * * *',
      timeZone: 'America/New_York',
      paused: false,
      expectedVersion: await version(INACTIVE_LDAP_USERS),
      actor: 'alice',
    });
    expect(changed).toMatchObject({ ok: true, scheduler: 'upserted' });
    const all = await queue.getJobSchedulers(0, -1);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ key: schedulerIdFor(INACTIVE_LDAP_USERS), pattern: '30 23 * * *', tz: 'America/New_York' });

    const disabled = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS,
      cronExpression: '30 23 * * *',
      timeZone: 'America/New_York',
      paused: true,
      expectedVersion: await version(INACTIVE_LDAP_USERS),
      actor: 'alice',
    });
    expect(disabled).toMatchObject({ ok: true, scheduler: 'removed' });
    scheduler = await queue.getJobScheduler(schedulerIdFor(INACTIVE_LDAP_USERS));
    expect(scheduler).toBeUndefined();

    const audit = await prisma().auditEvent.findMany({ where: { action: 'job.schedule.saved' }, orderBy: { id: 'asc' } });
    expect(audit).toHaveLength(3);
    expect(audit[0]).toMatchObject({ actor: 'alice', target: INACTIVE_LDAP_USERS });
    expect(audit[1]!.details).toMatchObject({ before: { cronExpression: '0 2 * * 1-5' }, after: { cronExpression: '30 23 * * *' } });
  });

  it('schedules a job when only an expression is saved (the vendor\'s steps), and pauses it only when asked', async () => {
    const queue = batchJobsQueue();
    const saved = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS, cronExpression: '30 2 * * 1-5', timeZone: 'UTC', expectedVersion: await version(INACTIVE_LDAP_USERS), actor: 'alice',
    });
    expect(saved).toMatchObject({ ok: true, scheduler: 'upserted', job: { paused: false } });
    expect(await queue.getJobScheduler(schedulerIdFor(INACTIVE_LDAP_USERS))).toMatchObject({ pattern: '30 2 * * 1-5' });
    const paused = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS, cronExpression: '30 2 * * 1-5', timeZone: 'UTC', paused: true, expectedVersion: await version(INACTIVE_LDAP_USERS), actor: 'alice',
    });
    expect(paused).toMatchObject({ ok: true, scheduler: 'removed', job: { paused: true } });
    // Clearing the expression leaves nothing paused: the next expression saved schedules the job again.
    const cleared = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS, cronExpression: '', timeZone: 'UTC', paused: true, expectedVersion: await version(INACTIVE_LDAP_USERS), actor: 'alice',
    });
    expect(cleared).toMatchObject({ ok: true, job: { cronExpression: null, paused: false } });
  });

  it('refuses an expression that never fires and leaves the scheduler as it was', async () => {
    const queue = batchJobsQueue();
    await saveJobSchedule({ jobKey: INACTIVE_LDAP_USERS, cronExpression: '0 3 * * *', timeZone: 'UTC', expectedVersion: await version(INACTIVE_LDAP_USERS), actor: 'alice' });
    const before = await prisma().batchJob.findUniqueOrThrow({ where: { key: INACTIVE_LDAP_USERS } });
    const result = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS, cronExpression: '0 0 31 2,4 *', timeZone: 'UTC', expectedVersion: before.version, actor: 'alice',
    });
    expect(result).toMatchObject({ ok: false, code: 'validation_failed', fieldErrors: { cronExpression: expect.stringMatching(/never fires/) } });
    expect(await prisma().batchJob.findUniqueOrThrow({ where: { key: INACTIVE_LDAP_USERS } })).toEqual(before);
    expect(await queue.getJobScheduler(schedulerIdFor(INACTIVE_LDAP_USERS))).toMatchObject({ pattern: '0 3 * * *' });
  });

  it('refuses an invalid expression or time zone and changes nothing', async () => {
    const before = await prisma().batchJob.findUniqueOrThrow({ where: { key: ACTIVE_LDAP_USERS } });
    const result = await saveJobSchedule({
      jobKey: ACTIVE_LDAP_USERS,
      cronExpression: '61 * * * *',
      timeZone: 'Mars/Olympus',
      paused: false,
      expectedVersion: before.version,
      actor: 'alice',
    });
    expect(result).toMatchObject({ ok: false, code: 'validation_failed', fieldErrors: { cronExpression: 'minute must be 0-59 (got 61)' } });
    if (!result.ok && result.code === 'validation_failed') expect(result.fieldErrors.timeZone).toMatch(/Unknown time zone "Mars\/Olympus"/);
    expect(await prisma().batchJob.findUniqueOrThrow({ where: { key: ACTIVE_LDAP_USERS } })).toEqual(before);
    expect(await batchJobsQueue().getJobSchedulersCount()).toBe(0);
  });

  it('reports a conflict when someone saved in between', async () => {
    const seen = await version(ACTIVE_LDAP_USERS);
    const first = await saveJobSchedule({ jobKey: ACTIVE_LDAP_USERS, cronExpression: '0 1 * * *', timeZone: 'UTC', paused: false, expectedVersion: seen, actor: 'alice' });
    expect(first.ok).toBe(true);
    const second = await saveJobSchedule({ jobKey: ACTIVE_LDAP_USERS, cronExpression: '0 3 * * *', timeZone: 'UTC', paused: false, expectedVersion: seen, actor: 'bob' });
    expect(second).toMatchObject({ ok: false, code: 'schedule_conflict', current: { cronExpression: '0 1 * * *', updatedBy: 'alice' } });
    expect((await batchJobsQueue().getJobScheduler(schedulerIdFor(ACTIVE_LDAP_USERS)))?.pattern).toBe('0 1 * * *');
  });

  it('warns about a schedule firing more often than every 5 minutes but saves it', async () => {
    const result = await saveJobSchedule({
      jobKey: ACTIVE_LDAP_USERS, cronExpression: '*/2 * * * *', timeZone: 'UTC', paused: false, expectedVersion: await version(ACTIVE_LDAP_USERS), actor: 'alice',
    });
    expect(result).toMatchObject({ ok: true, scheduler: 'upserted' });
    if (result.ok) expect(result.warnings[0]).toMatch(/every 2 minutes/);
  });
});

describe('reconcileJobSchedulers', () => {
  it('restores the schedulers of a flushed Redis from the database and drops unknown ones', async () => {
    const db = prisma();
    await db.batchJob.update({ where: { key: INACTIVE_LDAP_USERS }, data: { cronExpression: '0 4 * * *', timeZone: 'Europe/Vienna', paused: false } });
    await db.batchJob.update({ where: { key: ACTIVE_LDAP_USERS }, data: { cronExpression: '0 5 * * *', paused: true } });
    const queue = batchJobsQueue();
    await queue.upsertJobScheduler(schedulerIdFor('retired-job'), { pattern: '0 0 * * *' }, { name: 'retired-job', data: { jobKey: 'retired-job', trigger: 'SCHEDULE' } });

    const result = await reconcileJobSchedulers(queue);
    expect(result).toEqual({ upserted: [INACTIVE_LDAP_USERS], removed: ['retired-job'], unchanged: [ACTIVE_LDAP_USERS], failed: [] });
    const schedulers = await queue.getJobSchedulers(0, -1);
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([[schedulerIdFor(INACTIVE_LDAP_USERS), '0 4 * * *', 'Europe/Vienna']]);

    // A second pass changes nothing.
    expect(await reconcileJobSchedulers(queue)).toEqual({ upserted: [], removed: [], unchanged: [ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS], failed: [] });
  });

  it('removes the scheduler of an expression saved by an older release that never fires, once', async () => {
    const db = prisma();
    const queue = batchJobsQueue();
    await db.batchJob.update({ where: { key: INACTIVE_LDAP_USERS }, data: { cronExpression: '0 3 * * *' } });
    expect((await reconcileJobSchedulers(queue)).upserted).toEqual([INACTIVE_LDAP_USERS]);
    // Saved before "never fires" was refused: BullMQ cannot compute its next firing and would keep 0 3 * * * firing.
    await db.batchJob.update({ where: { key: INACTIVE_LDAP_USERS }, data: { cronExpression: '0 0 31 2,4 *' } });
    expect(await reconcileJobSchedulers(queue)).toMatchObject({ upserted: [], removed: [INACTIVE_LDAP_USERS], failed: [] });
    expect(await queue.getJobScheduler(schedulerIdFor(INACTIVE_LDAP_USERS))).toBeUndefined();
    expect(await reconcileJobSchedulers(queue)).toMatchObject({ upserted: [], removed: [], failed: [] });
  });

  it('reports what Redis holds, not what was asked: a scheduler BullMQ did not take is a failure, every pass', async () => {
    const db = prisma();
    await db.batchJob.update({ where: { key: INACTIVE_LDAP_USERS }, data: { cronExpression: '0 3 * * *' } });
    const queue = batchJobsQueue();
    await reconcileJobSchedulers(queue);
    await db.batchJob.update({ where: { key: INACTIVE_LDAP_USERS }, data: { cronExpression: '0 5 * * *' } });
    // Fault injected into the real queue: the upsert is acknowledged but changes nothing (what
    // BullMQ does when it finds no next firing).
    const deaf = Object.create(queue) as typeof queue;
    deaf.upsertJobScheduler = (async () => undefined) as unknown as typeof queue.upsertJobScheduler;
    for (let pass = 0; pass < 2; pass++) {
      const result = await reconcileJobSchedulers(deaf);
      expect(result.upserted).toEqual([]);
      expect(result.failed).toEqual([{ jobKey: INACTIVE_LDAP_USERS, message: expect.stringMatching(/should hold "0 5 \* \* \*" \(UTC\) but holds "0 3 \* \* \*" \(UTC\)/) }]);
    }
    const saved = await saveJobSchedule({
      jobKey: INACTIVE_LDAP_USERS, cronExpression: '0 6 * * *', timeZone: 'UTC', expectedVersion: await version(INACTIVE_LDAP_USERS), actor: 'alice', queue: deaf,
    });
    expect(saved).toMatchObject({ ok: true, scheduler: 'failed' });
    if (saved.ok) expect(saved.warnings.join(' ')).toMatch(/did not take the schedule/);
    // The real queue brings it in line.
    expect((await reconcileJobSchedulers(queue)).upserted).toEqual([INACTIVE_LDAP_USERS]);
    expect(await queue.getJobScheduler(schedulerIdFor(INACTIVE_LDAP_USERS))).toMatchObject({ pattern: '0 6 * * *' });
  });
});

describe('startJobRun', () => {
  it('queues a run with who started it and its options, and returns the active run on a second start', async () => {
    const first = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', dryRun: true, confirmed: true });
    expect(first).toMatchObject({ started: true, run: { status: 'QUEUED', trigger: 'MANUAL', startedBy: 'olivia', dryRun: true, confirmed: true } });
    if (!first.started) return;
    const job = await batchJobsQueue().getJob(runJobId(first.run.id));
    expect(job?.data).toEqual({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', runId: first.run.id, startedBy: 'olivia', dryRun: true, confirmed: true });
    expect(job?.opts.attempts).toBeGreaterThan(1);
    expect((await prisma().batchJob.findUniqueOrThrow({ where: { key: INACTIVE_LDAP_USERS } })).activeRunId).toBe(first.run.id);

    const second = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'oscar' });
    expect(second).toMatchObject({ started: false, code: 'run_already_active', activeRun: { id: first.run.id } });
    if (!second.started && second.code === 'run_already_active') expect(second.message).toMatch(new RegExp(`run #${first.run.id}, started by olivia`));
    expect(await prisma().batchRun.count()).toBe(1);
    // The other job is independent.
    expect((await startJobRun({ jobKey: ACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'oscar' })).started).toBe(true);
  });

  it('lets exactly one of several simultaneous starts win', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => startJobRun({ jobKey: ACTIVE_LDAP_USERS, trigger: i % 2 ? 'SCHEDULE' : 'MANUAL', startedBy: `op${i}`, enqueue: false })),
    );
    const winners = results.filter((r) => r.started);
    expect(winners).toHaveLength(1);
    const winnerId = winners[0]!.started ? winners[0]!.run.id : -1;
    for (const r of results) if (!r.started) expect(r).toMatchObject({ code: 'run_already_active', activeRun: { id: winnerId } });
    expect(await prisma().batchRun.count({ where: { jobKey: ACTIVE_LDAP_USERS } })).toBe(1);
  });

  it('releases an active-run pointer left on a run that already ended', async () => {
    const first = await startJobRun({ jobKey: ACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', enqueue: false });
    if (!first.started) throw new Error('not started');
    await prisma().batchRun.update({ where: { id: first.run.id }, data: { status: 'FAILED', finishedAt: new Date() } });
    const again = await startJobRun({ jobKey: ACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', enqueue: false });
    expect(again).toMatchObject({ started: true });
  });
});

describe('cancelRun', () => {
  it('cancels a run that no worker has picked up at once and frees the job', async () => {
    const started = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia' });
    if (!started.started) throw new Error('not started');
    const cancelled = await cancelRun({ runId: started.run.id, actor: 'olivia' });
    expect(cancelled).toMatchObject({ ok: true, cancelledNow: true, run: { status: 'CANCELLED' } });
    expect(await batchJobsQueue().getJob(runJobId(started.run.id))).toBeUndefined();
    expect((await prisma().batchJob.findUniqueOrThrow({ where: { key: INACTIVE_LDAP_USERS } })).activeRunId).toBeNull();
    expect(await cancelRun({ runId: started.run.id, actor: 'olivia' })).toMatchObject({ ok: false, code: 'run_already_finished' });
    expect((await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia' })).started).toBe(true);
  });

  it('only flags a running run: the engine stops it between pages', async () => {
    const started = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', enqueue: false });
    if (!started.started) throw new Error('not started');
    await prisma().batchRun.update({ where: { id: started.run.id }, data: { status: 'RUNNING', startedAt: new Date() } });
    const result = await cancelRun({ runId: started.run.id, actor: 'olivia' });
    expect(result).toMatchObject({ ok: true, cancelledNow: false, run: { status: 'RUNNING' } });
    if (result.ok) expect(result.run.cancelRequestedAt).toBeInstanceOf(Date);
  });
});

describe('status for the pages', () => {
  it('lists jobs with active run, last run and the next execution in the job time zone', async () => {
    const db = prisma();
    await db.batchJob.update({ where: { key: INACTIVE_LDAP_USERS }, data: { cronExpression: '0 2 * * *', timeZone: 'Europe/Berlin', paused: false } });
    const done = await db.batchRun.create({
      data: { jobKey: INACTIVE_LDAP_USERS, trigger: 'SCHEDULE', status: 'SUCCEEDED', queuedAt: new Date('2026-11-26T01:00:00Z'), startedAt: new Date('2026-11-26T01:00:01Z'), finishedAt: new Date('2026-11-26T01:02:00Z') },
    });
    const started = await startJobRun({ jobKey: INACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', enqueue: false });
    if (!started.started) throw new Error('not started');

    const jobs = await listJobsWithStatus({ now: new Date('2026-11-27T12:00:00Z') });
    const inactive = jobs.find((j) => j.key === INACTIVE_LDAP_USERS)!;
    expect(inactive).toMatchObject({
      scheduleDescription: 'At 02:00',
      nextExecutionAt: new Date('2026-11-28T01:00:00Z'),
      activeRun: { id: started.run.id, status: 'QUEUED' },
      lastRun: { id: started.run.id },
      lastFinishedRun: { id: done.id, status: 'SUCCEEDED' },
    });
    expect(jobs.find((j) => j.key === ACTIVE_LDAP_USERS)).toMatchObject({ nextExecutionAt: null, activeRun: null, lastRun: null });
  });

  it('follows a run until it ends, with the live progress the worker publishes', async () => {
    const started = await startJobRun({ jobKey: ACTIVE_LDAP_USERS, trigger: 'MANUAL', startedBy: 'olivia', enqueue: false });
    if (!started.started) throw new Error('not started');
    const id = started.run.id;
    const { publishRunProgress } = await import('@/lib/queue/run-progress');
    await publishRunProgress(queueRedis(batchJobsQueue()), 'idmtest', {
      runId: id, entriesRead: 500, entriesTotal: null, usersProcessed: 500, page: 1, counters: { updated: 3 }, at: new Date().toISOString(),
    });
    expect(await getRunSnapshot(id)).toMatchObject({ finished: false, progress: { page: 1, entriesRead: 500 } });

    const seen: string[] = [];
    const ending = setTimeout(() => {
      // Prisma queries are lazy: then() sends it.
      prisma().batchRun.update({ where: { id }, data: { status: 'SUCCEEDED', finishedAt: new Date() } }).then(() => undefined, () => undefined);
    }, 300);
    for await (const snapshot of followRun(id, { intervalMs: 100 })) seen.push(snapshot.run.status);
    clearTimeout(ending);
    expect(seen[0]).toBe('QUEUED');
    expect(seen.at(-1)).toBe('SUCCEEDED');
  });
});
