import Link from 'next/link';
import { formatDuration } from '@/lib/runs/run-estimate';
import { countAxis, durationAxis } from './chart-axis';

export type RunHistoryPoint = {
  runId: number;
  /** When it was queued (x axis, oldest left). */
  at: Date;
  durationMs: number | null;
  changes: number;
  failed: boolean;
  label: string;
};

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 16, right: 48, bottom: 28, left: 56 };

/**
 * Duration (bars, left axis) and users changed (line, right axis) of a job's runs, oldest to
 * newest: an unusually long run or a spike of changes stands out. Inline SVG, no library; each
 * bar links to its run, and a table beside it carries the same numbers for screen readers.
 */
export function RunHistoryChart({ points, title }: { points: RunHistoryPoint[]; title: string }) {
  if (points.length === 0) return <p className="text-sm text-slate-600">No runs yet: the chart appears after the first run.</p>;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  // The users-changed axis takes as many steps as the duration axis, so both label the same
  // grid lines.
  const durations = durationAxis(Math.max(...points.map((p) => p.durationMs ?? 0)));
  const changes = countAxis(Math.max(...points.map((p) => p.changes)), durations.ticks.length - 1);
  const slot = plotW / points.length;
  const barW = Math.max(2, Math.min(28, slot * 0.6));
  const x = (i: number) => PAD.left + slot * i + slot / 2;
  const yDuration = (ms: number) => PAD.top + plotH - (ms / durations.max) * plotH;
  const yChanges = (n: number) => PAD.top + plotH - (n / changes.max) * plotH;
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${yChanges(p.changes).toFixed(1)}`).join(' ');
  return (
    <figure>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-auto w-full" role="img" aria-labelledby="run-history-chart-title">
        <title id="run-history-chart-title">{title}</title>
        {durations.ticks.map((tick, i) => (
          <g key={tick.value}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={yDuration(tick.value)} y2={yDuration(tick.value)} className="stroke-slate-200" />
            <text x={PAD.left - 6} y={yDuration(tick.value) + 4} textAnchor="end" className="fill-slate-500 text-[10px]">
              {tick.label}
            </text>
            <text x={WIDTH - PAD.right + 6} y={yChanges(changes.ticks[i]!.value) + 4} className="fill-slate-500 text-[10px]">
              {changes.ticks[i]!.label}
            </text>
          </g>
        ))}
        {points.map((p, i) => {
          const h = p.durationMs === null ? 0 : plotH - (yDuration(p.durationMs) - PAD.top);
          return (
            <Link key={p.runId} href={`/operator/runs/${p.runId}`}>
              <rect
                x={x(i) - barW / 2}
                y={PAD.top + plotH - Math.max(h, 1)}
                width={barW}
                height={Math.max(h, 1)}
                rx={2}
                className={p.failed ? 'fill-red-400 hover:fill-red-500' : 'fill-brand-600/70 hover:fill-brand-700'}
              >
                <title>{`${p.label}: ${p.durationMs === null ? 'not started' : formatDuration(p.durationMs)}, ${p.changes} users changed`}</title>
              </rect>
            </Link>
          );
        })}
        <path d={line} fill="none" strokeWidth={2} className="stroke-amber-500" />
        {points.map((p, i) => (
          <circle key={p.runId} cx={x(i)} cy={yChanges(p.changes)} r={3} className="fill-amber-500" />
        ))}
        <text x={PAD.left} y={HEIGHT - 8} className="fill-slate-500 text-[10px]">
          {points[0]!.at.toISOString().slice(0, 10)}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 8} textAnchor="end" className="fill-slate-500 text-[10px]">
          {points[points.length - 1]!.at.toISOString().slice(0, 10)}
        </text>
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-4 text-xs text-slate-600">
        <span className="inline-flex items-center gap-1">
          <span aria-hidden="true" className="inline-block h-3 w-3 rounded-sm bg-brand-600/70" /> Duration (left axis)
        </span>
        <span className="inline-flex items-center gap-1">
          <span aria-hidden="true" className="inline-block h-0.5 w-4 bg-amber-500" /> Users created or updated (right axis)
        </span>
        <span className="inline-flex items-center gap-1">
          <span aria-hidden="true" className="inline-block h-3 w-3 rounded-sm bg-red-400" /> Run that failed or stopped
        </span>
      </figcaption>
    </figure>
  );
}
