import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { WaitingError, Worker, type Job } from 'bullmq';
import { config } from '@/lib/config';
import { refuseToStartWithoutProductionSecrets } from '@/lib/require-production-secrets';
import { checkLdaptsVersion } from '@/lib/ldap/ldapts-seam';
import { closePool, pool } from '@/lib/db-pool';
import { deleteExpiredSessions } from '@/lib/auth/delete-expired-sessions';
import { runStatus } from '@/lib/runs/run-lifecycle';
import { failRun, runBatchJob } from '@/lib/sync/run-batch-job';
import { isActiveStatus } from '@/lib/runs/run-summary';
import {
  BATCH_JOBS_QUEUE,
  createBatchJobsQueue,
  queueRedis,
  RUN_RETRY_BACKOFF,
  runRetryDelay,
  type BatchJobData,
} from '@/lib/queue/batch-jobs-queue';
import { redisConnection } from '@/lib/queue/connection';
import { isCluster } from '@/lib/redis/create-redis';
import { describeRedisTarget } from '@/lib/redis/redis-url';
import {
  createNotificationsQueue,
  NOTIFICATION_RETRY_BACKOFF,
  NOTIFICATIONS_QUEUE,
  notificationRetryDelay,
  type NotificationJobData,
} from '@/lib/queue/notifications-queue';
import { dispatchPendingEvents } from '@/lib/notifications/outbox';
import { deleteOldNotifications } from '@/lib/notifications/delete-old-notifications';
import {
  clearWorkerHeartbeat,
  HEARTBEAT_INTERVAL_MS,
  writeWorkerHeartbeat,
  type WorkerHeartbeat,
} from '@/lib/queue/worker-heartbeat';
import { createBatchJobProcessor, type RunEngine } from './process-batch-job';
import { createNotificationProcessor } from './process-notification';
import { createRunReconciler } from './run-reconciler';
import { createScheduleReconciler } from './schedule-reconciler';
import { workerSettings } from './worker-settings';
import { createOutages, unavailableDependency } from './outages';
import { log } from './log';

// The batch worker: the only place a sync runs. `npm run worker`.

/** Errors of a Redis connection that is down (reported once per outage by the connection's own listener). */
// With a Sentinel group or a cluster, a failover adds its own: no master yet, a demoted one, a slot map being rebuilt.
const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|getaddrinfo|CLUSTERDOWN|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes|All sentinels are unreachable|READONLY|MASTERDOWN|LOADING/;

