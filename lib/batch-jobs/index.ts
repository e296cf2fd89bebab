export { saveJobSchedule } from './save-job-schedule';
export type { SaveJobScheduleOptions, SaveJobScheduleResult, SavedJobSchedule, SchedulerOutcome } from './save-job-schedule';
export { listJobsWithStatus, getJobWithStatus, jobConfiguration, listJobConfigurations, nextExecutionOf } from './list-jobs-with-status';
export type { JobWithStatus, JobConfiguration } from './list-jobs-with-status';
export { scheduleState, savedScheduleMessage } from './schedule-status';
export type { ScheduleState } from './schedule-status';
