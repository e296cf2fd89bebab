import cronstrue from 'cronstrue';
import { validateCronExpression } from './validate-cron-expression';

/**
 * Human description ("At 02:00, Monday through Friday") of an expression that passed
 * validateCronExpression. cronstrue validates loosely, so it is for display only.
 */
export function describeCronExpression(expression: string): string | undefined {
  const validation = validateCronExpression(expression);
  if (!validation.ok) return undefined;
  try {
    return cronstrue.toString(validation.expression, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return undefined;
  }
}
