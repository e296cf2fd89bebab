import { z } from 'zod';
import { webhookInput } from '../notifications/webhooks';
import { NOTIFICATION_EVENT_TYPES } from '../notifications/events';
import type { DeliveryLogRow, WebhookSummary } from '../notifications/webhooks';
import { idPathSegment } from '../validation/database-integer';

// REST API v1 shapes of webhooks (administrator): bodies and representations, each answer typed
// by the schema the OpenAPI document is generated from.

export const webhookIdParam = idPathSegment();

export const createWebhookBody = webhookInput.strict();

export const patchWebhookBody = z
  .object({
    url: webhookInput.shape.url.optional(),
    events: z.array(z.enum(NOTIFICATION_EVENT_TYPES)).min(1, 'Choose at least one event.').optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const dateTime = z.iso.datetime({ offset: true });

export const webhookSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    url: z.string(),
    events: z.array(z.string()).meta({ description: 'The event types posted to this webhook.' }),
    enabled: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: dateTime,
    updatedAt: dateTime,
    lastDelivery: z.object({ at: dateTime, ok: z.boolean(), statusCode: z.number().int().nullable() }).nullable(),
  })
  .meta({ id: 'Webhook', description: 'A webhook, without its signing secret.' });

export function webhookRepresentation(w: WebhookSummary): z.infer<typeof webhookSchema> {
  return {
    id: w.id,
    name: w.name,
    url: w.url,
    events: w.events,
    enabled: w.enabled,
    createdBy: w.createdBy,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
    lastDelivery: w.lastDelivery ? { at: w.lastDelivery.at.toISOString(), ok: w.lastDelivery.ok, statusCode: w.lastDelivery.statusCode } : null,
  };
}

export const webhookListSchema = z.object({ webhooks: z.array(webhookSchema) });

export const createdWebhookSchema = z.object({
  webhook: webhookSchema,
  secret: z.string().meta({ description: 'The signing secret: answered this once, never again.' }),
});

export const deliverySchema = z.object({
  id: z.number().int(),
  eventId: z.string(),
  eventType: z.string(),
  attempt: z.number().int(),
  ok: z.boolean(),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  at: dateTime,
});

export function deliveryRepresentation(d: DeliveryLogRow): z.infer<typeof deliverySchema> {
  return {
    id: Number(d.id),
    eventId: `evt_${d.eventId}`,
    eventType: d.eventType,
    attempt: d.attempt,
    ok: d.ok,
    statusCode: d.statusCode,
    durationMs: d.durationMs,
    error: d.error,
    at: d.at.toISOString(),
  };
}

export const deliveryListSchema = z.object({ deliveries: z.array(deliverySchema) });

export const webhookTestSentSchema = z.object({ eventId: z.string().meta({ description: 'The id of the queued webhook.test event.' }) });
