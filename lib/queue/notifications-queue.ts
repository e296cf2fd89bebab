import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis/create-redis';
import { redisConnection, redisPrefix, warnOnRedisErrors } from './connection';
import { retryOnClosedConnection, withRedisTimeout } from './redis-timeout';

/** Webhook and e-mail deliveries; the worker is its consumer (jobs/process-notification.ts). */
export const NOTIFICATIONS_QUEUE = 'notifications';

/** One delivery of one event: to one webhook, or to the e-mail list. */
export type NotificationJobData =
  | { channel: 'webhook'; eventId: string; webhookId: number }
  | { channel: 'email'; eventId: string };

/**
 * 8 attempts with an exponential backoff the worker computes (NOTIFICATION_RETRY_BACKOFF; by default
 * 5 s, 10 s, 20 s … about 10 minutes in all), so its timing is the worker's setting rather than
 * frozen into queued jobs.
 */
export const NOTIFICATION_ATTEMPTS = 8;
export const NOTIFICATION_RETRY_BACKOFF = 'notification-retry';

export function notificationRetryDelay(attemptsMade: number, baseMs: number): number {
  return baseMs * 2 ** Math.max(0, attemptsMade - 1);
}

export const NOTIFICATION_JOB_OPTIONS = {
  attempts: NOTIFICATION_ATTEMPTS,
  backoff: { type: NOTIFICATION_RETRY_BACKOFF },
  // Kept a day: the deterministic job ids (notificationJobId) make a second fan-out of the same
  // event after a crash a no-op while the first job is still here. The delivery log is in PostgreSQL.
  removeOnComplete: { age: 86_400, count: 5_000 },
  removeOnFail: { age: 7 * 86_400, count: 5_000 },
} satisfies JobsOptions;

/** The job id of a delivery: one per event and receiver. */
export function notificationJobId(data: NotificationJobData): string {
  return data.channel === 'webhook' ? `event-${data.eventId}-webhook-${data.webhookId}` : `event-${data.eventId}-email`;
}

export type NotificationsQueue = Queue<NotificationJobData>;

export function createNotificationsQueue(connection: RedisClient = redisConnection(undefined, 'idm-notifications-queue')): NotificationsQueue {
  return new Queue<NotificationJobData>(NOTIFICATIONS_QUEUE, { connection, prefix: redisPrefix() });
}

const globalForQueue = globalThis as unknown as { idmNotificationsQueue?: NotificationsQueue };

/** The process's notifications queue (the web app's "Send test"), created on first use. */
export function notificationsQueue(): NotificationsQueue {
  if (!globalForQueue.idmNotificationsQueue) {
    globalForQueue.idmNotificationsQueue = createNotificationsQueue();
    warnOnRedisErrors(globalForQueue.idmNotificationsQueue, 'notifications queue');
  }
  return globalForQueue.idmNotificationsQueue;
}

export async function closeNotificationsQueue(): Promise<void> {
  const queue = globalForQueue.idmNotificationsQueue;
  globalForQueue.idmNotificationsQueue = undefined;
  if (!queue) return;
  await queue.close();
  (queue.opts.connection as RedisClient).disconnect();
}

/**
 * Queues one delivery; bounded, so that an outage fails the caller (a web request, the outbox's
 * transaction) instead of holding it. An add that completes after its timeout is harmless: the
 * retried add has the same job id, which BullMQ ignores.
 */
export async function enqueueNotification(queue: NotificationsQueue, data: NotificationJobData): Promise<void> {
  // Added again if its connection was being replaced (a failover): the jobId makes it idempotent.
  await withRedisTimeout(
    retryOnClosedConnection(() => queue.add(data.channel, data, { ...NOTIFICATION_JOB_OPTIONS, jobId: notificationJobId(data) })),
    'queue a notification',
  );
}
