import { apiRoute } from '@/app/api/_lib/api-route';
import { ApiError, jsonResponse } from '@/lib/api/errors';
import { parsePathParam, readJsonBody } from '@/lib/api/read-json-body';
import { patchWebhookBody, webhookIdParam, webhookRepresentation } from '@/lib/api/webhooks-api';
import { isNotificationEventType } from '@/lib/notifications/events';
import { deleteWebhook, getWebhook, updateWebhook } from '@/lib/notifications/webhooks';

export const dynamic = 'force-dynamic';

const notFound = (id: unknown) => new ApiError('not_found', `There is no webhook "${String(id).slice(0, 100)}".`);

/** GET /api/v1/webhooks/{webhookId} (administrator). */
export const GET = apiRoute<{ webhookId: string }>('ADMINISTRATOR', async ({ params }) => {
  const id = parsePathParam(params.webhookId, webhookIdParam, 'webhook');
  const webhook = await getWebhook(id);
  if (!webhook) throw notFound(params.webhookId);
  return jsonResponse(webhookRepresentation(webhook));
});

/** PATCH /api/v1/webhooks/{webhookId} (administrator): url, events, enabled; the fields left out stay. */
export const PATCH = apiRoute<{ webhookId: string }>('ADMINISTRATOR', async ({ params, request, principal, ip }) => {
  const id = parsePathParam(params.webhookId, webhookIdParam, 'webhook');
  const body = await readJsonBody(request, patchWebhookBody);
  const current = await getWebhook(id);
  if (!current) throw notFound(params.webhookId);
  const updated = await updateWebhook(
    id,
    { url: body.url ?? current.url, events: body.events ?? current.events.filter(isNotificationEventType), enabled: body.enabled ?? current.enabled },
    { username: principal.actor, ip },
  );
  if (!updated) throw notFound(params.webhookId);
  return jsonResponse(webhookRepresentation(updated));
});

/** DELETE /api/v1/webhooks/{webhookId} (administrator): 204; its delivery log stays. */
export const DELETE = apiRoute<{ webhookId: string }>('ADMINISTRATOR', async ({ params, principal, ip }) => {
  const id = parsePathParam(params.webhookId, webhookIdParam, 'webhook');
  if (!(await deleteWebhook(id, { username: principal.actor, ip }))) throw notFound(params.webhookId);
  return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
});
