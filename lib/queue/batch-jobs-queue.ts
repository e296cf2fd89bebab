import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis/create-redis';
import type { RunTrigger } from '../generated/prisma/enums';
import { redisConnection, redisPrefix, warnOnRedisErrors } from './connection';

/** The one queue all batch runs go through; the worker is its only consumer. */
export const BATCH_JOBS_QUEUE = 'batch-jobs';

/** What a BullMQ job of the batch-jobs queue carries. */
export type BatchJobData = {
  jobKey: string;
  trigger: RunTrigger;
  /** Set for a manual start (the run exists before the job); a scheduled firing gets it once the worker has created the run. */
  runId?: number;
  startedBy?: string | null;
  dryRun?: boolean;
  /** The operator confirmed a run above the deactivation threshold. */
  confirmed?: boolean;
};

/**
 * Retries of transient failures (directory unreachable, connection lost): 5 attempts with an
 * exponential backoff that the worker computes (RUN_RETRY_BACKOFF, by default 10 s, 20 s, 40 s, 80 s),
 * so that its timing is the worker's setting rather than frozen into every queued job.
 */
export const RUN_ATTEMPTS = 5;
export const RUN_RETRY_BACKOFF = 'run-retry';
export const RUN_BACKOFF = { type: RUN_RETRY_BACKOFF } as const;

/** Delay before the retry that follows the `attemptsMade`-th failure. */
export function runRetryDelay(attemptsMade: number, baseMs: number): number {
  return baseMs * 2 ** Math.max(0, attemptsMade - 1);
}

/** Options of every run job, manual or scheduled. History lives in batch_runs, so Redis keeps only a little. */
export const RUN_JOB_OPTIONS = {
  attempts: RUN_ATTEMPTS,
  backoff: RUN_BACKOFF,
  removeOnComplete: { count: 200 },
  removeOnFail: { count: 500 },
} satisfies JobsOptions;

/** BullMQ job id of a manually started run: lets cancel and follow find the job from the run. */
export function runJobId(runId: number): string {
  return `run-${runId}`;
}

export type BatchJobsQueue = Queue<BatchJobData>;

export function createBatchJobsQueue(connection: RedisClient = redisConnection(undefined, 'idm-queue')): BatchJobsQueue {
  return new Queue<BatchJobData>(BATCH_JOBS_QUEUE, { connection, prefix: redisPrefix() });
}

// One queue per process (the web app and the worker each hold one), created on first use.
const globalForQueue = globalThis as unknown as { idmBatchJobsQueue?: BatchJobsQueue };

export function batchJobsQueue(): BatchJobsQueue {
  if (!globalForQueue.idmBatchJobsQueue) {
    globalForQueue.idmBatchJobsQueue = createBatchJobsQueue();
    warnOnRedisErrors(globalForQueue.idmBatchJobsQueue, 'batch-jobs queue');
  }
  return globalForQueue.idmBatchJobsQueue;
}

/** The Redis connection the queue was created with (also used for heartbeats and progress keys). */
export function queueRedis(queue: BatchJobsQueue): RedisClient {
  return queue.opts.connection as RedisClient;
}

export async function closeBatchJobsQueue(): Promise<void> {
  const queue = globalForQueue.idmBatchJobsQueue;
  globalForQueue.idmBatchJobsQueue = undefined;
  if (!queue) return;
  await queue.close();
  // BullMQ leaves a connection it was handed open.
  queueRedis(queue).disconnect();
}
