// Axis ticks of the run history chart: round steps in a unit that fits the range, so that every
// grid line has its own, exact label ("0 ms, 100 ms, 200 ms" for sub-second runs, not "0 s" twice).

export type AxisTick = { value: number; label: string };
/** From 0 to `max` (the last tick) in equal steps. */
export type Axis = { max: number; ticks: AxisTick[] };

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The steps a duration axis may take, ascending, in milliseconds: each is a whole number of the
 * largest unit that divides it, so that every tick is labelled in that unit without decimals.
 * Seconds and minutes step by clock-like divisions (15, 30), not by 25 or 50.
 */
const DURATION_STEPS = [
  ...[1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500],
  ...[1, 2, 5, 10, 15, 20, 30].map((s) => s * SECOND),
  ...[1, 2, 5, 10, 15, 20, 30].map((m) => m * MINUTE),
  ...[1, 2, 3, 6, 12, 24].map((h) => h * HOUR),
];

/** Largest first: a step is labelled in the largest unit it is a whole multiple of. */
const DURATION_UNITS = [
  { size: HOUR, symbol: 'h' },
  { size: MINUTE, symbol: 'min' },
  { size: SECOND, symbol: 's' },
  { size: 1, symbol: 'ms' },
] as const;

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The smallest of 1, 2, 5 × 10^k that is at least `minimum` (> 0). */
export function niceStep(minimum: number): number {
  // log10 may land a hair off an exact power of ten; the 10 × power candidate covers that.
  const power = 10 ** Math.floor(Math.log10(minimum));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= minimum) ?? 10 * power;
}

function durationStep(minimum: number): number {
  return DURATION_STEPS.find((s) => s >= minimum) ?? niceStep(minimum / HOUR) * HOUR;
}

function ticksOf(step: number, intervals: number, label: (value: number) => string): Axis {
  const ticks = Array.from({ length: intervals + 1 }, (_, i) => ({ value: i * step, label: label(i * step) }));
  return { max: step * intervals, ticks };
}

/** A positive, finite maximum; an empty or zero range still gets an axis of one step. */
function positive(max: number): number {
  return Number.isFinite(max) && max > 0 ? max : 0;
}

/**
 * Ticks of a duration axis from 0 to at least `maxMs`, at most `maxIntervals` steps, labelled in
 * ms, s, min or h (whichever the step is a whole number of), e.g. 0 s, 15 s, 30 s, 45 s, 60 s.
 */
export function durationAxis(maxMs: number, maxIntervals = 4): Axis {
  const top = positive(maxMs);
  const step = durationStep(Math.max(top / maxIntervals, 1));
  const unit = DURATION_UNITS.find((u) => step % u.size === 0)!;
  const intervals = Math.max(1, Math.ceil(top / step));
  return ticksOf(step, intervals, (value) => `${NUMBER.format(value / unit.size)} ${unit.symbol}`);
}

/**
 * Ticks of a count axis (whole numbers) from 0 to at least `max` in exactly `intervals` steps, so
 * that it can share the grid lines of another axis.
 */
export function countAxis(max: number, intervals: number): Axis {
  const step = Math.max(1, niceStep(Math.max(positive(max), 1) / intervals));
  return ticksOf(step, intervals, (value) => NUMBER.format(value));
}
