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
