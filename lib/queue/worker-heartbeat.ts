import type { RedisClient } from '../redis/create-redis';

// Each worker refreshes a key with a short TTL and keeps its id in a set; a readiness check reads
// the keys of the ids in the set. No SCAN: on a cluster it would see one node's keys only, and
// every key here shares the prefix's hash tag, so the MGET below stays in one slot.

export type WorkerHeartbeat = {
  workerId: string;
  pid: number;
  host: string;
  startedAt: string;
  at: string;
  /** Set while the worker is alive but its fetch loop takes no job it could take (lib/queue/fetch-watch.ts). */
  fetchStalledSince?: string;
};

export const HEARTBEAT_INTERVAL_MS = 5_000;
const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;

export function heartbeatKey(prefix: string, workerId: string): string {
  return `${prefix}:worker:heartbeat:${workerId}`;
}

/** The ids of workers that wrote a heartbeat; a dead worker's id is removed by the next reader. */
export function workersKey(prefix: string): string {
  return `${prefix}:worker:ids`;
}

export async function writeWorkerHeartbeat(redis: RedisClient, prefix: string, beat: WorkerHeartbeat): Promise<void> {
  await redis.set(heartbeatKey(prefix, beat.workerId), JSON.stringify(beat), 'PX', HEARTBEAT_TTL_MS);
  await redis.sadd(workersKey(prefix), beat.workerId);
}

export async function clearWorkerHeartbeat(redis: RedisClient, prefix: string, workerId: string): Promise<void> {
  await redis.del(heartbeatKey(prefix, workerId));
  await redis.srem(workersKey(prefix), workerId);
}

/** Workers that reported within the last few seconds. */
export async function liveWorkers(redis: RedisClient, prefix: string): Promise<WorkerHeartbeat[]> {
  const ids = await redis.smembers(workersKey(prefix));
  if (ids.length === 0) return [];
  const values = await redis.mget(...ids.map((id) => heartbeatKey(prefix, id)));
  const gone = ids.filter((_, i) => values[i] === null);
  // A worker that wrote again since the MGET re-adds its id with its next heartbeat.
  if (gone.length) await redis.srem(workersKey(prefix), ...gone);
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as WorkerHeartbeat);
}
