import { describe, expect, it } from 'vitest';
import { countAxis, durationAxis, niceStep, type Axis } from './chart-axis';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const UNIT_MS: Record<string, number> = { ms: 1, s: SECOND, min: MINUTE, h: HOUR };

const labels = (axis: Axis) => axis.ticks.map((t) => t.label);

/** The duration a label states, e.g. "1,500 ms" -> 1500, "2 h" -> 7,200,000. */
function parseDurationLabel(label: string): number {
  const match = /^(\d{1,3}(?:,\d{3})*) (ms|s|min|h)$/.exec(label);
  if (!match) throw new Error(`not a duration label: ${label}`);
  return Number(match[1]!.replace(/,/g, '')) * UNIT_MS[match[2]!]!;
}

describe('durationAxis', () => {
  it('labels sub-second ranges in milliseconds, each grid line differently', () => {
    expect(labels(durationAxis(340))).toEqual(['0 ms', '100 ms', '200 ms', '300 ms', '400 ms']);
    expect(labels(durationAxis(900))).toEqual(['0 ms', '250 ms', '500 ms', '750 ms', '1,000 ms']);
    expect(labels(durationAxis(7))).toEqual(['0 ms', '2 ms', '4 ms', '6 ms', '8 ms']);
  });

  it('labels ranges of seconds in seconds', () => {
    expect(labels(durationAxis(4_200))).toEqual(['0 s', '2 s', '4 s', '6 s']);
    expect(labels(durationAxis(59 * SECOND))).toEqual(['0 s', '15 s', '30 s', '45 s', '60 s']);
    expect(labels(durationAxis(95 * SECOND))).toEqual(['0 s', '30 s', '60 s', '90 s', '120 s']);
  });

  it('labels ranges of minutes in minutes and of hours in hours', () => {
    expect(labels(durationAxis(40 * MINUTE))).toEqual(['0 min', '10 min', '20 min', '30 min', '40 min']);
    expect(labels(durationAxis(7 * MINUTE + 3 * SECOND))).toEqual(['0 min', '2 min', '4 min', '6 min', '8 min']);
    expect(labels(durationAxis(5.5 * HOUR))).toEqual(['0 h', '2 h', '4 h', '6 h']);
    expect(labels(durationAxis(30 * HOUR))).toEqual(['0 h', '12 h', '24 h', '36 h']);
    expect(labels(durationAxis(150 * HOUR))).toEqual(['0 h', '50 h', '100 h', '150 h']);
  });

  it('gives an axis of one step when there is nothing to show', () => {
    expect(durationAxis(0)).toEqual({ max: 1, ticks: [{ value: 0, label: '0 ms' }, { value: 1, label: '1 ms' }] });
    expect(durationAxis(Number.NaN).max).toBe(1);
  });

  it('has distinct, increasing, exact labels and reaches the maximum for any range (property)', () => {
    // A fixed-seed generator: the same ranges on every run, spread over 0.5 ms to 10 days.
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const maxima = [...Array.from({ length: 1000 }, () => Math.round(10 ** (random() * 9.2 - 0.3))), 1, 999, 1000, 1001, 60_000, HOUR, 24 * HOUR];
    for (const max of maxima) {
      const axis = durationAxis(max);
      const values = axis.ticks.map((t) => parseDurationLabel(t.label));
      expect(values, `labels of ${max}`).toEqual(axis.ticks.map((t) => t.value));
      expect(new Set(labels(axis)).size, `distinct labels of ${max}`).toBe(axis.ticks.length);
      for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
      expect(axis.ticks[0]!.value).toBe(0);
      expect(axis.max).toBe(axis.ticks.at(-1)!.value);
      expect(axis.max).toBeGreaterThanOrEqual(max);
      // Tight: the last step is needed, and there are a few grid lines, not dozens.
      const step = axis.ticks[1]!.value;
      expect(axis.max - step).toBeLessThan(Math.max(max, 1));
      expect(axis.ticks.length).toBeGreaterThanOrEqual(2);
      expect(axis.ticks.length).toBeLessThanOrEqual(5);
      // One unit per axis.
      expect(new Set(labels(axis).map((l) => l.split(' ')[1])).size).toBe(1);
    }
  });
});

describe('countAxis', () => {
  it('steps by whole, round numbers in exactly the intervals asked for', () => {
    expect(labels(countAxis(3, 4))).toEqual(['0', '1', '2', '3', '4']);
    expect(labels(countAxis(1, 2))).toEqual(['0', '1', '2']);
    expect(labels(countAxis(0, 3))).toEqual(['0', '1', '2', '3']);
    expect(labels(countAxis(37, 4))).toEqual(['0', '10', '20', '30', '40']);
    expect(labels(countAxis(20_000, 3))).toEqual(['0', '10,000', '20,000', '30,000']);
  });

  it('has distinct labels that reach the maximum for any count (property)', () => {
    for (let max = 0; max <= 5000; max += max < 100 ? 1 : 37) {
      for (const intervals of [1, 2, 3, 4]) {
        const axis = countAxis(max, intervals);
        expect(axis.ticks).toHaveLength(intervals + 1);
        expect(new Set(labels(axis)).size).toBe(intervals + 1);
        expect(axis.ticks.map((t) => Number(t.label.replace(/,/g, '')))).toEqual(axis.ticks.map((t) => t.value));
        expect(axis.max).toBeGreaterThanOrEqual(max);
        expect(Number.isInteger(axis.ticks[1]!.value)).toBe(true);
      }
    }
  });
});

describe('niceStep', () => {
  it('is the smallest 1, 2 or 5 times a power of ten not below the minimum', () => {
    expect([0.3, 1, 1.01, 3, 7, 10, 999, 1000, 1001, 4_500].map(niceStep)).toEqual([0.5, 1, 2, 5, 10, 10, 1000, 1000, 2000, 5000]);
  });
});
