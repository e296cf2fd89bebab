import { pool } from '../db-pool';

/** How long dispatched events and the delivery log are kept. */
export const NOTIFICATION_RETENTION_DAYS = 90;

/**
 * Housekeeping of the outbox and the delivery log (the worker, every hour beside the sessions'):
 * dispatched events and delivery attempts older than the retention. Pending events are never
 * deleted. Safe from any number of processes at once.
 */
export async function deleteOldNotifications(now = new Date(), days = NOTIFICATION_RETENTION_DAYS): Promise<number> {
  const before = new Date(now.getTime() - days * 86_400_000);
  const events = await pool().query('DELETE FROM notification_events WHERE dispatched_at IS NOT NULL AND created_at < $1', [before]);
  const deliveries = await pool().query('DELETE FROM notification_deliveries WHERE at < $1', [before]);
  return (events.rowCount ?? 0) + (deliveries.rowCount ?? 0);
}
