import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../audit/record-audit';
import { decryptSecret, encryptSecret } from '../crypto';
import { inTransaction, pool } from '../db-pool';
import { enqueueNotification, notificationsQueue, type NotificationsQueue } from '../queue/notifications-queue';
import { NOTIFICATION_EVENT_TYPES } from './events';
import { recordTestEvent } from './outbox';

// Webhooks, administrator-managed: a URL, the events it receives, and a signing secret shown once
// (when it is made) and stored encrypted like the LDAP bind password. Plain SQL (lib/db-pool.ts):
// the worker reads webhooks too.

export type WebhookSummary = {
  id: number;
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** The latest delivery attempt, if any. */
  lastDelivery: { at: Date; ok: boolean; statusCode: number | null } | null;
};

export type DeliveryLogRow = {
  id: string;
  eventId: string;
  eventType: string;
  channel: string;
  webhookId: number | null;
  target: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  subject: string | null;
  body: string | null;
  at: Date;
};

const httpUrl = z
  .string()
  .trim()
  .min(1, 'Enter the URL the events are posted to.')
  .max(2000, 'At most 2,000 characters.')
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'Enter an http:// or https:// URL without a user name or password in it (e.g. https://hooks.example.com/idm).');

const eventList = z.array(z.enum(NOTIFICATION_EVENT_TYPES)).min(1, 'Choose at least one event.');

export const webhookInput = z.object({
  name: z.string().trim().min(1, 'Give the webhook a name.').max(100, 'At most 100 characters.'),
  url: httpUrl,
  events: eventList,
  /** Empty: a secret is generated. */
  secret: z
    .string()
    .trim()
    .max(200, 'At most 200 characters.')
    .refine((s) => s === '' || s.length >= 16, 'A secret you type needs at least 16 characters; leave it empty to have one generated.')
    .default(''),
});
export type WebhookInput = z.input<typeof webhookInput>;

export const webhookUpdate = z.object({ url: httpUrl, events: eventList, enabled: z.boolean() });

/** A new signing secret: 32 random bytes, prefixed so that it is recognisable in a secret store. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

const SUMMARY_SQL = `
  SELECT w.id, w.name, w.url, w.events, w.enabled, w.created_by AS "createdBy", w.created_at AS "createdAt", w.updated_at AS "updatedAt",
         (SELECT json_build_object('at', d.at, 'ok', d.ok, 'statusCode', d.status_code) FROM notification_deliveries d
           WHERE d.webhook_id = w.id ORDER BY d.at DESC, d.id DESC LIMIT 1) AS "lastDelivery"
  FROM webhooks w`;

type SummaryRow = Omit<WebhookSummary, 'lastDelivery'> & { lastDelivery: { at: string; ok: boolean; statusCode: number | null } | null };
const summary = (row: SummaryRow): WebhookSummary => ({ ...row, lastDelivery: row.lastDelivery ? { ...row.lastDelivery, at: new Date(row.lastDelivery.at) } : null });

export async function listWebhooks(): Promise<WebhookSummary[]> {
  const { rows } = await pool().query<SummaryRow>(`${SUMMARY_SQL} ORDER BY w.name, w.id`);
  return rows.map(summary);
}

export async function getWebhook(id: number): Promise<WebhookSummary | null> {
  const { rows } = await pool().query<SummaryRow>(`${SUMMARY_SQL} WHERE w.id = $1`, [id]);
  return rows[0] ? summary(rows[0]) : null;
}

export type Actor = { username: string; ip?: string | null };

/** Creates a webhook; the answer holds its secret, which is never shown again. */
export async function createWebhook(input: z.output<typeof webhookInput>, actor: Actor): Promise<{ webhook: WebhookSummary; secret: string }> {
  const secret = input.secret === '' ? generateWebhookSecret() : input.secret;
  const { rows } = await pool().query<{ id: number }>(
    'INSERT INTO webhooks (name, url, events, secret_encrypted, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [input.name, input.url, input.events, encryptSecret(secret), actor.username],
  );
  const id = rows[0]!.id;
  await recordAudit({
    actor: actor.username,
    action: 'webhook.created',
    target: `webhook:${id}`,
    details: { name: input.name, url: input.url, events: input.events, secret: input.secret === '' ? 'generated' : 'typed' },
    ip: actor.ip,
  });
  return { webhook: (await getWebhook(id))!, secret };
}

