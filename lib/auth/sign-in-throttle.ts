import { cacheRedis } from '../cache/redis';
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

/** Whether `address` failed at this account within the last delay. Without Redis: yes (the delay holds for everyone, as a plain lock would). */
export async function failedRecentlyFrom(accountId: number, address: string | null, now: Date): Promise<boolean> {
  try {
    const until = await cacheRedis().zscore(key(accountId), address ?? UNKNOWN);
    return until !== null && Number(until) > now.getTime();
  } catch {
    return true;
  }
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
