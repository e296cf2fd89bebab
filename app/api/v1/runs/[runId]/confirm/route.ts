import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, readJsonBody } from '@/lib/api/read-json-body';
import { emptyBody, runIdParam } from '@/lib/api/v1-schemas';
import { queuedRunRepresentation, refusalError } from '@/lib/api/v1-representations';
import { confirmThresholdRun } from '@/lib/runs/confirm-threshold-run';
import { hitRateLimit, RATE_LIMITS } from '@/lib/security/rate-limit';

export const dynamic = 'force-dynamic';

/**
 * POST /api/v1/runs/{runId}/confirm (operator, or what the job's confirmation rule asks): confirms
 * a run that stopped at the threshold and starts the job again past it. 202 { runId } of the new
 * run; 403 confirmation_refused naming the rule; 409 when the run did not stop at the threshold or
 * the job already has an active run. A restore that stopped at the threshold is confirmed the same
 * way (by an administrator): the new run is the restore, confirmed.
 */
export const POST = apiRoute<{ runId: string }>('OPERATOR', async ({ params, request, principal, ip }) => {
  const runId = parsePathParam(params.runId, runIdParam, 'run');
  await readJsonBody(request, emptyBody, { emptyIs: {} });
  const limited = await hitRateLimit(RATE_LIMITS.startNowPerCaller, principal.kind === 'token' ? `token:${principal.tokenId}` : `account:${principal.accountId}`);
  if (!limited.ok) throw new ApiError('rate_limited', limited.message, { retryAfterSeconds: limited.retryAfterSeconds });
  const result = await confirmThresholdRun({
    runId,
    actor: principal.actor,
    role: principal.role,
    aliases: principal.kind === 'token' ? [principal.person] : [],
    ip,
  });
  if (result.started) {
    return jsonResponse(queuedRunRepresentation(result.run), 202, { location: `/api/v1/runs/${result.run.id}` });
  }
  throw refusalError(result);
});