export async function updateWebhook(id: number, input: z.output<typeof webhookUpdate>, actor: Actor): Promise<WebhookSummary | null> {
  const before = await getWebhook(id);
  if (!before) return null;
  await pool().query('UPDATE webhooks SET url = $2, events = $3, enabled = $4, updated_at = now() WHERE id = $1', [id, input.url, input.events, input.enabled]);
  await recordAudit({
    actor: actor.username,
    action: 'webhook.changed',
    target: `webhook:${id}`,
    details: { before: { url: before.url, events: before.events, enabled: before.enabled }, after: input },
    ip: actor.ip,
  });
  return getWebhook(id);
}

/** A new secret replaces the old one at once (receivers must be given it); shown once. */
export async function rotateWebhookSecret(id: number, actor: Actor): Promise<string | null> {
  const secret = generateWebhookSecret();
  const { rowCount } = await pool().query('UPDATE webhooks SET secret_encrypted = $2, updated_at = now() WHERE id = $1', [id, encryptSecret(secret)]);
  if (rowCount !== 1) return null;
  await recordAudit({ actor: actor.username, action: 'webhook.secret.rotated', target: `webhook:${id}`, ip: actor.ip });
  return secret;
}

/** Deletes the webhook; its delivery log stays (webhook_id set to null) for Sent notifications. */
export async function deleteWebhook(id: number, actor: Actor): Promise<boolean> {
  const deleted = await inTransaction(async (client) => {
    const { rows } = await client.query<{ name: string; url: string }>('DELETE FROM webhooks WHERE id = $1 RETURNING name, url', [id]);
    if (!rows[0]) return null;
    await client.query('UPDATE notification_deliveries SET webhook_id = NULL WHERE webhook_id = $1', [id]);
    return rows[0];
  });
  if (!deleted) return false;
  await recordAudit({ actor: actor.username, action: 'webhook.deleted', target: `webhook:${id}`, details: deleted, ip: actor.ip });
  return true;
}

/** "Send test": a webhook.test event delivered to this webhook alone, through the queue like any other. */
export async function sendWebhookTest(id: number, actor: Actor, queue: NotificationsQueue = notificationsQueue()): Promise<{ eventId: string } | null> {
  const webhook = await getWebhook(id);
  if (!webhook) return null;
  const eventId = await recordTestEvent(pool(), 'webhook.test', {
    message: `Test event sent by ${actor.username} from Identity Manager Admin.`,
    webhook: { id: webhook.id, name: webhook.name },
  });
  await enqueueNotification(queue, { channel: 'webhook', eventId, webhookId: id });
  await recordAudit({ actor: actor.username, action: 'webhook.test.sent', target: `webhook:${id}`, details: { eventId }, ip: actor.ip });
  return { eventId };
}

const DELIVERY_COLUMNS = `id::text, event_id::text AS "eventId", event_type AS "eventType", channel, webhook_id AS "webhookId", target, attempt, ok,
  status_code AS "statusCode", duration_ms AS "durationMs", error, subject, body, at`;

/** A webhook's delivery log, newest first. */
export async function listWebhookDeliveries(webhookId: number, limit = 50): Promise<DeliveryLogRow[]> {
  const { rows } = await pool().query<DeliveryLogRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries WHERE webhook_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
    [webhookId, limit],
  );
  return rows;
}

/** Every delivery attempt (webhooks and e-mail), newest first: Admin > Notifications > Sent notifications. */
export async function listDeliveries(options: { limit?: number; channel?: 'WEBHOOK' | 'EMAIL' } = {}): Promise<DeliveryLogRow[]> {
  const { rows } = await pool().query<DeliveryLogRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries WHERE ($1::text IS NULL OR channel = $1) ORDER BY at DESC, id DESC LIMIT $2`,
    [options.channel ?? null, options.limit ?? 100],
  );
  return rows;
}

/** The webhook's URL and secret, for the worker's delivery. */
export async function webhookForDelivery(id: number): Promise<{ id: number; url: string; secret: string; enabled: boolean } | null> {
  const { rows } = await pool().query<{ id: number; url: string; secret_encrypted: string; enabled: boolean }>(
    'SELECT id, url, secret_encrypted, enabled FROM webhooks WHERE id = $1',
    [id],
  );
  const row = rows[0];
  return row ? { id: row.id, url: row.url, secret: decryptSecret(row.secret_encrypted), enabled: row.enabled } : null;
}
