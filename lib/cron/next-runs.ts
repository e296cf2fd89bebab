import { CronExpressionParser } from 'cron-parser';
import { validateCronExpression } from './validate-cron-expression';

type Options = {
  /** IANA time zone the expression is read in (the job's time zone). */
  timeZone: string;
  count?: number;
  /** Start after this instant; defaults to now. */
  from?: Date;
};

/**
 * The next firing times of a valid expression in the job's time zone, computed by the same
 * cron-parser BullMQ uses, so DST gaps and repeats come out as the scheduler will fire them.
 */
export function nextRuns(expression: string, { timeZone, count = 5, from = new Date() }: Options): Date[] {
  const validation = validateCronExpression(expression);
  if (!validation.ok) throw new Error(validation.error);
  const interval = CronExpressionParser.parse(validation.expression, { tz: timeZone, currentDate: from });
  const runs: Date[] = [];
  while (runs.length < count && interval.hasNext()) runs.push(interval.next().toDate());
  return runs;
}

/** "Sat, 28 Nov 2026, 02:00:00 CET": a firing time as an operator in that zone reads it. */
export function formatInTimeZone(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: '2-digit',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(at);
}
