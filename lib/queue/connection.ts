import { Redis } from 'ioredis';
import { config } from '../config';

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ's Worker requires:
 * commands wait for a reconnect instead of failing while Redis restarts.
 */
export function redisConnection(
  url: string = config().REDIS_URL,
  connectionName?: string,
  onError: (error: Error) => void = () => undefined,
): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName });
  // ioredis reconnects by itself; without a listener every failed reconnect is printed as an
  // "Unhandled error event". Callers that wait on Redis bound the wait (withRedisTimeout).
  redis.on('error', onError);
  return redis;
}

/** Prefix of every key this installation writes to Redis (queues, heartbeats, cache). */
export function redisPrefix(): string {
  return config().REDIS_PREFIX;
}