async function main(): Promise<void> {
  refuseToStartWithoutProductionSecrets('The batch worker');
  checkLdaptsVersion(); // the fast LDAP decoding relies on this ldapts release (lib/ldap/ldapts-seam.ts)
  const settings = workerSettings();
  const { REDIS_URL, REDIS_PREFIX: prefix, redisTarget } = config();
  // Redis, PostgreSQL and the directory: one line per outage and per recovery (jobs/outages.ts).
  const outages = createOutages();
  const queueConnection = redisConnection(REDIS_URL, 'idm-worker-queue', (error) => outages.down('Redis', error));
  queueConnection.on('ready', () => outages.up('Redis'));
  // A restarted Redis may be back before the first reconnect: no error then, only a closed connection.
  let stopping = false;
  queueConnection.on('close', () => stopping || outages.down('Redis', new Error('the connection was closed')));
  // A cluster stays 'ready' while one master fails over: its node's connection reports the outage,
  // and the next heartbeat that gets through (below) its end.
  if (isCluster(queueConnection)) queueConnection.on('node error', (error: Error, node: string) => outages.down('Redis', new Error(`${error.message} (node ${node})`)));
  /** A Redis error of the queue or the worker (its blocking connection's too): a lost connection is the outage. */
  const redisError = (source: string) => (error: Error) => {
    if (CONNECTION_ERROR.test(error.message)) outages.down('Redis', error);
    else log(`${source} error: ${error.message}`);
  };
  /** A failure of housekeeping (reconcilers, session cleanup): an outage is reported as such, anything else as itself. */
  const reportFailure = (what: string) => (error: unknown) => {
    const dependency = unavailableDependency(error);
    if (dependency) outages.down(dependency, error);
    else if (!(outages.isDown('Redis') && CONNECTION_ERROR.test((error as Error)?.message ?? ''))) log(`${what}: ${(error as Error)?.message ?? String(error)}`);
  };
  const queue = createBatchJobsQueue(queueConnection);
  queue.on('error', redisError('queue'));
  const redis = queueRedis(queue);
  const reconciledMark = `${prefix}:schedules-reconciled`;
  const reconcile = createScheduleReconciler(queue, {
    mark: () => redis.set(reconciledMark, new Date().toISOString()),
    unmark: () => redis.del(reconciledMark),
    onFailure: reportFailure('schedule reconciliation failed, retried on the next reconnect or period'),
  });
  // A pass of the run reconciler reads PostgreSQL: it is how an idle worker notices the database's outages.
  const reconcileLostRuns = createRunReconciler(queue, {
    onSuccess: () => outages.up('PostgreSQL'),
    onFailure: reportFailure('run reconciliation failed, retried every few seconds'),
  });
  const engine: RunEngine = { runBatchJob, failRun };

  // Shutdown: runs reaching a page boundary wait here until they are handed back to the queue.
  let draining = false;
  const active = new Map<string, { job: Job<BatchJobData>; token?: string; parked: boolean }>();
  const parkedChanged = new Set<() => void>();
  const betweenPages = (job: Job<BatchJobData>, quiesce: () => Promise<void>): Promise<void> => {
    // A committed page: the database and the directory both answered.
    outages.up('PostgreSQL');
    outages.up('LDAP directory');
    if (!draining) return Promise.resolve();
    void quiesce().then(
      () => {
        const entry = active.get(job.id ?? '');
        if (entry) entry.parked = true;
        for (const notify of parkedChanged) notify();
      },
      (e: Error) => log(`run of job ${job.id} could not be parked (${e.message}): stalled-job recovery resumes it`),
    );
    return new Promise<void>(() => {});
  };
  const process_ = createBatchJobProcessor({ engine, redis, prefix, betweenPages });

  const workerConnection = redisConnection(REDIS_URL, 'idm-worker', (error) => outages.down('Redis', error));
  const lateHandBacks = new Set<Promise<unknown>>();
  const worker = new Worker<BatchJobData>(
    BATCH_JOBS_QUEUE,
    async (job, token) => {
      if (draining) {
        // Fetched by a blocking read that was already waiting when the shutdown began (or that a
        // release below woke up): give it back untouched.
        // WaitingError either way: a failed hand-back must not cost the run an attempt (its lock
        // runs out after the exit and stalled-job recovery resumes it).
        const handBack = (token ? job.moveToWait(token) : Promise.resolve()).then(
          () => log(`job ${job.id} fetched while shutting down: handed back`),
          (e: Error) => log(`job ${job.id} fetched while shutting down could not be handed back (${e.message}): stalled-job recovery resumes it`),
        );
        lateHandBacks.add(handBack);
        await handBack.finally(() => lateHandBacks.delete(handBack));
        throw new WaitingError();
      }
      active.set(job.id ?? '', { job, token, parked: false });
      try {
        return await process_(job);
      } catch (error) {
        // An attempt stopped by an outage: said once, however many attempts it stops.
        const dependency = unavailableDependency(error);
        if (dependency) outages.down(dependency, error);
        throw error;
      } finally {
        active.delete(job.id ?? '');
        for (const notify of parkedChanged) notify();
      }
    },
    {
      connection: workerConnection,
      prefix,
      autorun: false,
      concurrency: settings.WORKER_CONCURRENCY,
      lockDuration: settings.WORKER_LOCK_DURATION_MS,
      stalledInterval: settings.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: settings.WORKER_MAX_STALLED_COUNT,
      removeOnComplete: { count: 200 },
      removeOnFail: { count: 500 },
      settings: {
        backoffStrategy: (attemptsMade, type) => {
          if (type !== RUN_RETRY_BACKOFF) throw new Error(`Unknown backoff strategy ${type}`);
          return runRetryDelay(attemptsMade, settings.WORKER_RETRY_DELAY_MS);
        },
      },
    },
  );

  worker.on('error', redisError('worker'));
  worker.on('stalled', (jobId) => log(`job ${jobId} stalled (its worker died or hung): it is picked up again`));
  worker.on('failed', (job, error) => {
    // A job that failed for good (e.g. stalled too often) must not leave its run active forever.
    if (!job) return;
    void (async () => {
      if ((await job.getState()) !== 'failed' || job.data.runId === undefined) return;
      const status = await runStatus(pool(), job.data.runId);
      if (status && isActiveStatus(status)) {
        log(`run #${job.data.runId}: its job failed for good (${error.message}), recording the failure`);
        await failRun(job.data.runId, error);
      }
    })().catch((e: Error) => log(`could not record the failure of job ${job.id}: ${e.message}`));
  });

  // Notifications: the outbox (events written with the transitions they report) is drained into
  // the notifications queue, whose deliveries (webhooks, e-mail) are retried with a backoff.
  const notifications = createNotificationsQueue(queueConnection);
  notifications.on('error', redisError('notifications queue'));
  const notificationWorker = new Worker<NotificationJobData>(NOTIFICATIONS_QUEUE, createNotificationProcessor(), {
    connection: workerConnection,
    prefix,
    autorun: false,
    concurrency: settings.WORKER_NOTIFICATION_CONCURRENCY,
    settings: {
      backoffStrategy: (attemptsMade, type) => {
        if (type !== NOTIFICATION_RETRY_BACKOFF) throw new Error(`Unknown backoff strategy ${type}`);
        return notificationRetryDelay(attemptsMade, settings.WORKER_NOTIFICATION_RETRY_DELAY_MS);
      },
    },
  });
  notificationWorker.on('error', redisError('notifications worker'));
  notificationWorker.on('failed', (job, error) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) log(`notification ${job.id} given up after ${job.attemptsMade} attempts: ${error.message}`);
  });
  let dispatching = false;
  const dispatchNotifications = async () => {
    if (dispatching || outages.isDown('Redis')) return;
    dispatching = true;
    try {
      while ((await dispatchPendingEvents(notifications)) > 0);
    } catch (error) {
      reportFailure('notification dispatch failed, retried shortly')(error);
    } finally {
      dispatching = false;
    }
  };
  const dispatchTimer = setInterval(() => void dispatchNotifications(), settings.WORKER_NOTIFICATION_DISPATCH_INTERVAL_MS);

  // Reconcile on every (re)connect: a replaced or flushed Redis gets its schedules back.
  redis.on('ready', () => void reconcile('redis ready').then(() => reconcileLostRuns('redis ready')));
  if (redis.status === 'ready') await reconcile('start');
  const reconcileTimer = setInterval(() => void reconcile('periodic'), settings.WORKER_RECONCILE_INTERVAL_MS);
  // Every few seconds: runs whose queue job is gone, and schedules gone with a FLUSHALL (which
  // does not reconnect). The mark is written by each schedule reconciliation.
  const lostTimer = setInterval(() => {
    void (async () => {
      if (!outages.isDown('Redis') && !(await redis.exists(reconciledMark).catch(() => 1))) await reconcile('schedules lost from Redis');
      await reconcileLostRuns('periodic');
    })();
  }, settings.WORKER_RUN_RECONCILE_INTERVAL_MS);
  void reconcileLostRuns('start');

  // Housekeeping of the web app's sessions: several workers may do it at once, a delete is idempotent.
  const cleanUpSessions = () =>
    Promise.all([
      deleteExpiredSessions()
        .then((count) => count > 0 && log(`expired sessions deleted: ${count}`))
        .catch(reportFailure('could not delete expired sessions')),
      deleteOldNotifications()
        .then((count) => count > 0 && log(`notification events and deliveries past their retention deleted: ${count}`))
        .catch(reportFailure('could not delete old notifications')),
    ]);
  void cleanUpSessions();
  const sessionCleanupTimer = setInterval(() => void cleanUpSessions(), settings.WORKER_SESSION_CLEANUP_INTERVAL_MS);

  const beat: WorkerHeartbeat = {
    workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    at: new Date().toISOString(),
  };
  // A heartbeat written is Redis answering this installation's keys: the end of an outage, whatever
  // the deployment (a cluster or Sentinel failover need not reconnect this connection as a whole).
  const heartbeat = () =>
    writeWorkerHeartbeat(redis, prefix, { ...beat, at: new Date().toISOString() }).then(
      () => outages.up('Redis'),
      (e: Error) => (CONNECTION_ERROR.test(e.message) ? outages.down('Redis', e) : log(`heartbeat failed: ${e.message}`)),
    );
  await heartbeat();
  const heartbeatTimer = setInterval(() => void heartbeat(), HEARTBEAT_INTERVAL_MS);

  const LATE_FETCH_GRACE_MS = 1_000;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    draining = true;
    log(`${signal}: finishing the pages in progress, then exiting`);
    clearInterval(reconcileTimer);
    clearInterval(lostTimer);
    clearInterval(sessionCleanupTimer);
    clearInterval(heartbeatTimer);
    clearInterval(dispatchTimer);
    // A delivery in progress finishes (bounded by its timeout); a later one waits in the queue.
    const notificationsClosed = notificationWorker.close().catch(() => undefined);
    await worker.pause(true).catch(() => undefined);
    await allParkedOrDone(active, parkedChanged, settings.WORKER_SHUTDOWN_GRACE_MS);
    // Closing stops the lock renewal and may take seconds under load: renew the parked runs' locks
    // first, so that they are still ours for the hand-back below.
    for (const entry of active.values()) {
      if (entry.parked && entry.token) await entry.job.extendLock(entry.token, settings.WORKER_LOCK_DURATION_MS).catch(() => undefined);
    }
    // Close before releasing: a blocking fetch still pending would take a released run right back.
    // The worker's main connection is ours (shared), so the releases below still reach Redis.
    await Promise.race([worker.close(true).catch(() => undefined), new Promise((r) => setTimeout(r, 3_000))]);
    let releases = 0;
    for (const entry of active.values()) {
      if (entry.parked && entry.token) {
        // Between two pages: hand the run back so another worker resumes it at once.
        const released = await entry.job.moveToWait(entry.token).then(
          () => true,
          (e: Error) => (log(`could not release job ${entry.job.id} (${e.message}): stalled-job recovery resumes it`), false),
        );
        if (released) {
          releases++;
          log(`run #${entry.job.data.runId} released between pages for another worker`);
        }
      } else {
        log(`job ${entry.job.id} still in a page after the grace period: its page is rolled back and stalled-job recovery resumes it`);
      }
    }
    // A release wakes any blocking read of this worker that closing has not cut yet, and BullMQ then
    // takes the run straight back (seen under load: the next worker found it only through stalled-job
    // recovery, a lock duration later). Such a late fetch is handed back by the processor above
    // (draining): stay long enough for it to happen.
    if (releases > 0) await new Promise((r) => setTimeout(r, LATE_FETCH_GRACE_MS));
    await Promise.allSettled([...lateHandBacks]);
    // Bounded: a run left inside a page may hold a database client that pool.end() would wait for;
    // exiting closes every socket anyway and PostgreSQL rolls that page back.
    const cleanup = async () => {
      await clearWorkerHeartbeat(redis, prefix, beat.workerId);
      await notificationsClosed;
      await notifications.close();
      await queue.close();
      redis.disconnect();
      workerConnection.disconnect();
      await closePool();
    };
    await Promise.race([cleanup().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  worker.run().catch((error: Error) => log(`worker stopped: ${error.message}`));
  notificationWorker.run().catch((error: Error) => log(`notifications worker stopped: ${error.message}`));
  void dispatchNotifications();
  log(`started: queue ${prefix}:${BATCH_JOBS_QUEUE}, concurrency ${settings.WORKER_CONCURRENCY}, worker ${beat.workerId}, ${describeRedisTarget(redisTarget)}`);
}

/** Resolves once every active run is parked between pages or done (true), or when the grace period ends (false). */
function allParkedOrDone(
  active: Map<string, { parked: boolean }>,
  listeners: Set<() => void>,
  graceMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    const check = () => {
      if ([...active.values()].every((e) => e.parked)) finish(true);
    };
    const timer = setTimeout(() => finish(false), graceMs);
    function finish(value: boolean) {
      clearTimeout(timer);
      listeners.delete(check);
      resolve(value);
    }
    listeners.add(check);
    check();
  });
}

main().catch((error: Error) => {
  log(`cannot start: ${error.message}`);
  process.exit(1);
});
