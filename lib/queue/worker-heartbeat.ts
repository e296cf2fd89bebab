import type { Redis } from 'ioredis';

// Each worker refreshes a key with a short TTL; a readiness check counts the live keys.

export type WorkerHeartbeat = { workerId: string; pid: number; host: string; startedAt: string; at: string };

export const HEARTBEAT_INTERVAL_MS = 5_000;
const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;

export function heartbeatKey(prefix: string, workerId: string): string {
  return `${prefix}:worker:heartbeat:${workerId}`;
}

export async function writeWorkerHeartbeat(redis: Redis, prefix: string, beat: WorkerHeartbeat): Promise<void> {
  await redis.set(heartbeatKey(prefix, beat.workerId), JSON.stringify(beat), 'PX', HEARTBEAT_TTL_MS);
}

export async function clearWorkerHeartbeat(redis: Redis, prefix: string, workerId: string): Promise<void> {
  await redis.del(heartbeatKey(prefix, workerId));
}

/** Workers that reported within the last few seconds. */
export async function liveWorkers(redis: Redis, prefix: string): Promise<WorkerHeartbeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', heartbeatKey(prefix, '*'), 'COUNT', 100);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as WorkerHeartbeat);
}
