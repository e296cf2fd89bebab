import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, readJsonBody } from '@/lib/api/read-json-body';
import { restoreRunBody, runIdParam } from '@/lib/api/v1-schemas';
import { queuedRunRepresentation, runRepresentation } from '@/lib/api/v1-representations';
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
  switch (result.reason) {
    case 'not_found':
      throw new ApiError('not_found', result.message);
    case 'not_restorable':
      throw new ApiError('run_not_restorable', result.message);
    case 'already_restored':
      throw new ApiError('run_already_restored', result.message, { restoredBy: result.restoredBy ?? null });
    case 'already_active':
      throw new ApiError('run_already_active', result.message, { activeRun: runRepresentation(result.activeRun) });
    case 'queue_unavailable':
      throw new ApiError('queue_unavailable', result.message, { run: runRepresentation(result.run) });
    case 'confirmation_refused':
      throw new ApiError('confirmation_refused', result.message, { rule: result.rule });
  }
});
