import { apiRoute } from '@/app/api/_lib/api-route';
import { jsonResponse } from '@/lib/api/errors';
import { jobRepresentation } from '@/lib/api/v1-representations';
import { listJobsWithStatus } from '@/lib/batch-jobs';
import { listEffectiveJobOptions } from '@/lib/job-settings/effective-job-options';

export const dynamic = 'force-dynamic';

/** GET /api/v1/jobs: the batch jobs with schedule, next run, last run and the options they run with. */
export const GET = apiRoute('OPERATOR', async () => {
  const [jobs, options] = await Promise.all([listJobsWithStatus(), listEffectiveJobOptions()]);
  return jsonResponse({ jobs: jobs.map((job) => jobRepresentation(job, options.get(job.key) ?? null)) });
});
