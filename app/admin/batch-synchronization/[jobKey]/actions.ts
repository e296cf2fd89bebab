'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { positiveInt32Text } from '@/lib/validation/database-integer';
import { requireActionRole } from '@/app/_lib/auth';
import { clientIp } from '@/app/_lib/request';
import { savedScheduleMessage } from '@/lib/batch-jobs/schedule-status';
import { saveJobSchedule } from '@/lib/batch-jobs/save-job-schedule';
import { describeFilterOverlap } from '@/lib/batch-jobs/filter-overlap-notice';
import { CRON_EXPRESSION_MAX_LENGTH, CRON_EXPRESSION_TOO_LONG, validateCronExpression, validateTimeZone } from '@/lib/cron';
import { jobOptionsFieldsFromForm, parseJobOptionsFields } from '@/lib/job-settings/job-options-form';
import { isSyncJobKey } from '@/lib/sync/job-options';
import type { JobFormState } from './job-form-state';

const scheduleForm = z.object({
  cronExpression: z.string(),
  timeZone: z.string().max(100),
  paused: z.boolean(),
  version: positiveInt32Text(),
});

const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

/**
 * Save on the job page: schedule and options in one version-checked write, an audit event,
 * and the BullMQ job scheduler updated at once (lib/batch-jobs/save-job-schedule).
 */
export async function saveBatchJobAction(jobKey: string, previous: JobFormState, form: FormData): Promise<JobFormState> {
  const account = await requireActionRole('ADMINISTRATOR');
  if (typeof jobKey !== 'string' || !isSyncJobKey(jobKey)) {
    return { status: 'error', version: previous.version, message: 'This batch job does not exist.' };
  }
  const schedule = scheduleForm.safeParse({
    cronExpression: text(form, 'cronExpression'),
    timeZone: text(form, 'timeZone'),
    paused: form.get('paused') === 'on',
    version: text(form, 'version'),
  });
  if (!schedule.success) {
    return { status: 'error', version: previous.version, message: 'The form was incomplete. Reload the page and try again.' };
  }
  const options = parseJobOptionsFields(jobOptionsFieldsFromForm(form));
  const { cronExpression, timeZone, paused, version } = schedule.data;
  if (cronExpression.length > CRON_EXPRESSION_MAX_LENGTH) {
    // A field error like any other refusal of the expression (was "The form was incomplete").
    return { status: 'invalid', version, submittedExpression: cronExpression, fieldErrors: { ...(options.ok ? {} : options.fieldErrors), cronExpression: CRON_EXPRESSION_TOO_LONG }, message: 'Nothing was saved: correct the fields marked below.' };
  }

  if (!options.ok) {
    // Nothing is saved; the schedule fields get their messages too, so that one round trip shows all of them.
    const fieldErrors: Record<string, string> = { ...options.fieldErrors };
    const cron = cronExpression.trim() === '' ? null : validateCronExpression(cronExpression);
    if (cron && !cron.ok) fieldErrors.cronExpression = cron.error;
    const tz = validateTimeZone(timeZone);
    if (!tz.ok) fieldErrors.timeZone = tz.error;
    return { status: 'invalid', version, submittedExpression: cronExpression, fieldErrors, message: 'Nothing was saved: correct the fields marked below.' };
  }

  const result = await saveJobSchedule({
    jobKey,
    cronExpression,
    timeZone,
    paused,
    expectedVersion: version,
    actor: account.username,
    ip: await clientIp(),
    options: options.options,
  });
  if (!result.ok && result.code === 'validation_failed') {
    return {
      status: 'invalid',
      version,
      submittedExpression: cronExpression,
      fieldErrors: result.fieldErrors,
      message: 'Nothing was saved: correct the fields marked below.',
    };
  }
  if (!result.ok && result.code === 'not_found') return { status: 'error', version, message: result.message };
  if (!result.ok) return { status: 'conflict', version, message: `Not saved. ${result.message}` };

  revalidatePath('/admin/batch-synchronization');
  revalidatePath(`/admin/batch-synchronization/${jobKey}`);
  return {
    status: 'saved',
    version: result.job.version,
    warnings: result.warnings,
    overlap: result.filterOverlap && describeFilterOverlap(result.filterOverlap, 'save'),
    message: savedScheduleMessage(result.job, result.scheduler),
  };
}
