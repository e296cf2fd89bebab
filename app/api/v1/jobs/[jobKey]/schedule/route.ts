import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, readJsonBody } from '@/lib/api/read-json-body';
import { jobKeyParam, scheduleBody } from '@/lib/api/v1-schemas';
import { jobRepresentation, type savedScheduleSchema } from '@/lib/api/v1-representations';
import type { z } from 'zod';
import { getJobWithStatus, saveJobSchedule } from '@/lib/batch-jobs';
import { listEffectiveJobOptions } from '@/lib/job-settings/effective-job-options';

export const dynamic = 'force-dynamic';

/** PUT /api/v1/jobs/{jobKey}/schedule (administrator): 200 with the saved job, 422 with field errors. */
export const PUT = apiRoute<{ jobKey: string }>('ADMINISTRATOR', async ({ params, request, principal, ip }) => {
  const jobKey = parsePathParam(params.jobKey, jobKeyParam, 'batch job');
  const body = await readJsonBody(request, scheduleBody);
  const current = await getJobWithStatus(jobKey);
  if (!current) throw new ApiError('not_found', `There is no batch job "${jobKey}".`);
  const result = await saveJobSchedule({
    jobKey,
    cronExpression: body.expression,
    timeZone: body.timeZone,
    paused: body.paused,
    // Without expectedVersion the caller means "whatever is saved now": last write wins.
    expectedVersion: body.expectedVersion ?? current.version,
    actor: principal.actor,
    ip,
  });
  if (!result.ok) {
    if (result.code === 'validation_failed') {
      const fieldErrors: Record<string, string[]> = {};
      if (result.fieldErrors.cronExpression) fieldErrors.expression = [result.fieldErrors.cronExpression];
      if (result.fieldErrors.timeZone) fieldErrors.timeZone = [result.fieldErrors.timeZone];
      throw new ApiError('validation_failed', 'The schedule was not saved: correct the fields.', { fieldErrors, formErrors: [] });
    }
    if (result.code === 'schedule_conflict') throw new ApiError(result.code, result.message, { currentVersion: result.current.version });
    throw new ApiError(result.code, result.message);
  }
  const [job, options] = await Promise.all([getJobWithStatus(jobKey), listEffectiveJobOptions([jobKey])]);
  if (!job) throw new ApiError('not_found', `There is no batch job "${jobKey}".`);
  const answer: z.infer<typeof savedScheduleSchema> = { ...jobRepresentation(job, options.get(jobKey) ?? null), warnings: result.warnings, scheduler: result.scheduler };
  return jsonResponse(answer);
});
