import type { Job } from 'bullmq';
import type { NotificationJobData } from '@/lib/queue/notifications-queue';
import { deliverWebhook } from '@/lib/notifications/deliver-webhook';
import { deliverEmail } from '@/lib/notifications/deliver-email';
import { log } from './log';

// The notifications queue's processor: one attempt of one delivery. A failure throws, and BullMQ
// retries with the worker's backoff (jobs/worker.ts); every attempt is in the delivery log.

export function createNotificationProcessor() {
  return async (job: Job<NotificationJobData>): Promise<unknown> => {
    const attempt = job.attemptsMade + 1;
    const { data } = job;
    if (data.channel === 'webhook') {
      const result = await deliverWebhook(data.eventId, data.webhookId, attempt);
      if (result.skipped) log(`notification event ${data.eventId} not sent to webhook ${data.webhookId}: ${result.skipped}`);
      return result;
    }
    if (data.channel === 'email') {
      const result = await deliverEmail(data.eventId, attempt);
      if (result.skipped) log(`notification event ${data.eventId} not e-mailed: ${result.skipped}`);
      return result;
    }
    throw new Error(`Unknown notification channel ${(data as { channel: string }).channel}`);
  };
}
