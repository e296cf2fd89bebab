import { pool } from '../db-pool';
import { eventEnvelope, type EventEnvelope } from './events';

// The delivery log (notification_deliveries): one row per attempt, whatever its outcome.

export type DeliveryAttempt = {
  eventId: string;
  eventType: string;
  channel: 'WEBHOOK' | 'EMAIL';
  webhookId: number | null;
  target: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  subject?: string | null;
  body?: string | null;
};

export async function recordDelivery(d: DeliveryAttempt): Promise<void> {
  await pool().query(
    `INSERT INTO notification_deliveries (event_id, event_type, channel, webhook_id, target, attempt, ok, status_code, duration_ms, error, subject, body)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [d.eventId, d.eventType, d.channel, d.webhookId, d.target.slice(0, 2000), d.attempt, d.ok, d.statusCode, Math.round(d.durationMs), d.error?.slice(0, 1000) ?? null, d.subject ?? null, d.body ?? null],
  );
}

/** The stored event as its envelope, or null when it is gone. */
export async function loadEvent(eventId: string): Promise<EventEnvelope | null> {
  const { rows } = await pool().query<{ id: string; type: string; created_at: Date; data: unknown }>(
    'SELECT id::text, type, created_at, data FROM notification_events WHERE id = $1',
    [eventId],
  );
  return rows[0] ? eventEnvelope({ id: rows[0].id, type: rows[0].type, createdAt: rows[0].created_at, data: rows[0].data }) : null;
}
