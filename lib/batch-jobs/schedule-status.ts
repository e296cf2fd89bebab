import { formatInTimeZone } from '../cron/next-runs';
import { nextExecutionOf } from './list-jobs-with-status';
import type { SchedulerOutcome } from './save-job-schedule';

// What a job's saved schedule means, in the words every page and the Save message use, so that no
// page says "scheduled" for a job the scheduler will not start.

export type ScheduleState = 'SCHEDULED' | 'PAUSED' | 'NOT_SCHEDULED' | 'NEVER_FIRES';

export type ScheduleSource = { key: string; cronExpression: string | null; timeZone: string; paused: boolean };

export function scheduleState(job: ScheduleSource, now: Date = new Date()): { state: ScheduleState; nextRunAt: Date | null } {
  if (!job.cronExpression) return { state: 'NOT_SCHEDULED', nextRunAt: null };
  if (job.paused) return { state: 'PAUSED', nextRunAt: null };
  const nextRunAt = nextExecutionOf(job, now);
  return { state: nextRunAt ? 'SCHEDULED' : 'NEVER_FIRES', nextRunAt };
}

/** The Save confirmation: what the scheduler will do now, told truthfully for every state. */
export function savedScheduleMessage(job: ScheduleSource, scheduler: SchedulerOutcome, now: Date = new Date()): string {
  const { state, nextRunAt } = scheduleState(job, now);
  const operators = 'Operators see the change in Identity Manager Operator after they click Clear cache.';
  const held = scheduler === 'pending' || scheduler === 'failed';
  switch (state) {
    case 'SCHEDULED':
      return held
        ? `Saved. Once the scheduler has taken it (see below), the next run is ${formatInTimeZone(nextRunAt!, job.timeZone)}. ${operators}`
        : `Saved and scheduled: the next run is ${formatInTimeZone(nextRunAt!, job.timeZone)}. ${operators}`;
    case 'PAUSED':
      return `Saved. The schedule is paused: the scheduler will not start this job until you clear "Pause schedule" and save again. Operators can still start it by hand. ${operators}`;
    case 'NOT_SCHEDULED':
      return `Saved. The job has no schedule: it runs only when an operator starts it. ${operators}`;
    case 'NEVER_FIRES':
      return `Saved, but this schedule never fires any more: the scheduler will not start this job. Enter another expression. ${operators}`;
  }
}
