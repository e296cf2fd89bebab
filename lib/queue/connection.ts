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
