import { CONNECTION_CLOSED } from '../redis/create-redis';

// Queue connections wait for Redis to come back instead of failing (BullMQ's requirement), so a
// request of the web app bounds each Redis call itself rather than hanging until Redis returns.

export class RedisUnavailableError extends Error {
  constructor(what: string) {
    super(`Redis did not answer while trying to ${what}. Check that Redis is running and REDIS_URL is right, then try again.`);
    this.name = 'RedisUnavailableError';
  }
}

export async function withRedisTimeout<T>(work: Promise<T>, what: string, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailableError(what)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `work` again, up to `attempts` times, when it failed only because its connection was being
 * replaced (a failover: lib/redis/create-redis.ts SentinelRedis connects such a client again).
 * For idempotent work only, e.g. adding a job with a fixed jobId.
 */
export async function retryOnClosedConnection<T>(work: () => Promise<T>, attempts = 3, pauseMs = 200): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || (error as Error)?.message !== CONNECTION_CLOSED) throw error;
      await new Promise((r) => setTimeout(r, pauseMs * attempt));
    }
  }
}
