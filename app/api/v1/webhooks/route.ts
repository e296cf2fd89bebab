import { apiRoute } from '@/app/api/_lib/api-route';
import { jsonResponse } from '@/lib/api/errors';
import { readJsonBody } from '@/lib/api/read-json-body';
import { createWebhookBody, webhookRepresentation, type createdWebhookSchema, type webhookListSchema } from '@/lib/api/webhooks-api';
import type { z } from 'zod';
import { createWebhook, listWebhooks } from '@/lib/notifications/webhooks';

export const dynamic = 'force-dynamic';

/** GET /api/v1/webhooks (administrator): the webhooks, without their secrets. */
export const GET = apiRoute('ADMINISTRATOR', async () => {
  const answer: z.infer<typeof webhookListSchema> = { webhooks: (await listWebhooks()).map(webhookRepresentation) };
  return jsonResponse(answer);
});

/** POST /api/v1/webhooks (administrator): 201 with the webhook and its signing secret, which is never answered again. */
export const POST = apiRoute('ADMINISTRATOR', async ({ request, principal, ip }) => {
  const body = await readJsonBody(request, createWebhookBody);
  const { webhook, secret } = await createWebhook(body, { username: principal.actor, ip });
  const answer: z.infer<typeof createdWebhookSchema> = { webhook: webhookRepresentation(webhook), secret };
  return jsonResponse(answer, 201);
});
