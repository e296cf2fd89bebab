import { describe, expect, it } from 'vitest';
import { estimateRunProgress, formatDuration } from './run-estimate';

const t0 = new Date('2026-11-27T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe('estimateRunProgress', () => {
  it('has no percentage or estimate while the total is unknown', () => {
    expect(estimateRunProgress({ startedAt: t0, finishedAt: null, entriesRead: 0, entriesTotal: null, now: at(5) })).toEqual({
      percent: null,
      remainingMs: null,
      elapsedMs: 5000,
    });
  });

  it('extrapolates the pace so far', () => {
    const e = estimateRunProgress({ startedAt: t0, finishedAt: null, entriesRead: 250, entriesTotal: 1000, now: at(10) });
    expect(e.percent).toBe(25);
    expect(e.remainingMs).toBe(30_000);
  });

  it('gives no estimate before the first entry is read', () => {
    expect(estimateRunProgress({ startedAt: t0, finishedAt: null, entriesRead: 0, entriesTotal: 10, now: at(3) }).remainingMs).toBeNull();
  });

  it('is complete when the run finished or the selection is empty', () => {
    expect(estimateRunProgress({ startedAt: t0, finishedAt: at(4), entriesRead: 10, entriesTotal: 10, now: at(60) })).toEqual({
      percent: 100,
      remainingMs: 0,
      elapsedMs: 4000,
    });
    expect(estimateRunProgress({ startedAt: t0, finishedAt: null, entriesRead: 0, entriesTotal: 0, now: at(1) }).percent).toBe(100);
  });

  it('never passes 100% when more entries were read than counted', () => {
    expect(estimateRunProgress({ startedAt: t0, finishedAt: null, entriesRead: 12, entriesTotal: 10, now: at(1) }).percent).toBe(100);
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(400)).toBe('less than a second');
    expect(formatDuration(12_000)).toBe('12 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration(3_900_000)).toBe('1 h 5 min');
    expect(formatDuration(7_200_000)).toBe('2 h');
  });
});
