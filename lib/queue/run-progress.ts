import type { RedisClient } from '../redis/create-redis';

// Live progress of a run, published by the worker after each page. Also kept under a key per run
// so that the run page finds it for scheduled runs, whose BullMQ job id it does not know.

export type RunProgress = {
  runId: number;
  entriesRead: number;
  entriesTotal: number | null;
  usersProcessed: number;
  page: number;
  counters: Record<string, number>;
  at: string;
};

const PROGRESS_TTL_SECONDS = 24 * 3600;

export function runProgressKey(prefix: string, runId: number): string {
  return `${prefix}:run-progress:${runId}`;
}

export async function publishRunProgress(redis: RedisClient, prefix: string, progress: RunProgress): Promise<void> {
  await redis.set(runProgressKey(prefix, progress.runId), JSON.stringify(progress), 'EX', PROGRESS_TTL_SECONDS);
}

export async function readRunProgress(redis: RedisClient, prefix: string, runId: number): Promise<RunProgress | null> {
  const raw = await redis.get(runProgressKey(prefix, runId));
  return raw ? (JSON.parse(raw) as RunProgress) : null;
}
