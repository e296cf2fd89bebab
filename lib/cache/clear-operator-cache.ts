import { recordAudit } from '../audit/record-audit';
import { withRedisTimeout } from '../queue/redis-timeout';
import { cacheKeys, type CacheOptions } from './operator-cache';
import { cacheRedis } from './redis';

export type ClearOperatorCacheOptions = CacheOptions & {
  /** Account username of the operator or administrator who clicked Clear cache. */
  actor: string;
  ip?: string | null;
};

export type ClearOperatorCacheResult = { clearedAt: Date; generation: number };

/**
 * Clear cache: every operator-facing view is recomputed on its next read. One INCR of the
 * generation (O(1) whatever the number of views), recorded in the audit log as cache.cleared.
 * Throws RedisUnavailableError (with what to do) when Redis does not answer; nothing is audited then.
 */
export async function clearOperatorCache(options: ClearOperatorCacheOptions): Promise<ClearOperatorCacheResult> {
  const redis = options.redis ?? cacheRedis();
  const keys = cacheKeys(options.prefix);
  const clearedAt = new Date();
  const results = await withRedisTimeout(
    redis
      .multi()
      .incr(keys.generation)
      .set(keys.lastClear, JSON.stringify({ at: clearedAt.toISOString(), by: options.actor }))
      .exec(),
    'clear the operator cache',
  );
  const [incr] = results ?? [];
  if (!incr || incr[0]) throw incr?.[0] ?? new Error('Redis did not run the cache clear transaction.');
  const generation = Number(incr[1]);
  await recordAudit({ actor: options.actor, action: 'cache.cleared', target: 'operator-cache', details: { generation }, ip: options.ip ?? null });
  return { clearedAt, generation };
}
