// `npm run bench -- --repeat K` (issue 17): the spread of each figure over K interleaved
// repetitions. Pure: scripts/bench.ts measures, this summarises and formats.

export type Spread = { min: number; median: number; max: number; n: number };

/** min / median / max of the values (the median of an even count is the mean of the middle two). */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`spread of a value that is not a number: ${values.join(', ')}`);
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const at = (i: number) => sorted[i]!;
  const median = sorted.length % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  return { min: at(0), median, max: at(sorted.length - 1), n: sorted.length };
}

/**
 * One repetition's figures: people/s, and the CPU seconds per 1,000 people of the first run (the
 * sync, PostgreSQL and slapd) and of the bare writes (PostgreSQL): the work each did, where the
 * wall time also counts the waits.
 */
export type Repetition = { first: number; rerun: number; restore: number; bare: number; firstCpu: number; bareCpu: number };

export type SpreadReport = {
  first: Spread;
  rerun: Spread;
  restore: Spread;
  bare: Spread;
  firstCpu: Spread;
  bareCpu: Spread;
  firstOverBare: Spread;
  restoreOverFirst: Spread;
  restoreOverBare: Spread;
};

/**
 * The spread of each figure and of first/bare, restore/first and restore/bare taken per repetition
 * (a busy period slows both of a pair).
 */
export function summarise(reps: readonly Repetition[]): SpreadReport {
  return {
    first: spread(reps.map((r) => r.first)),
    rerun: spread(reps.map((r) => r.rerun)),
    restore: spread(reps.map((r) => r.restore)),
    bare: spread(reps.map((r) => r.bare)),
    firstCpu: spread(reps.map((r) => r.firstCpu)),
    bareCpu: spread(reps.map((r) => r.bareCpu)),
    firstOverBare: spread(reps.map((r) => r.first / r.bare)),
    restoreOverFirst: spread(reps.map((r) => r.restore / r.first)),
    restoreOverBare: spread(reps.map((r) => r.restore / r.bare)),
  };
}

const rate = (v: number) => Math.round(v).toLocaleString('en-US');
const ratio = (v: number) => v.toFixed(2);
const seconds = (v: number) => v.toFixed(3);

/** min / median / max of one figure, aligned. */
export function formatSpread(label: string, s: Spread, format: (v: number) => string = rate, unit = 'people/s'): string {
  return `${label.padEnd(11)} min ${format(s.min).padStart(7)}  median ${format(s.median).padStart(7)}  max ${format(s.max).padStart(7)}${unit ? ` ${unit}` : ''}`;
}

/** The lines `--repeat K` prints at the end. */
export function formatReport(report: SpreadReport, load: { before: readonly number[]; after: readonly number[] }): string[] {
  const loads = (l: readonly number[]) => l.map((v) => v.toFixed(2)).join(' ');
  return [
    `spread over ${report.first.n} repetition(s), first run / re-run / restore / bare interleaved:`,
    formatSpread('first run', report.first),
    formatSpread('re-run', report.rerun),
    formatSpread('restore', report.restore),
    formatSpread('bare', report.bare),
    formatSpread('first/bare', report.firstOverBare, ratio, '(ratio per repetition)'),
    formatSpread('rest/first', report.restoreOverFirst, ratio, '(ratio per repetition)'),
    formatSpread('rest/bare', report.restoreOverBare, ratio, '(ratio per repetition)'),
    formatSpread('first CPU', report.firstCpu, seconds, 's per 1,000 people (sync + PostgreSQL + slapd)'),
    formatSpread('bare CPU', report.bareCpu, seconds, 's per 1,000 people (PostgreSQL)'),
    `load average (1, 5, 15 min): before ${loads(load.before)}, after ${loads(load.after)}`,
  ];
}
