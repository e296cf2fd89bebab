import { describe, expect, it } from 'vitest';
import { validateCronExpression } from './validate-cron-expression';
import { describeCronExpression } from './describe-cron-expression';
import { formatInTimeZone, nextRuns } from './next-runs';
import { validateTimeZone } from './time-zone';

// [expression, expected]: a string is the exact error; { ok, warns? } an accepted expression.
type Accepted = { expression: string; warns?: boolean };
const table: Array<[string, string | Accepted]> = [
  // accepted: standard 5 fields
  ['0 2 * * *', { expression: '0 2 * * *' }],
  ['*/15 * * * *', { expression: '*/15 * * * *' }],
  ['0 6-18/2 * * MON-FRI', { expression: '0 6-18/2 * * MON-FRI' }],
  ['30 1 1,15 * *', { expression: '30 1 1,15 * *' }],
  ['0 0 1 JAN-MAR *', { expression: '0 0 1 JAN-MAR *' }],
  ['0 3 * * 7', { expression: '0 3 * * 7' }],
  ['0 3 * * sun', { expression: '0 3 * * sun' }],
  ['0 0 L * *', { expression: '0 0 L * *' }],
  ['0 22 * * 5L', { expression: '0 22 * * 5L' }],
  ['0 9 * * 1#2', { expression: '0 9 * * 1#2' }],
  ['0 0 29 2 *', { expression: '0 0 29 2 *' }],
  ['  0   2  * * *  ', { expression: '0 2 * * *' }],
  // accepted: Quartz ?
  ['0 12 ? * MON-FRI', { expression: '0 12 ? * MON-FRI' }],
  ['0 12 1 * ?', { expression: '0 12 1 * ?' }],
  // accepted: 6 fields with seconds, with the frequency warning where due
  ['*/2 * * * * *', { expression: '*/2 * * * * *', warns: true }],
  ['0 0 2 * * *', { expression: '0 0 2 * * *' }],
  ['* * * * *', { expression: '* * * * *', warns: true }],
  ['*/4 * * * *', { expression: '*/4 * * * *', warns: true }],
  ['*/5 * * * *', { expression: '*/5 * * * *' }],
  ['0,1 9 * * *', { expression: '0,1 9 * * *', warns: true }],
  // rejected: out of range, named field and range
  ['61 * * * *', 'minute must be 0-59 (got 61)'],
  ['* 24 * * *', 'hour must be 0-23 (got 24)'],
  ['0 0 32 * *', 'day of month must be 1-31 (or L for the last day) (got 32)'],
  ['0 0 0 * *', 'day of month must be 1-31 (or L for the last day) (got 0)'],
  ['0 0 * 13 *', 'month must be 1-12 or JAN-DEC (got 13)'],
  ['0 0 * * 8', 'day of week must be 0-7 or SUN-SAT (0 and 7 are Sunday) (got 8)'],
  ['60 * * * * *', 'second must be 0-59 (got 60)'],
  ['0 1-100 * * *', 'hour must be 0-23 (got 1-100)'],
  ['a * * * *', 'minute must be 0-59 (got "a")'],
  ['0 0 12 JANUARY *', 'month must be 1-12 or JAN-DEC (got "JANUARY")'],
  ['1,2,,3 * * * *', 'minute must be 0-59 (got "1,2,,3")'],
  ['*/0 * * * *', 'minute: a step of /0 never advances; use /1 or more'],
  ['5-1 * * * *', 'minute: the range 5-1 runs backwards; write the smaller value first (0-59)'],
  ['0 0 * * 1#6', 'day of week: the number after # must be 1-5 (e.g. 1#2 is the second Monday of the month)'],
  ['0 12 * * L', 'day of week: L needs a day before it (e.g. 5L is the last Friday of the month)'],
  // rejected: what cron-parser lets through silently
  ['', 'Enter a cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first.'],
  ['   ', 'Enter a cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first.'],
  ['* * *', 'A cron expression needs 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; this one has 3.'],
  ['0 2 * *', 'A cron expression needs 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; this one has 4.'],
  ['@daily', 'Macros such as @daily are not supported; write the fields instead (e.g. "0 0 * * *" for every day at midnight).'],
  ['H 2 * * *', 'minute: H (hashed values) is not supported; use a number (0-59)'],
  ['? * * * *', 'minute: ? is only allowed in the day of month and day of week fields'],
  // rejected: Quartz year field, too many fields, impossible dates
  ['0 0 12 ? * MON 2026', 'year fields are not supported; remove the last field'],
  ['0 0 12 * * * *', 'year fields are not supported; remove the last field'],
  ['0 0 12 * * * * *', 'Too many fields: a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; this one has 8.'],
  ['0 0 30 2 *', 'day of month 30 never occurs in month 2; the schedule would never fire'],
  ['0 0 31 4 *', 'day of month 31 never occurs in month 4; the schedule would never fire'],
];

describe('validateCronExpression', () => {
  it('has a table of at least 30 expressions', () => {
    expect(table.length).toBeGreaterThanOrEqual(30);
  });

  it.each(table)('%j', (input, expected) => {
    const result = validateCronExpression(input);
    if (typeof expected === 'string') {
      expect(result).toMatchObject({ ok: false, error: expected });
    } else {
      expect(result).toMatchObject({ ok: true, expression: expected.expression });
      if (!result.ok) return;
      if (expected.warns) expect(result.warnings[0]).toMatch(/more often than every 5 minutes/);
      else expect(result.warnings).toEqual([]);
    }
  });

  it('names the field that is wrong', () => {
    expect(validateCronExpression('0 0 * 13 *')).toMatchObject({ ok: false, field: 'month' });
    expect(validateCronExpression('0 0 0 * * 9')).toMatchObject({ ok: false, field: 'day of week' });
  });
});

