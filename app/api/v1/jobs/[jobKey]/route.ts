import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam } from '@/lib/api/read-json-body';
import { jobKeyParam } from '@/lib/api/v1-schemas';
import { jobRepresentation } from '@/lib/api/v1-representations';
import { getJobWithStatus } from '@/lib/batch-jobs';
import { listEffectiveJobOptions } from '@/lib/job-settings/effective-job-options';

export const dynamic = 'force-dynamic';

/** GET /api/v1/jobs/{jobKey} */
export const GET = apiRoute<{ jobKey: string }>('OPERATOR', async ({ params }) => {
  const jobKey = parsePathParam(params.jobKey, jobKeyParam, 'batch job');
  const [job, options] = await Promise.all([getJobWithStatus(jobKey), listEffectiveJobOptions([jobKey])]);
  if (!job) throw new ApiError('not_found', `There is no batch job "${jobKey}".`);
  return jsonResponse(jobRepresentation(job, options.get(jobKey) ?? null));
});
