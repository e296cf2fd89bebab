import type pg from 'pg';
import { config } from '../config';
import { inTransaction, pool } from '../db-pool';
import { enqueueNotification, type NotificationJobData, type NotificationsQueue } from '../queue/notifications-queue';
import { eventsForRunEnd, restoreFinishedData, runEventData, runEventPayload, type EventDataOf, type NotificationEventType } from './events';

// The notification outbox (notification_events). An event is written in the transaction of what it
// reports, so it exists exactly when that committed: a run's end (endRun) gives its events once,
// however often the worker retries or crashes. The worker drains the outbox into the notifications
// queue (dispatchPendingEvents). Plain SQL: the worker runs without Prisma.

type Queryable = Pick<pg.PoolClient, 'query'>;

export type NotifyRunEvent<T extends NotificationEventType> = {
  type: T;
  /** The run (or restore) the event is about. */
  runId: number | null;
  data: EventDataOf<T>;
  /** What makes the event unique (default `run:<runId>:<type>`): a second notify with the same key is ignored. */
  dedupeKey?: string;
};

/**
 * Records one notification event, to be delivered to every webhook subscribed to its type and to
 * the e-mail list. Call it with the client of the transaction that makes the event true (the
 * restore feature: in the transaction that ends the restore, with type 'restore.finished'), so that
 * it is sent exactly when that commits. True when recorded, false when its key was already there.
 */
export async function notifyRunEvent<T extends NotificationEventType>(db: Queryable, event: NotifyRunEvent<T>): Promise<boolean> {
  const dedupeKey = event.dedupeKey ?? `run:${event.runId ?? 'none'}:${event.type}`;
  const { rowCount } = await db.query(
    `INSERT INTO notification_events (type, dedupe_key, run_id, data) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (dedupe_key) DO NOTHING`,
    [event.type, dedupeKey, event.runId, JSON.stringify(event.data)],
  );
  return rowCount === 1;
}

/** The events of a run's terminal transition; endRun calls it in the transaction of the transition. */
export async function recordRunEndEvents(db: Queryable, run: Record<string, unknown> & { id: number; job_key: string; status: string }): Promise<void> {
  // A restore run (lib/restore) reports its end as restore.finished; stopped at the threshold, it
  // needs a confirmation like a sync run and says so with the same events.
  if (run.restore_of_run_id !== null && run.restore_of_run_id !== undefined && run.status !== 'THRESHOLD_EXCEEDED') {
    if (['SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'].includes(run.status)) {
      await notifyRunEvent(db, { type: 'restore.finished', runId: run.id, data: restoreFinishedData(run, config().APP_PUBLIC_URL) });
    }
    return;
  }
  const types = eventsForRunEnd(run.status, { dryRun: Boolean(run.dry_run), confirmed: Boolean(run.confirmed) });
  if (types.length === 0) return;
  const { rows } = await db.query<{ process_name: string }>('SELECT process_name FROM batch_jobs WHERE key = $1', [run.job_key]);
  const data = runEventData(run, rows[0]?.process_name ?? null, config().APP_PUBLIC_URL);
  for (const type of types) await notifyRunEvent(db, { type, runId: run.id, data: runEventPayload(type, data) as never });
}

/** An event sent outside the outbox's fan-out: "Send test" of one webhook or of the e-mail list. Its id. */
export async function recordTestEvent(db: Queryable, type: 'webhook.test' | 'email.test', data: EventDataOf<'webhook.test'>): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO notification_events (type, dedupe_key, data, dispatched_at) VALUES ($1, 'test:' || gen_random_uuid(), $2::jsonb, now()) RETURNING id::text`,
    [type, JSON.stringify(data)],
  );
  return rows[0]!.id;
}

/**
 * Queues the deliveries of pending events (oldest first, `limit` at a time) and marks them
 * dispatched, in one transaction holding their rows (SKIP LOCKED: several workers share the work).
 * A crash between queueing and commit queues them again on the next pass under the same job ids,
 * which BullMQ ignores. Answers how many events were dispatched.
 */
export async function dispatchPendingEvents(queue: NotificationsQueue, options: { limit?: number; db?: Pick<pg.Pool, 'connect'> } = {}): Promise<number> {
  return inTransaction(async (client) => {
    const { rows: events } = await client.query<{ id: string; type: string }>(
      `SELECT id::text, type FROM notification_events WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [options.limit ?? 100],
    );
    if (events.length === 0) return 0;
    const { rows: webhooks } = await client.query<{ id: number; events: string[] }>('SELECT id, events FROM webhooks WHERE enabled');
    const { rows: smtp } = await client.query<{ events: string[] }>(
      'SELECT events FROM smtp_settings WHERE id = 1 AND enabled AND cardinality(recipients) > 0',
    );
    const jobs: NotificationJobData[] = [];
    for (const event of events) {
      for (const webhook of webhooks) if (webhook.events.includes(event.type)) jobs.push({ channel: 'webhook', eventId: event.id, webhookId: webhook.id });
      if (smtp[0]?.events.includes(event.type)) jobs.push({ channel: 'email', eventId: event.id });
    }
    for (const job of jobs) await enqueueNotification(queue, job);
    await client.query('UPDATE notification_events SET dispatched_at = now() WHERE id = ANY($1::bigint[])', [events.map((e) => e.id)]);
    return events.length;
  }, options.db ?? pool());
}
