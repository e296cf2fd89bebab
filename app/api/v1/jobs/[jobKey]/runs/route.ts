import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, readJsonBody } from '@/lib/api/read-json-body';
import { jobKeyParam, startRunBody } from '@/lib/api/v1-schemas';
import { queuedRunRepresentation, runRepresentation } from '@/lib/api/v1-representations';
import { startJobRun } from '@/lib/batch-jobs';
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
  if (result.reason === 'not_found') throw new ApiError('not_found', result.message);
  if (result.reason === 'confirmation_refused') throw new ApiError('confirmation_refused', result.message, { rule: result.rule });
  if (result.reason === 'already_active') {
    throw new ApiError('run_already_active', result.message, { activeRun: runRepresentation(result.activeRun) });
  }
  throw new ApiError('queue_unavailable', result.message, { run: runRepresentation(result.run) });
});
