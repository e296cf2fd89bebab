import { apiRoute } from '@/app/api/_lib/api-route';
import { jsonResponse } from '@/lib/api/errors';
import { jobRepresentation, type jobListSchema } from '@/lib/api/v1-representations';
import type { z } from 'zod';
import { listJobsWithStatus } from '@/lib/batch-jobs';
import { listEffectiveJobOptions } from '@/lib/job-settings/effective-job-options';

export const dynamic = 'force-dynamic';

/** GET /api/v1/jobs: the batch jobs with schedule, next run, last run and the options they run with. */
export const GET = apiRoute('OPERATOR', async () => {
  const [jobs, options] = await Promise.all([listJobsWithStatus(), listEffectiveJobOptions()]);
  const answer: z.infer<typeof jobListSchema> = { jobs: jobs.map((job) => jobRepresentation(job, options.get(job.key) ?? null)) };
  return jsonResponse(answer);
});
