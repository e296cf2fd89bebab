import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, readJsonBody } from '@/lib/api/read-json-body';
import { restoreRunBody, runIdParam } from '@/lib/api/v1-schemas';
import { queuedRunRepresentation, refusalError } from '@/lib/api/v1-representations';
import { startRestore } from '@/lib/restore/start-restore';
import { hitRateLimit, RATE_LIMITS } from '@/lib/security/rate-limit';

export const dynamic = 'force-dynamic';

/**
 * POST /api/v1/runs/{runId}/restore (administrator): 202 with the queued restore run; `dryRun`
 * (default true) is the preview. `confirm` confirms a restore above the job's threshold (403
 * confirmation_refused when the job's rule asks another administrator; without it such a restore
 * stops THRESHOLD_EXCEEDED for POST /runs/{id}/confirm). 409 when the run cannot be restored or
 * was restored already.
 */
export const POST = apiRoute<{ runId: string }>('ADMINISTRATOR', async ({ params, request, principal, ip }) => {
  const runId = parsePathParam(params.runId, runIdParam, 'run');
  const body = await readJsonBody(request, restoreRunBody, { emptyIs: {} });
  const limited = await hitRateLimit(RATE_LIMITS.startNowPerCaller, principal.kind === 'token' ? `token:${principal.tokenId}` : `account:${principal.accountId}`);
  if (!limited.ok) throw new ApiError('rate_limited', limited.message, { retryAfterSeconds: limited.retryAfterSeconds });
  const result = await startRestore({
    runId,
    dryRun: body.dryRun,
    confirmed: body.confirm,
    confirmer: { role: principal.role, aliases: principal.kind === 'token' ? [principal.person] : [] },
    trigger: 'API',
    actor: principal.actor,
    ip,
  });
  if (result.started) {
    return jsonResponse(queuedRunRepresentation(result.run), 202, { location: `/api/v1/runs/${result.run.id}` });
  }
  throw refusalError(result);
});
