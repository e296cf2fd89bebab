export { validateCronExpression, FREQUENT_SCHEDULE_SECONDS, CRON_EXPRESSION_MAX_LENGTH, CRON_EXPRESSION_TOO_LONG } from './validate-cron-expression';
export type { CronValidation, CronField } from './validate-cron-expression';
export { describeCronExpression } from './describe-cron-expression';
export { nextRuns, formatInTimeZone } from './next-runs';
export { validateTimeZone, timeZoneChoices } from './time-zone';
export type { TimeZoneValidation } from './time-zone';
