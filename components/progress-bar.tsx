/**
 * A labelled progress bar. With a value it is a determinate progressbar (aria-valuenow); without
 * one (total not known yet) it is indeterminate and says so in words.
 */
export function ProgressBar({ label, percent, valueText }: { label: string; percent: number | null; valueText?: string }) {
  const clamped = percent === null ? null : Math.min(100, Math.max(0, percent));
  return (
    <div>
      <div className="mb-1 flex items-baseline justify-between gap-4 text-sm">
        <span className="font-medium text-slate-800">{label}</span>
        <span className="text-slate-600 tabular-nums">{valueText ?? (clamped === null ? 'Counting entries…' : `${clamped}%`)}</span>
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={clamped ?? undefined}
        aria-valuetext={valueText ?? (clamped === null ? 'Counting entries' : `${clamped}%`)}
        className="h-3 w-full overflow-hidden rounded-full bg-slate-200"
      >
        {clamped === null ? (
          <div className="h-full w-1/3 animate-pulse rounded-full bg-brand-600/60" />
        ) : (
          <div className="h-full rounded-full bg-brand-600 transition-[width] duration-500" style={{ width: `${clamped}%` }} />
        )}
      </div>
    </div>
  );
}
