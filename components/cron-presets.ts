/** Common schedules an administrator picks with one click; each is an ordinary 5-field expression. */
export const CRON_PRESETS: readonly { label: string; expression: string }[] = [
  { label: 'Daily at 02:00', expression: '0 2 * * *' },
  { label: 'Hourly', expression: '0 * * * *' },
  { label: 'Weekdays at 06:00', expression: '0 6 * * 1-5' },
  { label: 'Every 15 minutes', expression: '*/15 * * * *' },
  { label: 'Sundays at 03:00', expression: '0 3 * * 0' },
];
