import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { readJsonBody } from '@/lib/api/read-json-body';
import { emptyBody } from '@/lib/api/v1-schemas';
import type { clearedCacheSchema } from '@/lib/api/v1-representations';
import type { z } from 'zod';
import { clearOperatorCache } from '@/lib/cache/clear-operator-cache';
import { RedisUnavailableError } from '@/lib/queue/redis-timeout';

export const dynamic = 'force-dynamic';

/** POST /api/v1/operator/cache/clear (operator): operators' views show the saved configuration again. */
export const POST = apiRoute('OPERATOR', async ({ request, principal, ip }) => {
  await readJsonBody(request, emptyBody, { emptyIs: {} });
  try {
    const result = await clearOperatorCache({ actor: principal.actor, ip });
    const answer: z.infer<typeof clearedCacheSchema> = { clearedAt: result.clearedAt.toISOString(), generation: result.generation };
    return jsonResponse(answer);
  } catch (error) {
    if (error instanceof RedisUnavailableError) throw new ApiError('service_unavailable', error.message);
    throw error;
  }
});
