import { z } from 'zod';
import { parseTrustProxy } from './http/client-address';
import { effectiveRedisPrefix, parseRedisUrl, redisPrefixProblem, RedisUrlError, type RedisTarget } from './redis/redis-url';

// Environment, validated once at the boundary. Every variable is documented in README.md.
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.string().url({ message: 'DATABASE_URL must be a postgresql:// URL' }),
  // One Redis, a Sentinel group or a Redis Cluster, by the URL's scheme (lib/redis/redis-url.ts).
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  // 32 bytes, base64 or hex: encrypts the LDAP bind password at rest (lib/crypto.ts).
  APP_ENCRYPTION_KEY: z.string().optional(),
  // Prefix for BullMQ queues and cache keys so that several installations can share one Redis.
  // On a cluster it is given a hash tag ({idm}) when it has none: see effectiveRedisPrefix.
  REDIS_PREFIX: z
    .string()
    .default('idm')
    .superRefine((value, ctx) => {
      const problem = redisPrefixProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  // The address people open the app at (https://idm.example.com): makes the links in notifications absolute.
  APP_PUBLIC_URL: z.string().url().optional(),
  // Delta runs (lib/sync/watermark.ts): how far before the directory's clock at a run's start the
  // next delta starts reading again. Covers writes stamped before that instant but committed after
  // the run's search passed their entry; re-reading them is harmless (runs are idempotent).
  DELTA_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().positive().default(12),
  // Whose X-Forwarded-For to believe for the client address (lib/http/client-address.ts): nobody by default.
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseTrustProxy(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

/** REDIS_URL read into what it names; REDIS_PREFIX as keys are written (hash-tagged on a cluster). */
const withRedisTarget = schema.transform((env, ctx) => {
  let redisTarget: RedisTarget;
  try {
    redisTarget = parseRedisUrl(env.REDIS_URL);
  } catch (error) {
    if (!(error instanceof RedisUrlError)) throw error;
    ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: error.message });
    return z.NEVER;
  }
  return { ...env, REDIS_PREFIX: effectiveRedisPrefix(env.REDIS_PREFIX, redisTarget), redisTarget };
});

export type Config = z.infer<typeof withRedisTarget>;

let cached: Config | undefined;

export class ConfigError extends Error {}

export function config(): Config {
  if (cached) return cached;
  const parsed = withRedisTarget.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  cached = parsed.data;
  return cached;
}

/** For tests that change process.env between cases. */
export function resetConfigForTests(): void {
  cached = undefined;
}
