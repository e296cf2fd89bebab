import { CronExpressionParser } from 'cron-parser';

// The single cron validator of the product: the admin form, the API and the scheduler all call it,
// and it accepts exactly what BullMQ's own cron-parser (the version BullMQ pins) will run, minus the
// forms cron-parser lets through silently (missing fields, empty string, macros, Jenkins `H`).

export type CronField = 'second' | 'minute' | 'hour' | 'day of month' | 'month' | 'day of week';

export type CronValidation =
  | {
      ok: true;
      /** The expression with single spaces, as it is stored and handed to BullMQ. */
      expression: string;
      hasSeconds: boolean;
      /** Accepted, but worth a second look (e.g. fires more often than every 5 minutes). */
      warnings: string[];
    }
  | { ok: false; error: string; field?: CronField };

const FIELDS: readonly CronField[] = ['second', 'minute', 'hour', 'day of month', 'month', 'day of week'];

const ALLOWED: Record<CronField, string> = {
  second: '0-59',
  minute: '0-59',
  hour: '0-23',
  'day of month': '1-31 (or L for the last day)',
  month: '1-12 or JAN-DEC',
  'day of week': '0-7 or SUN-SAT (0 and 7 are Sunday)',
};

const FIELD_HELP = '5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first';

/** Schedules firing more often than this get a warning: a run may still be busy when the next is due. */
export const FREQUENT_SCHEDULE_SECONDS = 5 * 60;

/**
 * How far ahead an expression must fire at least once. Eight years cover every date that exists:
 * February 29 comes back within eight years even across 2100, which is no leap year.
 */
export const MUST_FIRE_WITHIN_YEARS = 8;

export type ValidateCronOptions = {
  /** The moment "never fires" is judged from; now by default. */
  now?: Date;
};


/** The longest expression stored (the API and the admin form refuse longer ones with this message). */
export const CRON_EXPRESSION_MAX_LENGTH = 200;
export const CRON_EXPRESSION_TOO_LONG = `A cron expression has at most ${CRON_EXPRESSION_MAX_LENGTH} characters.`;
export function validateCronExpression(input: string, options: ValidateCronOptions = {}): CronValidation {
  const trimmed = typeof input === 'string' ? input.trim() : '';
  if (trimmed === '') return { ok: false, error: `Enter a cron expression: ${FIELD_HELP}.` };
  if (trimmed.startsWith('@')) {
    return {
      ok: false,
      error: `Macros such as ${trimmed.split(/\s+/)[0]} are not supported; write the fields instead (e.g. "0 0 * * *" for every day at midnight).`,
    };
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length < 5) {
    return { ok: false, error: `A cron expression needs ${FIELD_HELP}; this one has ${parts.length}.` };
  }
  if (parts.length === 7) return { ok: false, error: 'year fields are not supported; remove the last field' };
  if (parts.length > 7) {
    return { ok: false, error: `Too many fields: a cron expression has ${FIELD_HELP}; this one has ${parts.length}.` };
  }

  const hasSeconds = parts.length === 6;
  const six = hasSeconds ? parts : ['0', ...parts];
  for (let i = 0; i < 6; i++) {
    if (!hasSeconds && i === 0) continue;
    const problem = checkField(FIELDS[i]!, i, six[i]!);
    if (problem) return { ok: false, error: problem, field: FIELDS[i] };
  }

  const expression = parts.join(' ');
  try {
    CronExpressionParser.parse(expression);
  } catch (err) {
    // Every field is valid on its own, so the combination is the problem (Feb 30, Apr 31 ...).
    const message = (err as Error).message;
    if (/day of month/i.test(message)) {
      return {
        ok: false,
        field: 'day of month',
        error: `day of month ${six[3]} never occurs in month ${six[4]}; the schedule would never fire`,
      };
    }
    return { ok: false, error: `Invalid cron expression: ${message}` };
  }
  if (nextFiring(expression, options.now ?? new Date()) === null) {
    // Valid field by field, possible in some month, and yet no date fits: 31 in February and
    // April only, a fifth Monday of February. BullMQ would keep the previous schedule instead.
    return {
      ok: false,
      error: `this schedule never fires: no date in the next ${MUST_FIRE_WITHIN_YEARS} years matches day of month ${six[3]}, month ${six[4]} and day of week ${six[5]} together`,
    };
  }

  const warnings: string[] = [];
  const shortest = shortestInterval(expression);
  if (shortest !== undefined && shortest < FREQUENT_SCHEDULE_SECONDS) {
    warnings.push(
      `This schedule fires as often as every ${formatSeconds(shortest)} (more often than every 5 minutes); ` +
        'a run of a large directory may still be busy when the next one is due (that firing is then skipped).',
    );
  }
  return { ok: true, expression, hasSeconds, warnings };
}

/** The first firing after `now` within MUST_FIRE_WITHIN_YEARS, or null. */
function nextFiring(expression: string, now: Date): Date | null {
  const endDate = new Date(now);
  endDate.setUTCFullYear(endDate.getUTCFullYear() + MUST_FIRE_WITHIN_YEARS);
  try {
    return CronExpressionParser.parse(expression, { currentDate: now, endDate }).next().toDate();
  } catch {
    return null; // "Out of the time span range"
  }
}

/** Checks one field on its own (the others `*`) so that the message can name it. */
function checkField(name: CronField, index: number, value: string): string | undefined {
  // Jenkins' H is accepted by cron-parser but picks an arbitrary value; THU contains an H too.
  if (/(^|[^A-Z])H/i.test(value)) {
    return `${name}: H (hashed values) is not supported; use a number (${ALLOWED[name]})`;
  }
  if (value.includes('?') && name !== 'day of month' && name !== 'day of week') {
    return `${name}: ? is only allowed in the day of month and day of week fields`;
  }
  const probe = ['0', '*', '*', '*', '*', '*'];
  probe[index] = value;
  try {
    CronExpressionParser.parse(probe.join(' '));
    return undefined;
  } catch (err) {
    return fieldMessage(name, value, (err as Error).message);
  }
}

function fieldMessage(name: CronField, value: string, parserMessage: string): string {
  const got = /got (?:value|range) (\S+)/.exec(parserMessage)?.[1];
  if (/cannot repeat at every 0/i.test(parserMessage)) {
    return `${name}: a step of /0 never advances; use /1 or more`;
  }
  const backwards = /Invalid range: (\S+),/.exec(parserMessage);
  if (backwards) {
    return `${name}: the range ${backwards[1]} runs backwards; write the smaller value first (${ALLOWED[name]})`;
  }
  if (/occurrence number/i.test(parserMessage)) {
    return `day of week: the number after # must be 1-5 (e.g. 1#2 is the second Monday of the month)`;
  }
  if (/standalone L/i.test(parserMessage)) {
    return `day of week: L needs a day before it (e.g. 5L is the last Friday of the month)`;
  }
  return `${name} must be ${ALLOWED[name]} (got ${got ?? JSON.stringify(value)})`;
}

/** Shortest gap between consecutive firings over the next few dozen firings, in seconds. */
function shortestInterval(expression: string): number | undefined {
  const interval = CronExpressionParser.parse(expression, { currentDate: new Date(Date.UTC(2030, 0, 1)) });
  let previous: number | undefined;
  let shortest: number | undefined;
  for (let i = 0; i < 60 && interval.hasNext(); i++) {
    const at = interval.next().getTime();
    if (previous !== undefined) {
      const gap = (at - previous) / 1000;
      shortest = shortest === undefined ? gap : Math.min(shortest, gap);
    }
    previous = at;
  }
  return shortest;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? 'second' : `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? 'minute' : `${minutes} minutes`;
}
