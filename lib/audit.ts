import { prisma, Prisma } from '@/lib/db';

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

/** Appends one event to the audit log (audit_events). */
export async function recordAudit(event: AuditInput): Promise<void> {
  await prisma().auditEvent.create({
    data: {
      actor: event.actor.slice(0, 200),
      action: event.action,
      target: event.target ?? null,
      details: event.details ?? Prisma.DbNull,
      ip: event.ip ?? null,
    },
  });
}
