import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, readJsonBody } from '@/lib/api/read-json-body';
import { emptyBody } from '@/lib/api/v1-schemas';
import { webhookIdParam, type webhookTestSentSchema } from '@/lib/api/webhooks-api';
import type { z } from 'zod';
import { sendWebhookTest } from '@/lib/notifications/webhooks';

export const dynamic = 'force-dynamic';

/** POST /api/v1/webhooks/{webhookId}/test (administrator): 202; a webhook.test event is queued for this webhook. */
export const POST = apiRoute<{ webhookId: string }>('ADMINISTRATOR', async ({ params, request, principal, ip }) => {
  const id = parsePathParam(params.webhookId, webhookIdParam, 'webhook');
  await readJsonBody(request, emptyBody, { emptyIs: {} });
  const sent = await sendWebhookTest(id, { username: principal.actor, ip });
  if (!sent) throw new ApiError('not_found', `There is no webhook "${params.webhookId}".`);
  const answer: z.infer<typeof webhookTestSentSchema> = { eventId: `evt_${sent.eventId}` };
  return jsonResponse(answer, 202);
});
