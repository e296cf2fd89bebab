export { validateCronExpression, FREQUENT_SCHEDULE_SECONDS } from './validate-cron-expression';
export type { CronValidation, CronField } from './validate-cron-expression';
export { describeCronExpression } from './describe-cron-expression';
export { nextRuns, formatInTimeZone } from './next-runs';
export { validateTimeZone, timeZoneChoices } from './time-zone';
export type { TimeZoneValidation } from './time-zone';
