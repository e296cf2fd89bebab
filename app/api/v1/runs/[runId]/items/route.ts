import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, validationError } from '@/lib/api/read-json-body';
import { paginationQuery, runIdParam } from '@/lib/api/v1-schemas';
import { runItemRepresentation, type runItemsPageSchema } from '@/lib/api/v1-representations';
import { listRunItems } from '@/lib/runs/run-items';
import type { z } from 'zod';

export const dynamic = 'force-dynamic';

/** GET /api/v1/runs/{runId}/items?page=1&pageSize=50&outcome=UPDATED: what the run did to each person. */
export const GET = apiRoute<{ runId: string }>('OPERATOR', async ({ params, request }) => {
  const runId = parsePathParam(params.runId, runIdParam, 'run');
  const query = paginationQuery.safeParse(Object.fromEntries(request.nextUrl.searchParams));
  if (!query.success) throw validationError(query.error, 'The query parameters are invalid.');
  const { page, pageSize, outcome } = query.data;
  const found = await listRunItems(runId, { q: '', outcome, page }, { pageSize, clampPage: false, withOutcomeCounts: false });
  if (!found) throw new ApiError('not_found', `There is no run #${runId}.`);
  const answer: z.infer<typeof runItemsPageSchema> = {
    items: found.items.map(runItemRepresentation),
    pagination: { page: found.page, pageSize, total: found.total, pages: found.pageCount, hasNextPage: found.page < found.pageCount },
  };
  return jsonResponse(answer);
});
