'use client';

import { useMemo } from 'react';
import { describeCronExpression, formatInTimeZone, nextRuns, validateCronExpression } from '@/lib/cron';
import { CRON_PRESETS } from './cron-presets';

type Props = {
  id: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  /** IANA zone the next run times are shown in (the job's time zone). */
  timeZone: string;
  /** Next runs are counted from here (the server's render time, then the last edit), so that server and browser agree. */
  from: Date;
  /** The server's message for the expression it was sent, while the field still holds that expression. */
  serverError?: string;
  /** Show the validation message before the first edit (after a failed save). */
  touched: boolean;
  /** The schedule is paused: its firings are not listed as if they would happen. */
  paused?: boolean;
};

/**
 * The Expression field: validated as you type by the product's one cron validator (the same code
 * the server runs on Save), with the schedule in words and the next five runs in the job's zone.
 * The message line and the run list keep their height, so the form does not jump while typing.
 */
export function CronExpressionField({ id, name, value, onChange, timeZone, from, serverError, touched, paused = false }: Props) {
  const validation = useMemo(() => validateCronExpression(value, { now: from }), [value, from]);
  const runs = useMemo(() => {
    if (!validation.ok) return [];
    try {
      return nextRuns(validation.expression, { timeZone, count: 5, from });
    } catch {
      return [];
    }
  }, [validation, timeZone, from]);
  const blank = value.trim() === '';
  const error = serverError ?? (!validation.ok && !blank && touched ? validation.error : undefined);
  const words = validation.ok ? describeCronExpression(validation.expression) : undefined;
  const messageId = `${id}-message`;
  const helpId = `${id}-help`;
  const runsId = `${id}-runs`;

  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        Expression
      </label>
      <p id={helpId} className="mt-0.5 text-xs text-slate-600">
        5 fields: minute hour day-of-month month day-of-week (or 6 with seconds first), e.g. <code className="font-mono">0 2 * * *</code>. Leave
        empty to run the job only when an operator starts it.
      </p>
      <input
        id={id}
        name={name}
        type="text"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${helpId} ${messageId} ${runsId}`}
        className="mt-1.5 block w-full max-w-md rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-base text-slate-900 shadow-xs focus:border-brand-600 aria-invalid:border-red-500 aria-invalid:bg-red-50"
      />
      <div className="mt-2 flex flex-wrap gap-2" role="group" aria-label="Expression presets">
        {CRON_PRESETS.map((preset) => (
          <button
            key={preset.expression}
            type="button"
            onClick={() => onChange(preset.expression)}
            aria-pressed={value.trim() === preset.expression}
            className="rounded-full border border-slate-300 bg-white px-3 py-1 text-xs font-medium text-slate-700 hover:border-brand-600 hover:text-brand-700 aria-pressed:border-brand-600 aria-pressed:bg-brand-50 aria-pressed:text-brand-800"
          >
            {preset.label}
          </button>
        ))}
      </div>
      {/* Reserved height: a message appearing or changing never moves what follows. */}
      <div id={messageId} aria-live="polite" className="mt-2 min-h-[3.75rem] text-sm">
        {error ? (
          <p className="font-medium text-red-700" data-testid="expression-error">
            {error}
          </p>
        ) : blank ? (
          <p className="text-slate-600">No schedule: the job runs only when an operator starts it.</p>
        ) : validation.ok ? (
          <>
            <p className="text-slate-800">
              <span className="sr-only">Schedule in words: </span>
              <span className="font-medium" data-testid="schedule-in-words">
                {words ?? validation.expression}
              </span>
            </p>
            {validation.warnings.map((warning) => (
              <p key={warning} className="mt-0.5 text-amber-800">
                {warning}
              </p>
            ))}
          </>
        ) : (
          <p className="text-slate-600">Keep typing: the expression is not complete yet.</p>
        )}
      </div>
      <div id={runsId} className="mt-1">
        <p className="text-sm font-medium text-slate-800">Next five runs ({timeZone})</p>
        <ol className="mt-1 h-[7.5rem] space-y-0 text-sm text-slate-700 tabular-nums" aria-label={`Next five runs in ${timeZone}`}>
          {paused && runs.length > 0 ? (
            <li className="font-medium text-amber-800">
              None while the schedule is paused.
            </li>
          ) : runs.length === 0 ? (
            <li className="text-slate-500">—</li>
          ) : (
            runs.map((run) => (
              <li key={run.toISOString()}>
                <time dateTime={run.toISOString()} suppressHydrationWarning>
                  {formatInTimeZone(run, timeZone)}
                </time>
              </li>
            ))
          )}
        </ol>
      </div>
    </div>
  );
}