describe('expressions that never fire', () => {
  const now = new Date(Date.UTC(2027, 0, 1));

  it('refuses a day that no listed month has, whatever else the expression says', () => {
    for (const expression of ['0 0 31 2,4 *', '0 0 31 2,4,6,9,11 *', '15 3 30,31 2 *', '0 0 0 31 4 *']) {
      const result = validateCronExpression(expression, { now });
      expect(result.ok, expression).toBe(false);
      if (!result.ok) expect(result.error, expression).toMatch(/never fire/);
    }
    // A fifth Monday in February needs a leap year whose February starts on a Monday: 2044, more than 8 years away.
    expect(validateCronExpression('0 0 * 2 1#5', { now }).ok).toBe(false);
    // Rare but real: February 29 and one listed month that has a 31st.
    expect(validateCronExpression('0 0 29 2 *', { now: new Date(Date.UTC(2097, 2, 1)) }).ok).toBe(true); // 2104, across 2100
    expect(validateCronExpression('0 0 31 2,4,5 *', { now }).ok).toBe(true);
  });

  // Reference model: walk the calendar day by day for 8 years and look for a day that matches
  // day of month, month and day of week with cron's rule (both restricted: either one matches).
  function firesWithinEightYears(dom: number[] | '*', months: number[], dow: number[] | '*'): boolean {
    const end = new Date(now);
    end.setUTCFullYear(end.getUTCFullYear() + 8);
    for (let day = new Date(now); day < end; day = new Date(day.getTime() + 86_400_000)) {
      if (!months.includes(day.getUTCMonth() + 1)) continue;
      const domOk = dom === '*' || dom.includes(day.getUTCDate());
      const dowOk = dow === '*' || dow.includes(day.getUTCDay());
      if (dom !== '*' && dow !== '*' ? domOk || dowOk : domOk && dowOk) return true;
    }
    return false;
  }

  it('agrees with a calendar walk on random day/month/weekday combinations', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n); // the high bits: an LCG's low bits repeat with a short period
    };
    const pick = (from: number[], max: number) => [...new Set(Array.from({ length: 1 + random(max) }, () => from[random(from.length)]!))].sort((a, b) => a - b);
    let refused = 0;
    for (let i = 0; i < 80; i++) {
      // Biased towards the short months and their missing days, where the never-firing corner is.
      const dom = random(5) === 0 ? '*' : pick(random(2) ? [30, 31] : [1, 15, 28, 29, 30, 31], 3);
      const months = pick(random(2) ? [2, 4, 6, 9, 11] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 3);
      const dow = random(3) === 0 ? pick([0, 1, 2, 3, 4, 5, 6], 2) : '*';
      const expression = `0 0 ${dom === '*' ? '*' : dom.join(',')} ${months.join(',')} ${dow === '*' ? '*' : dow.join(',')}`;
      const expected = firesWithinEightYears(dom, months, dow);
      if (!expected) refused++;
      expect(validateCronExpression(expression, { now }).ok, expression).toBe(expected);
    }
    expect(refused).toBeGreaterThan(3); // the generator does reach the never-firing corner
  }, 60_000); // cron-parser needs ~0.1 s to search 8 years and find nothing
});

describe('describeCronExpression', () => {
  it('describes valid expressions and nothing else', () => {
    expect(describeCronExpression('0 2 * * *')).toBe('At 02:00');
    expect(describeCronExpression('*/2 * * * * *')).toBe('Every 2 seconds');
    expect(describeCronExpression('0 0 12 ? * MON 2026')).toBeUndefined();
  });
});

describe('nextRuns', () => {
  it('computes firings in the job time zone', () => {
    const runs = nextRuns('0 2 * * *', { timeZone: 'Europe/Berlin', count: 2, from: new Date('2026-11-27T12:00:00Z') });
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-11-28T01:00:00.000Z', '2026-11-29T01:00:00.000Z']);
    expect(formatInTimeZone(runs[0]!, 'Europe/Berlin')).toMatch(/28 Nov 2026, 02:00:00/);
  });

  it('moves a firing inside the spring-forward gap and fires once in the autumn repeat', () => {
    const spring = nextRuns('30 2 * * *', { timeZone: 'Europe/Berlin', count: 3, from: new Date('2026-03-27T12:00:00Z') });
    // 28 Mar 02:30 CET, 29 Mar 02:30 does not exist -> 03:30 CEST, 30 Mar 02:30 CEST
    expect(spring.map((d) => d.toISOString())).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    const autumn = nextRuns('30 2 * * *', { timeZone: 'Europe/Berlin', count: 3, from: new Date('2026-10-24T12:00:00Z') });
    expect(autumn.map((d) => d.toISOString())).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('refuses an invalid expression', () => {
    expect(() => nextRuns('61 * * * *', { timeZone: 'UTC' })).toThrow('minute must be 0-59');
  });
});

describe('validateTimeZone', () => {
  it('accepts IANA names and rejects others', () => {
    expect(validateTimeZone('Europe/Berlin')).toEqual({ ok: true, timeZone: 'Europe/Berlin' });
    expect(validateTimeZone('utc')).toMatchObject({ ok: true, timeZone: 'UTC' });
    expect(validateTimeZone('Nowhere/City')).toMatchObject({ ok: false });
  });
});
