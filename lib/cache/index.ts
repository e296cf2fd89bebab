export { cachedView, cacheGeneration, cacheKeys, lastCacheClear, VIEW_TTL_SECONDS } from './operator-cache';
export type { CachedView, CacheOptions, LastCacheClear } from './operator-cache';
export { clearOperatorCache } from './clear-operator-cache';
export type { ClearOperatorCacheOptions, ClearOperatorCacheResult } from './clear-operator-cache';
export { configurationChangedSince } from './configuration-changes';
export type { ConfigurationChange } from './configuration-changes';
export { cacheRedis, disconnectCacheRedis } from './redis';
