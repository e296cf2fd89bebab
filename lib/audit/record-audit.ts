import type { Prisma } from '../generated/prisma/client';
import { pool } from '../db-pool';

export type AuditInput = {
  /** Account username, or "system" / "scheduler". */
  actor: string;
  /** Dotted verb, e.g. auth.sign_in, job.schedule.saved, cache.cleared. */
  action: string;
  target?: string | null;
  /** Context and before/after values. Never secrets: callers pass only what may be shown. */
  details?: Prisma.InputJsonValue | null;
  ip?: string | null;
};

/** Appends one event to the audit log (audit_events). Plain SQL: the worker records events too, without Prisma. */
export async function recordAudit(event: AuditInput): Promise<void> {
  // Serialized here: pg would turn a JavaScript array into a PostgreSQL array, not JSON.
  const details = event.details === undefined || event.details === null ? null : JSON.stringify(event.details);
  await pool().query('INSERT INTO audit_events (actor, action, target, details, ip) VALUES ($1, $2, $3, $4::jsonb, $5)', [
    event.actor.slice(0, 200),
    event.action,
    event.target ?? null,
    details,
    event.ip ?? null,
  ]);
}
