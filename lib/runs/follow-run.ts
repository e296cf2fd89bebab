import { prisma } from '../db';
import { batchJobsQueue, queueRedis, type BatchJobsQueue } from '../queue/batch-jobs-queue';
import { redisPrefix } from '../queue/connection';
import { withRedisTimeout } from '../queue/redis-timeout';
import { readRunProgress, type RunProgress } from '../queue/run-progress';
import { isActiveStatus, RUN_SUMMARY_SELECT, type RunSummary } from './run-summary';

export type RunSnapshot = {
  run: RunSummary;
  processName: string;
  /** Live progress published by the worker after each page; null before the first page or when Redis is away. */
  progress: RunProgress | null;
  /** true once the run has a final status: following can stop. */
  finished: boolean;
};

/** One look at a run: its row (counters are committed with each page) plus the worker's live progress. */
export async function getRunSnapshot(runId: number, options: { queue?: BatchJobsQueue } = {}): Promise<RunSnapshot | null> {
  const run = await prisma().batchRun.findUnique({
    where: { id: runId },
    select: { ...RUN_SUMMARY_SELECT, job: { select: { processName: true } } },
  });
  if (!run) return null;
  const { job, ...summary } = run;
  const finished = !isActiveStatus(summary.status);
  let progress: RunProgress | null = null;
  try {
    const redis = queueRedis(options.queue ?? batchJobsQueue());
    progress = await withRedisTimeout(readRunProgress(redis, redisPrefix(), runId), 'read the run progress', 2_000);
  } catch {
    // The database row alone still tells status and counters.
  }
  return { run: summary, processName: job.processName, progress, finished };
}

export type FollowRunOptions = {
  /** How often to look; the run page polls every second or two. */
  intervalMs?: number;
  signal?: AbortSignal;
  queue?: BatchJobsQueue;
};

/**
 * Snapshots of a run as it changes, until it ends or the signal aborts: what a server-sent
 * events route streams to the run page.
 */
export async function* followRun(runId: number, options: FollowRunOptions = {}): AsyncGenerator<RunSnapshot> {
  const intervalMs = options.intervalMs ?? 1_000;
  let last = '';
  while (!options.signal?.aborted) {
    const snapshot = await getRunSnapshot(runId, { queue: options.queue });
    if (!snapshot) return;
    const fingerprint = JSON.stringify(snapshot);
    if (fingerprint !== last) {
      last = fingerprint;
      yield snapshot;
    }
    if (snapshot.finished) return;
    await sleep(intervalMs, options.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
