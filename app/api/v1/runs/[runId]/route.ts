import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam } from '@/lib/api/read-json-body';
import { runIdParam } from '@/lib/api/v1-schemas';
import { runSnapshotRepresentation } from '@/lib/api/v1-representations';
import { getRunSnapshot } from '@/lib/runs/follow-run';

export const dynamic = 'force-dynamic';

/** GET /api/v1/runs/{runId}: status, timestamps, counters, error, and the worker's live progress. */
export const GET = apiRoute<{ runId: string }>('OPERATOR', async ({ params }) => {
  const runId = parsePathParam(params.runId, runIdParam, 'run');
  const snapshot = await getRunSnapshot(runId);
  if (!snapshot) throw new ApiError('not_found', `There is no run #${runId}.`);
  return jsonResponse(runSnapshotRepresentation(snapshot));
});
