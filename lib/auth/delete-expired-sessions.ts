import { pool } from '../db-pool';

/**
 * Housekeeping for sessions nobody came back to; safe to call from any process (the worker does it
 * every hour). Plain SQL: the worker runs without Prisma (lib/db-pool.ts).
 */
export async function deleteExpiredSessions(now = new Date()): Promise<number> {
  const { rowCount } = await pool().query('DELETE FROM sessions WHERE expires_at <= $1', [now]);
  return rowCount ?? 0;
}
