import { createRedis, type RedisClient } from '../redis/create-redis';

// The cache's own connection. Unlike BullMQ's (which waits for Redis forever), it gives up on a
// command quickly: a page can always be computed from the database instead.
const globalForCache = globalThis as unknown as { idmCacheRedis?: RedisClient };

export function cacheRedis(): RedisClient {
  globalForCache.idmCacheRedis ??= createRedis({ purpose: 'cache', connectionName: 'idm-operator-cache' });
  return globalForCache.idmCacheRedis;
}

export async function disconnectCacheRedis(): Promise<void> {
  const redis = globalForCache.idmCacheRedis;
  globalForCache.idmCacheRedis = undefined;
  await redis?.quit().catch(() => redis.disconnect());
}
