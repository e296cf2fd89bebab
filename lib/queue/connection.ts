import { config } from '../config';
import { createRedis, type RedisClient } from '../redis/create-redis';
import { parseRedisUrl } from '../redis/redis-url';

/**
 * A Redis connection for BullMQ (and what the worker keeps beside its queues): commands wait for
 * a reconnect or a failover instead of failing, as BullMQ's Worker requires. `url` defaults to
 * REDIS_URL and may name one Redis, a Sentinel group or a cluster (lib/redis/redis-url.ts).
 */
export function redisConnection(
  url: string = config().REDIS_URL,
  connectionName?: string,
  onError: (error: Error) => void = () => undefined,
): RedisClient {
  // Callers that wait on Redis bound the wait (withRedisTimeout).
  return createRedis({ purpose: 'queue', target: parseRedisUrl(url), connectionName, onError });
}

/** Prefix of every key this installation writes to Redis (queues, heartbeats, cache); hash-tagged on a cluster. */
export function redisPrefix(): string {
  return config().REDIS_PREFIX;
}

/**
 * A queue's Redis errors as one line, at most once a minute. Without a listener BullMQ prints
 * every failed reconnect with its stack (every ~2 s during an outage); the queue itself goes on
 * waiting for Redis. For the web app's queues: the worker reports outages itself (jobs/outages.ts).
 */
export function warnOnRedisErrors(queue: { on(event: 'error', listener: (error: Error) => void): unknown }, name: string, everyMs = 60_000): void {
  let last = -Infinity;
  queue.on('error', (error) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    console.warn(`${name}: Redis error (${error.message}); it waits for Redis to come back`);
  });
}
