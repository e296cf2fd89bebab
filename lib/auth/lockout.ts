/** Failed sign-ins in a row after which an account is locked for a while. */
export const MAX_FAILED_SIGN_INS = 5;
export const LOCKOUT_MINUTES = 15;

export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return lockedUntil !== null && lockedUntil.getTime() > now.getTime();
}

/**
 * The lock that follows a failed sign-in, given the failure count after it was recorded.
 * A lock that has run out restarts the count (see `failureCountAfter`), so an account is
 * locked again only after another full series of failures.
 */
export function lockAfterFailure(failedSignIns: number, now: Date): Date | null {
  return failedSignIns >= MAX_FAILED_SIGN_INS ? new Date(now.getTime() + LOCKOUT_MINUTES * 60_000) : null;
}

/** The failure count once this failure is recorded. */
export function failureCountAfter(previous: number, lockedUntil: Date | null, now: Date): number {
  const lockExpired = lockedUntil !== null && lockedUntil.getTime() <= now.getTime();
  return (lockExpired ? 0 : previous) + 1;
}
