import { apiRoute } from '@/app/api/_lib/api-route';
import { jsonResponse } from '@/lib/api/errors';
import { parsePathParam, readJsonBody } from '@/lib/api/read-json-body';
import { emptyBody, runIdParam } from '@/lib/api/v1-schemas';
import { refusalError, runRepresentation, type cancelledRunSchema } from '@/lib/api/v1-representations';
import type { z } from 'zod';
import { cancelRun } from '@/lib/runs/cancel-run';

export const dynamic = 'force-dynamic';

/**
 * POST /api/v1/runs/{runId}/cancel (operator). 200 with the run: CANCELLED at once when it had
 * not started, otherwise it stops after the page in progress (cancelRequestedAt is set).
 */
export const POST = apiRoute<{ runId: string }>('OPERATOR', async ({ params, request, principal, ip }) => {
  const runId = parsePathParam(params.runId, runIdParam, 'run');
  await readJsonBody(request, emptyBody, { emptyIs: {} });
  const result = await cancelRun({ runId, actor: principal.actor, ip });
  if (result.ok) {
    const answer: z.infer<typeof cancelledRunSchema> = { run: runRepresentation(result.run), cancelledNow: result.cancelledNow };
    return jsonResponse(answer);
  }
  throw refusalError(result);
});
