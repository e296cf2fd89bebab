import { describe, expect, it } from 'vitest';
import { delaySecondsAfter, failureCountAfter, isLocked, lockAfterFailure, MAX_DELAY_MINUTES, MAX_FAILED_SIGN_INS, QUIET_RESET_MINUTES } from './lockout';

const now = new Date('2026-01-01T12:00:00Z');
const plus = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

describe('sign-in delays', () => {
  it(`start at the ${MAX_FAILED_SIGN_INS}th failure in a row, double with each further one, and stop growing at ${MAX_DELAY_MINUTES} minutes`, () => {
    expect(lockAfterFailure(MAX_FAILED_SIGN_INS - 1, now)).toBeNull();
    const delays = Array.from({ length: 8 }, (_, i) => delaySecondsAfter(MAX_FAILED_SIGN_INS + i));
    expect(delays).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
    expect(lockAfterFailure(MAX_FAILED_SIGN_INS, now)).toEqual(plus(0.5));
    expect(delaySecondsAfter(10_000)).toBe(MAX_DELAY_MINUTES * 60);
  });

  it('hold until they run out', () => {
    expect(isLocked(null, now)).toBe(false);
    expect(isLocked(plus(1), now)).toBe(true);
    expect(isLocked(plus(0), now)).toBe(false);
  });

  it('keep counting across a delay that ran out (so they grow), and start again after a quiet hour', () => {
    expect(failureCountAfter(2, null, now)).toBe(3);
    expect(failureCountAfter(MAX_FAILED_SIGN_INS, plus(-1), now)).toBe(MAX_FAILED_SIGN_INS + 1);
    expect(failureCountAfter(MAX_FAILED_SIGN_INS + 3, plus(-QUIET_RESET_MINUTES), now)).toBe(1);
  });
});
