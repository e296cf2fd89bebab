// Failed passwords of an account make it wait, longer each time, instead of locking it for a
// fixed time that anyone could renew: after MAX_FAILED_SIGN_INS failures in a row the account
// has a delay that doubles with every further failure, up to MAX_DELAY_MINUTES. The delay holds
// against the client addresses that made those failures (lib/auth/sign-in-throttle); the right
// password from another address still signs in, so guessing at an account cannot keep its owner
// out. An hour without failures after a delay ran out starts the count again.

/** Failed sign-ins in a row after which an account is delayed. */
export const MAX_FAILED_SIGN_INS = 5;
export const FIRST_DELAY_SECONDS = 30;
export const MAX_DELAY_MINUTES = 15;
/** How long after a delay ran out the count starts again. */
export const QUIET_RESET_MINUTES = 60;

export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return lockedUntil !== null && lockedUntil.getTime() > now.getTime();
}

/** The delay in seconds that follows the `failedSignIns`th failure in a row (0: none yet). */
export function delaySecondsAfter(failedSignIns: number): number {
  if (failedSignIns < MAX_FAILED_SIGN_INS) return 0;
  const doublings = Math.min(failedSignIns - MAX_FAILED_SIGN_INS, 20);
  return Math.min(FIRST_DELAY_SECONDS * 2 ** doublings, MAX_DELAY_MINUTES * 60);
}

/** Until when the account waits after a failure, given the failure count after it was recorded. */
export function lockAfterFailure(failedSignIns: number, now: Date): Date | null {
  const seconds = delaySecondsAfter(failedSignIns);
  return seconds ? new Date(now.getTime() + seconds * 1000) : null;
}

/** The failure count once this failure is recorded. */
export function failureCountAfter(previous: number, lockedUntil: Date | null, now: Date): number {
  const quiet = lockedUntil !== null && now.getTime() - lockedUntil.getTime() >= QUIET_RESET_MINUTES * 60_000;
  return (quiet ? 0 : previous) + 1;
}
