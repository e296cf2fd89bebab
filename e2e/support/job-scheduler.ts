import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BATCH_JOBS_QUEUE } from '@/lib/queue/batch-jobs-queue';
import { schedulerIdFor } from '@/lib/queue/job-schedulers';

/** A job's BullMQ job scheduler, read from the e2e Redis as the worker reads it (undefined: none). */
export async function jobScheduler(jobKey: string) {
  const connection = new Redis(process.env.E2E_REDIS_URL!, { maxRetriesPerRequest: null });
  const queue = new Queue(BATCH_JOBS_QUEUE, { connection, prefix: 'idm' });
  try {
    return await queue.getJobScheduler(schedulerIdFor(jobKey));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
