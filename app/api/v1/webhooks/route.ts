import { apiRoute } from '@/app/api/_lib/api-route';
import { jsonResponse } from '@/lib/api/errors';
import { readJsonBody } from '@/lib/api/read-json-body';
import { createWebhookBody, webhookRepresentation } from '@/lib/api/webhooks-api';
import { createWebhook, listWebhooks } from '@/lib/notifications/webhooks';

export const dynamic = 'force-dynamic';

/** GET /api/v1/webhooks (administrator): the webhooks, without their secrets. */
export const GET = apiRoute('ADMINISTRATOR', async () => jsonResponse({ webhooks: (await listWebhooks()).map(webhookRepresentation) }));

/** POST /api/v1/webhooks (administrator): 201 with the webhook and its signing secret, which is never answered again. */
export const POST = apiRoute('ADMINISTRATOR', async ({ request, principal, ip }) => {
  const body = await readJsonBody(request, createWebhookBody);
  const { webhook, secret } = await createWebhook(body, { username: principal.actor, ip });
  return jsonResponse({ webhook: webhookRepresentation(webhook), secret }, 201);
});
