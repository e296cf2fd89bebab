import { describe, expect, it } from 'vitest';
import { failureCountAfter, isLocked, lockAfterFailure, LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS } from './lockout';

const now = new Date('2026-01-01T12:00:00Z');
const plus = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

describe('lockout', () => {
  it(`locks for ${LOCKOUT_MINUTES} minutes at the ${MAX_FAILED_SIGN_INS}th failure in a row, not before`, () => {
    expect(lockAfterFailure(MAX_FAILED_SIGN_INS - 1, now)).toBeNull();
    expect(lockAfterFailure(MAX_FAILED_SIGN_INS, now)).toEqual(plus(LOCKOUT_MINUTES));
  });

  it('is locked until the lock runs out', () => {
    expect(isLocked(null, now)).toBe(false);
    expect(isLocked(plus(1), now)).toBe(true);
    expect(isLocked(plus(0), now)).toBe(false);
  });

  it('counts failures on top of earlier ones, and starts again after a lock ran out', () => {
    expect(failureCountAfter(2, null, now)).toBe(3);
    expect(failureCountAfter(MAX_FAILED_SIGN_INS, plus(-1), now)).toBe(1);
  });
});
