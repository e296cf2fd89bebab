import { loadEvent, recordDelivery } from './deliveries';
import { SIGNATURE_HEADER, signPayload } from './signature';
import { webhookForDelivery } from './webhooks';

// One attempt to POST one event to one webhook (the worker's notifications processor). Anything
// but a 2xx answer within the timeout is a failure: recorded in the delivery log, then thrown so
// that BullMQ retries with its backoff.

export const WEBHOOK_TIMEOUT_MS = 10_000;

export class DeliveryFailed extends Error {}

export type WebhookDeliveryResult = { delivered: boolean; skipped?: string };

export async function deliverWebhook(eventId: string, webhookId: number, attempt: number, options: { timeoutMs?: number } = {}): Promise<WebhookDeliveryResult> {
  const [event, webhook] = await Promise.all([loadEvent(eventId), webhookForDelivery(webhookId)]);
  // Deleted or switched off since the event was queued: nothing to deliver, nothing to retry.
  if (!event) return { delivered: false, skipped: 'the event no longer exists' };
  if (!webhook) return { delivered: false, skipped: 'the webhook was deleted' };
  if (!webhook.enabled && event.type !== 'webhook.test') return { delivered: false, skipped: 'the webhook is disabled' };

  const body = JSON.stringify(event);
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'IdentityManager-Webhooks/1.0',
        'X-IdM-Event': event.type,
        'X-IdM-Delivery': event.id,
        'X-IdM-Attempt': String(attempt),
        [SIGNATURE_HEADER]: signPayload(webhook.secret, body, timestamp),
      },
      body,
      // A redirect is not followed (the signature is for this URL): it counts as a failure.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? WEBHOOK_TIMEOUT_MS),
    });
    statusCode = response.status;
    await response.body?.cancel().catch(() => undefined);
    if (statusCode < 200 || statusCode > 299) error = `The receiver answered HTTP ${statusCode}.`;
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    error = (e as Error).name === 'TimeoutError' ? `No answer within ${(options.timeoutMs ?? WEBHOOK_TIMEOUT_MS) / 1000} s.` : `${(e as Error).message}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ''}`;
  }
  const durationMs = performance.now() - started;
  await recordDelivery({ eventId, eventType: event.type, channel: 'WEBHOOK', webhookId, target: webhook.url, attempt, ok: error === null, statusCode, durationMs, error });
  if (error !== null) throw new DeliveryFailed(error);
  return { delivered: true };
}
