import { describe, expect, it } from 'vitest';
import { formatReport, formatSpread, spread, summarise } from './bench-spread';

describe('spread', () => {
  it('gives min, median and max whatever the order', () => {
    expect(spread([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3, n: 3 });
    expect(spread([7])).toEqual({ min: 7, median: 7, max: 7, n: 1 });
  });

  it('takes the mean of the middle two for an even count', () => {
    expect(spread([10, 40, 20, 30])).toEqual({ min: 10, median: 25, max: 40, n: 4 });
  });

  it('refuses no values and values that are not numbers', () => {
    expect(() => spread([])).toThrow(/no values/);
    expect(() => spread([1, Number.NaN])).toThrow(/not a number/);
    expect(() => spread([1, Infinity])).toThrow(/not a number/);
  });
});

describe('summarise', () => {
  it('takes the first/bare ratio per repetition, not the ratio of the medians', () => {
    // A busy second repetition slows both of its pair: the ratio stays 0.5.
    const report = summarise([
      { first: 4000, rerun: 40000, restore: 3000, bare: 8000, firstCpu: 0.2, bareCpu: 0.1 },
      { first: 2000, rerun: 30000, restore: 1000, bare: 4000, firstCpu: 0.3, bareCpu: 0.12 },
      { first: 3600, rerun: 35000, restore: 2000, bare: 6000, firstCpu: 0.25, bareCpu: 0.11 },
    ]);
    expect(report.first).toEqual({ min: 2000, median: 3600, max: 4000, n: 3 });
    expect(report.rerun).toEqual({ min: 30000, median: 35000, max: 40000, n: 3 });
    expect(report.restore).toEqual({ min: 1000, median: 2000, max: 3000, n: 3 });
    expect(report.bare).toEqual({ min: 4000, median: 6000, max: 8000, n: 3 });
    expect(report.firstCpu).toEqual({ min: 0.2, median: 0.25, max: 0.3, n: 3 });
    expect(report.bareCpu).toEqual({ min: 0.1, median: 0.11, max: 0.12, n: 3 });
    expect(report.firstOverBare).toEqual({ min: 0.5, median: 0.5, max: 0.6, n: 3 });
    expect(report.restoreOverFirst).toEqual({ min: 0.5, median: 2000 / 3600, max: 0.75, n: 3 });
    expect(report.restoreOverBare).toEqual({ min: 0.25, median: 1 / 3, max: 0.375, n: 3 });
  });
});

describe('formatting', () => {
  it('prints each figure with its min, median and max, and the load before and after', () => {
    const report = summarise([
      { first: 4321.4, rerun: 40000, restore: 3000, bare: 8000, firstCpu: 0.2504, bareCpu: 0.1 },
      { first: 2000, rerun: 30000, restore: 1000, bare: 4000, firstCpu: 0.3, bareCpu: 0.12 },
    ]);
    const lines = formatReport(report, { before: [1, 2.5, 3.25], after: [4, 5, 6] });
    expect(lines[0]).toBe('spread over 2 repetition(s), first run / re-run / restore / bare interleaved:');
    expect(lines[1]).toBe(formatSpread('first run', report.first));
    expect(lines[1]).toMatch(/^first run {3}min {3}2,000 {2}median {3}3,161 {2}max {3}4,321 people\/s$/);
    expect(lines[3]).toBe(formatSpread('restore', report.restore));
    expect(lines[5]).toMatch(/^first\/bare {2}min {4}0\.50 {2}median {4}0\.52 {2}max {4}0\.54 \(ratio per repetition\)$/);
    expect(lines[6]).toMatch(/^rest\/first {2}min {4}0\.50 {2}median {4}0\.60 {2}max {4}0\.69 \(ratio per repetition\)$/);
    expect(lines[7]).toMatch(/^rest\/bare {3}min {4}0\.25 {2}median {4}0\.31 {2}max {4}0\.38 \(ratio per repetition\)$/);
    expect(lines[8]).toMatch(/^first CPU {3}min {3}0\.250 {2}median {3}0\.275 {2}max {3}0\.300 s per 1,000 people \(sync \+ PostgreSQL \+ slapd\)$/);
    expect(lines[9]).toMatch(/^bare CPU {4}min {3}0\.100 {2}median {3}0\.110 {2}max {3}0\.120 s per 1,000 people \(PostgreSQL\)$/);
    expect(lines[10]).toBe('load average (1, 5, 15 min): before 1.00 2.50 3.25, after 4.00 5.00 6.00');
  });
});
