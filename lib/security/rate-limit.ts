import { cacheRedis } from '../cache/redis';
import { redisPrefix } from '../queue/connection';

// Rate limits where abuse is cheap for the caller and costly for us or for others: sign-in (a
// scrypt hash each), API token use, Test connection (connects to a server of the caller's
// choice), Start now. Fixed windows counted in Redis, shared by every web server process.
// When Redis does not answer, requests are let through: a limit must not take the product down
// with Redis (the account delays of sign-in live in PostgreSQL and still hold).

export type RateLimitRule = { name: string; limit: number; windowMs: number; what: string };

export const RATE_LIMITS = {
  signInPerAddress: { name: 'sign-in:address', limit: 30, windowMs: 60_000, what: 'sign-in attempts from your address' },
  apiTokenUse: { name: 'api:token', limit: 600, windowMs: 60_000, what: 'requests with this API token' },
  apiBadCredentialsPerAddress: { name: 'api:bad-credentials', limit: 30, windowMs: 60_000, what: 'requests with unknown API tokens from your address' },
  testConnectionPerAccount: { name: 'ldap:test-connection', limit: 10, windowMs: 60_000, what: 'connection tests' },
  startNowPerCaller: { name: 'runs:start', limit: 10, windowMs: 60_000, what: 'runs started' },
} satisfies Record<string, RateLimitRule>;

export type RateLimitResult = { ok: true } | { ok: false; retryAfterSeconds: number; message: string };

// INCR, the window's expiry set by the first hit, and the time left: one round trip, atomic.
const HIT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

export function rateLimitKey(rule: RateLimitRule, subject: string): string {
  return `${redisPrefix()}:rate:${rule.name}:${subject}`;
}

/** Counts one use by `subject` (an address, account or token id) and says whether it is within the rule. */
export async function hitRateLimit(rule: RateLimitRule, subject: string): Promise<RateLimitResult> {
  let count: number;
  let ttl: number;
  try {
    [count, ttl] = (await cacheRedis().eval(HIT, 1, rateLimitKey(rule, subject), String(rule.windowMs))) as [number, number];
  } catch (error) {
    console.warn(`rate limit ${rule.name}: Redis did not answer (${(error as Error).message}); the request is let through`);
    return { ok: true };
  }
  if (count <= rule.limit) return { ok: true };
  const retryAfterSeconds = Math.max(1, Math.ceil(ttl / 1000));
  return { ok: false, retryAfterSeconds, message: tooManyMessage(rule, retryAfterSeconds) };
}

export function tooManyMessage(rule: RateLimitRule, retryAfterSeconds: number): string {
  const per = rule.windowMs === 60_000 ? 'a minute' : `${Math.round(rule.windowMs / 1000)} seconds`;
  return `Too many ${rule.what} (at most ${rule.limit} in ${per}). Try again in ${formatWait(retryAfterSeconds)}.`;
}

export function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
