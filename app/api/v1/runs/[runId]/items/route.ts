import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, validationError } from '@/lib/api/read-json-body';
import { paginationQuery, runIdParam } from '@/lib/api/v1-schemas';
import { listRunItems } from '@/lib/batch-jobs/list-run-items';

export const dynamic = 'force-dynamic';

/** GET /api/v1/runs/{runId}/items?page=1&pageSize=50&outcome=UPDATED: what the run did to each person. */
export const GET = apiRoute<{ runId: string }>('OPERATOR', async ({ params, request }) => {
  const runId = parsePathParam(params.runId, runIdParam, 'run');
  const query = paginationQuery.safeParse(Object.fromEntries(request.nextUrl.searchParams));
  if (!query.success) throw validationError(query.error, 'The query parameters are invalid.');
  const page = await listRunItems({ runId, ...query.data });
  if (!page) throw new ApiError('not_found', `There is no run #${runId}.`);
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  return jsonResponse({
    items: page.items,
    pagination: { page: page.page, pageSize: page.pageSize, total: page.total, pages, hasNextPage: page.page < pages },
  });
});
