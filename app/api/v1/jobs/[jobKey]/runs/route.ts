import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, readJsonBody } from '@/lib/api/read-json-body';
import { jobKeyParam, startRunBody } from '@/lib/api/v1-schemas';
import { queuedRunRepresentation, refusalError } from '@/lib/api/v1-representations';
import { startJobRun } from '@/lib/runs/start-job-run';
import { hitRateLimit, RATE_LIMITS } from '@/lib/security/rate-limit';

export const dynamic = 'force-dynamic';

/** POST /api/v1/jobs/{jobKey}/runs (operator): 202 { runId }, 409 with the active run. */
export const POST = apiRoute<{ jobKey: string }>('OPERATOR', async ({ params, request, principal, ip }) => {
  const jobKey = parsePathParam(params.jobKey, jobKeyParam, 'batch job');
  const body = await readJsonBody(request, startRunBody, { emptyIs: {} });
  const limited = await hitRateLimit(RATE_LIMITS.startNowPerCaller, principal.kind === 'token' ? `token:${principal.tokenId}` : `account:${principal.accountId}`);
  if (!limited.ok) throw new ApiError('rate_limited', limited.message, { retryAfterSeconds: limited.retryAfterSeconds });
  const result = await startJobRun({
    jobKey,
    trigger: 'API',
    startedBy: principal.actor,
    dryRun: body.dryRun,
    confirmed: body.confirm,
    confirmer: { role: principal.role, aliases: principal.kind === 'token' ? [principal.person] : [] },
    ip,
  });
  if (result.started) {
    return jsonResponse(queuedRunRepresentation(result.run), 202, { location: `/api/v1/runs/${result.run.id}` });
  }
  throw refusalError(result);
});
