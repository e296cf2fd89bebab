// The run page's progress bar: how far a run is and roughly how long it still takes.

export type RunProgressInput = {
  startedAt: Date | null;
  finishedAt: Date | null;
  entriesRead: number;
  /** Known once the pre-pass (inactive job) has counted the selection; null before. */
  entriesTotal: number | null;
  now: Date;
};

export type RunProgressEstimate = {
  /** 0..100, null while the total is unknown (the bar is then indeterminate). */
  percent: number | null;
  /** Milliseconds left at the pace so far; null when it cannot be told yet. */
  remainingMs: number | null;
  elapsedMs: number | null;
};

/**
 * Linear estimate from the pace so far. A run that has read nothing yet, or whose total is not
 * known, gets no estimate rather than a wild one.
 */
export function estimateRunProgress(input: RunProgressInput): RunProgressEstimate {
  const end = input.finishedAt ?? input.now;
  const elapsedMs = input.startedAt ? Math.max(0, end.getTime() - input.startedAt.getTime()) : null;
  const total = input.entriesTotal;
  if (total === null || total < 0) return { percent: null, remainingMs: null, elapsedMs };
  if (total === 0) return { percent: 100, remainingMs: 0, elapsedMs };
  const read = Math.min(Math.max(0, input.entriesRead), total);
  const percent = Math.floor((read * 1000) / total) / 10;
  if (input.finishedAt) return { percent, remainingMs: 0, elapsedMs };
  if (read === 0 || elapsedMs === null || elapsedMs === 0) return { percent, remainingMs: null, elapsedMs };
  const remainingMs = Math.round((elapsedMs * (total - read)) / read);
  return { percent, remainingMs, elapsedMs };
}

/** "1 h 5 min", "3 min 20 s", "12 s", "less than a second". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return 'less than a second';
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}
