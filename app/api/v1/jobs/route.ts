import { apiRoute } from '@/app/api/_lib/api-route';
import { jsonResponse } from '@/lib/api/errors';
import { jobRepresentation } from '@/lib/api/v1-representations';
import { listJobsWithStatus } from '@/lib/batch-jobs';

export const dynamic = 'force-dynamic';

/** GET /api/v1/jobs: the batch jobs with schedule, next run and last run. */
export const GET = apiRoute('OPERATOR', async () => {
  const jobs = await listJobsWithStatus();
  return jsonResponse({ jobs: jobs.map(jobRepresentation) });
});
