import { describe, expect, it } from 'vitest';
import { desiredSchedule, schedulerIdFor } from './job-schedulers';
import { runRetryDelay } from './batch-jobs-queue';

describe('desiredSchedule', () => {
  const job = { key: 'inactive-ldap-users', cronExpression: ' 0  2 * * * ', timeZone: 'Europe/Berlin', paused: false };

  it('derives the scheduler of an enabled job with a valid expression', () => {
    expect(desiredSchedule(job)).toEqual({ pattern: '0 2 * * *', tz: 'Europe/Berlin' });
    expect(schedulerIdFor(job.key)).toBe('batch-job:inactive-ldap-users');
  });

  it('wants no scheduler for a disabled job, a missing or invalid expression, or an unknown time zone', () => {
    expect(desiredSchedule({ ...job, paused: true })).toBeNull();
    expect(desiredSchedule({ ...job, cronExpression: null })).toBeNull();
    expect(desiredSchedule({ ...job, cronExpression: '* * *' })).toBeNull();
    expect(desiredSchedule({ ...job, timeZone: 'Nowhere/City' })).toBeNull();
  });
});

describe('runRetryDelay', () => {
  it('doubles from the base delay with each failed attempt', () => {
    expect([1, 2, 3, 4].map((n) => runRetryDelay(n, 10_000))).toEqual([10_000, 20_000, 40_000, 80_000]);
  });
});
