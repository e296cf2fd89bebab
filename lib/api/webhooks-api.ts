import { z } from 'zod';
import { webhookInput } from '../notifications/webhooks';
import { NOTIFICATION_EVENT_TYPES } from '../notifications/events';
import type { DeliveryLogRow, WebhookSummary } from '../notifications/webhooks';
import { idPathSegment } from '../validation/database-integer';

// REST API v1 shapes of webhooks (administrator): bodies and representations.

export const webhookIdParam = idPathSegment();

export const createWebhookBody = webhookInput.strict();

export const patchWebhookBody = z
  .object({
    url: webhookInput.shape.url.optional(),
    events: z.array(z.enum(NOTIFICATION_EVENT_TYPES)).min(1, 'Choose at least one event.').optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export function webhookRepresentation(w: WebhookSummary) {
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

export function deliveryRepresentation(d: DeliveryLogRow) {
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
