import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam } from '@/lib/api/read-json-body';
import { deliveryRepresentation, webhookIdParam, type deliveryListSchema } from '@/lib/api/webhooks-api';
import type { z } from 'zod';
import { getWebhook, listWebhookDeliveries } from '@/lib/notifications/webhooks';

export const dynamic = 'force-dynamic';

/** GET /api/v1/webhooks/{webhookId}/deliveries (administrator): the last 50 delivery attempts, newest first. */
export const GET = apiRoute<{ webhookId: string }>('ADMINISTRATOR', async ({ params }) => {
  const id = parsePathParam(params.webhookId, webhookIdParam, 'webhook');
  if (!(await getWebhook(id))) throw new ApiError('not_found', `There is no webhook "${params.webhookId}".`);
  const answer: z.infer<typeof deliveryListSchema> = { deliveries: (await listWebhookDeliveries(id)).map(deliveryRepresentation) };
  return jsonResponse(answer);
});
