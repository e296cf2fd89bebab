import type { RedisClient } from '../redis/create-redis';
import { config } from '../config';
import { withRedisTimeout } from '../queue/redis-timeout';
import { cacheRedis } from './redis';

// The operator-facing cache (design brief: operators see an administrator's saved change only
// after Clear cache, as in the vendor's product). Each view is JSON under a key that contains the
// current generation: <prefix>:operator-cache:g<generation>:<view>. Clear cache increments the
// generation (one INCR, no KEYS scan), so every view of the old generation becomes unreachable at
// once; those keys expire on their own after VIEW_TTL_SECONDS, which bounds the memory they hold.

/** How long an unreachable (or never cleared) view may stay in Redis. */
export const VIEW_TTL_SECONDS = 7 * 24 * 3600;
/** A page does not wait longer than this for the cache; it computes the view instead. */
const READ_TIMEOUT_MS = 1_500;

export type CacheOptions = {
  /** Defaults to the application's cache connection (REDIS_URL). */
  redis?: RedisClient;
  /** Defaults to config().REDIS_PREFIX. */
  prefix?: string;
};

export type CachedView<T> = {
  value: T;
  /** When the view was computed from the database. */
  cachedAt: Date;
  /** False when the view was computed for this request (a miss, or Redis unavailable). */
  fromCache: boolean;
  /** True when Redis could not be reached: the view is fresh and nothing was stored. */
  cacheUnavailable: boolean;
};

const VIEW_NAME = /^[a-z0-9][a-z0-9:._-]{0,199}$/i;

export function cacheKeys(prefix: string = config().REDIS_PREFIX) {
  const base = `${prefix}:operator-cache`;
  return {
    generation: `${base}:generation`,
    lastClear: `${base}:last-clear`,
    view: (generation: number, name: string) => `${base}:g${generation}:${name}`,
  };
}

// Dates survive the round trip through JSON: encoded as {"$date": iso}, revived on read.
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Date ? { $date: original.toISOString() } : value;
}
function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const date = (value as { $date?: unknown }).$date;
    if (keys.length === 1 && typeof date === 'string') return new Date(date);
  }
  return value;
}

export function encodeView(value: unknown, cachedAt: Date): string {
  return JSON.stringify({ cachedAt: cachedAt.toISOString(), value }, replacer);
}
export function decodeView<T>(text: string): { value: T; cachedAt: Date } {
  const parsed = JSON.parse(text, reviver) as { cachedAt: string; value: T };
  return { value: parsed.value, cachedAt: new Date(parsed.cachedAt) };
}

/** The current generation (0 before the first Clear cache). */
export async function cacheGeneration(options: CacheOptions = {}): Promise<number> {
  const redis = options.redis ?? cacheRedis();
  return Number((await withRedisTimeout(redis.get(cacheKeys(options.prefix).generation), 'read the cache generation', READ_TIMEOUT_MS)) ?? 0);
}

/**
 * The view `name` of the current generation; computed with `compute` and stored when missing.
 * When Redis does not answer the view is computed for this request alone, so a page still works.
 */
export async function cachedView<T>(name: string, compute: () => Promise<T>, options: CacheOptions = {}): Promise<CachedView<T>> {
  if (!VIEW_NAME.test(name)) throw new Error(`Invalid cache view name: ${name}`);
  const redis = options.redis ?? cacheRedis();
  const keys = cacheKeys(options.prefix);
  let key: string;
  try {
    const generation = await cacheGeneration({ ...options, redis });
    key = keys.view(generation, name);
    const hit = await withRedisTimeout(redis.get(key), 'read a cached view', READ_TIMEOUT_MS);
    if (hit !== null) return { ...decodeView<T>(hit), fromCache: true, cacheUnavailable: false };
  } catch {
    return { value: await compute(), cachedAt: new Date(), fromCache: false, cacheUnavailable: true };
  }
  // Computed after reading the generation: if Clear cache happens meanwhile, this view lands in
  // the old generation and the next read computes again. Never the other way round.
  const cachedAt = new Date();
  const value = await compute();
  try {
    // NX: when two requests miss at once, the first view stored is the one everybody sees.
    await withRedisTimeout(redis.set(key, encodeView(value, cachedAt), 'EX', VIEW_TTL_SECONDS, 'NX'), 'store a cached view', READ_TIMEOUT_MS);
  } catch {
    return { value, cachedAt, fromCache: false, cacheUnavailable: true };
  }
  return { value, cachedAt, fromCache: false, cacheUnavailable: false };
}

export type LastCacheClear = { at: Date; by: string };

/** Who cleared the operator cache last, and when; null if it never was. */
export async function lastCacheClear(options: CacheOptions = {}): Promise<LastCacheClear | null> {
  const redis = options.redis ?? cacheRedis();
  const raw = await withRedisTimeout(redis.get(cacheKeys(options.prefix).lastClear), 'read the last cache clear', READ_TIMEOUT_MS).catch(() => null);
  if (!raw) return null;
  const parsed = JSON.parse(raw) as { at: string; by: string };
  return { at: new Date(parsed.at), by: parsed.by };
}
