import { cacheRedis } from '../cache/redis';
import { prisma } from '../db';
import { redisPrefix } from '../queue/connection';
import { MAX_DELAY_MINUTES } from './lockout';

// Which client addresses made an account's recent failed sign-ins. An account's delay
// (lib/auth/lockout) holds against these addresses only: a client that has not failed at this
// account is not delayed by others' guesses. A sorted set per account: member = address, score =
// when its mark runs out.

const UNKNOWN = 'unknown';
const MARK_MS = MAX_DELAY_MINUTES * 60_000;

const key = (accountId: number) => `${redisPrefix()}:sign-in:failed-from:${accountId}`;

export async function markFailedSignIn(accountId: number, address: string | null, now: Date): Promise<void> {
  try {
    await cacheRedis().multi().zadd(key(accountId), now.getTime() + MARK_MS, address ?? UNKNOWN).pexpire(key(accountId), MARK_MS).exec();
  } catch (error) {
    console.warn(`sign-in throttle: Redis did not answer (${(error as Error).message})`);
  }
}

/**
 * Whether `address` failed at this account within the last delay. Without Redis the audit log
 * answers (lib/auth/sign-in and change-password record every wrong password with its address), so
 * the delay still holds only against the addresses that guessed: treating every address as a
 * guesser would let anyone keep the owner out for as long as Redis is down. Only if PostgreSQL
 * cannot answer either does the delay hold for everyone.
 */
export async function failedRecentlyFrom(account: { id: number; username: string }, address: string | null, now: Date): Promise<boolean> {
  try {
    const until = await cacheRedis().zscore(key(account.id), address ?? UNKNOWN);
    return until !== null && Number(until) > now.getTime();
  } catch (error) {
    console.warn(`sign-in throttle: Redis did not answer (${(error as Error).message}); the audit log says who failed`);
  }
  try {
    return await failedRecentlyFromAuditLog(account.username, address, now);
  } catch {
    return true;
  }
}

/**
 * The audit log's answer: a wrong password from this address at this account within the longest
 * delay, after the last administrator's unlock and after the last successful sign-in from the
 * same address (the two events that clear the Redis record). Bounded by the (action, at) index.
 */
export async function failedRecentlyFromAuditLog(username: string, address: string | null, now: Date): Promise<boolean> {
  const target = `account:${username}`;
  const since = new Date(now.getTime() - MARK_MS);
  const rows = await prisma().$queryRaw<Array<{ failed: boolean }>>`
    SELECT EXISTS (
      SELECT 1 FROM audit_events f
       WHERE f.action IN ('auth.sign_in.failed', 'auth.password_change.failed')
         AND f.at > ${since}
         AND f.target = ${target}
         AND f.ip IS NOT DISTINCT FROM ${address}
         AND (f.action <> 'auth.sign_in.failed' OR f.details->>'reason' = 'wrong_password')
         AND NOT EXISTS (
           SELECT 1 FROM audit_events c
            WHERE c.at >= f.at AND c.at > ${since} AND c.target = ${target}
              AND (c.action = 'account.unlocked' OR (c.action = 'auth.sign_in' AND c.ip IS NOT DISTINCT FROM ${address}))
         )
    ) AS failed`;
  return rows[0]?.failed === true;
}

/** Forgets every address's failures at this account (a successful sign-in from it, or an administrator's unlock). */
export async function clearFailedSignIns(accountId: number, address?: string | null): Promise<void> {
  try {
    if (address === undefined) await cacheRedis().del(key(accountId));
    else await cacheRedis().zrem(key(accountId), address ?? UNKNOWN);
  } catch (error) {
    console.warn(`sign-in throttle: Redis did not answer (${(error as Error).message})`);
  }
}
