import { Redis } from 'ioredis';
import { config } from '../config';

// The cache's own connection. Unlike BullMQ's (which waits for Redis forever), it gives up on a
// command quickly: a page can always be computed from the database instead.
const globalForCache = globalThis as unknown as { idmCacheRedis?: Redis };

export function cacheRedis(): Redis {
  globalForCache.idmCacheRedis ??= new Redis(config().REDIS_URL, {
    connectionName: 'idm-operator-cache',
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
  return globalForCache.idmCacheRedis;
}

export async function disconnectCacheRedis(): Promise<void> {
  const redis = globalForCache.idmCacheRedis;
  globalForCache.idmCacheRedis = undefined;
  await redis?.quit().catch(() => redis.disconnect());
}
