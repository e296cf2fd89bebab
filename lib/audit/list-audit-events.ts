import { prisma, type Prisma } from '../db';

// The audit log page: newest first, filtered and paginated in the database (the table grows
// with every sign-in, so nothing is filtered in memory).

export const AUDIT_PAGE_SIZE = 25;

export type AuditEventFilter = {
  /** Exact action (job.schedule.saved) or a family ending in a dot (auth.). */
  action?: string;
  /** Case-insensitive substring of the actor. */
  actor?: string;
  /** Case-insensitive substring of the target. */
  target?: string;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
};

export type AuditEventRow = {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  details: unknown;
  ip: string | null;
};

export type AuditEventPage = {
  events: AuditEventRow[];
  total: number;
  page: number;
  pageCount: number;
  pageSize: number;
};

/**
 * A day typed as YYYY-MM-DD, as midnight UTC; null for anything else, including days that do not
 * exist (2026-13-45, 2026-02-30), which Date would roll over or turn into an Invalid Date.
 */
export function parseAuditDay(value: string): Date | null {
  // From 1970: nothing in an audit log is older, and PostgreSQL has no year 0.
  if (!/^(19[7-9][0-9]|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$/.test(value)) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? null : date;
}

function where(filter: AuditEventFilter): Prisma.AuditEventWhereInput {
  const and: Prisma.AuditEventWhereInput[] = [];
  if (filter.action) and.push(filter.action.endsWith('.') ? { action: { startsWith: filter.action } } : { action: filter.action });
  if (filter.actor) and.push({ actor: { contains: filter.actor, mode: 'insensitive' } });
  if (filter.target) and.push({ target: { contains: filter.target, mode: 'insensitive' } });
  if (filter.from) and.push({ at: { gte: filter.from } });
  if (filter.to) and.push({ at: { lt: filter.to } });
  return and.length ? { AND: and } : {};
}

export async function listAuditEvents(options: { filter?: AuditEventFilter; page?: number; pageSize?: number } = {}): Promise<AuditEventPage> {
  const pageSize = Math.min(Math.max(options.pageSize ?? AUDIT_PAGE_SIZE, 1), 200);
  const condition = where(options.filter ?? {});
  const db = prisma();
  const total = await db.auditEvent.count({ where: condition });
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(Math.trunc(options.page ?? 1), 1), pageCount);
  const rows = await db.auditEvent.findMany({
    where: condition,
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    skip: (page - 1) * pageSize,
    take: pageSize,
  });
  return {
    events: rows.map((r) => ({ id: r.id.toString(), at: r.at, actor: r.actor, action: r.action, target: r.target, details: r.details, ip: r.ip })),
    total,
    page,
    pageCount,
    pageSize,
  };
}

/**
 * The actions present in the log, for the filter's choices. A loose index scan over
 * (action, at): one index probe per distinct action, however many events the log holds.
 */
export async function auditActions(): Promise<string[]> {
  const rows = await prisma().$queryRaw<{ action: string }[]>`
    WITH RECURSIVE a AS (
      (SELECT action FROM audit_events ORDER BY action LIMIT 1)
      UNION ALL
      SELECT (SELECT e.action FROM audit_events e WHERE e.action > a.action ORDER BY e.action LIMIT 1) FROM a WHERE a.action IS NOT NULL
    )
    SELECT action FROM a WHERE action IS NOT NULL`;
  return rows.map((r) => r.action);
}

/** Human names of the actions the product records; unknown ones are shown as they are. */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  'job.schedule.saved': 'Schedule saved',
  'ldap.settings.changed': 'LDAP settings changed',
  'run.started': 'Run started',
  'run.cancel_requested': 'Run cancelled',
  'run.threshold_confirmed': 'Run above threshold confirmed',
  'run.threshold_confirmation_refused': 'Confirmation above threshold refused (four-eyes rule)',
  'api_token.created': 'API token created',
  'api_token.revoked': 'API token revoked',
  'cache.cleared': 'Cache cleared',
  'auth.sign_in': 'Signed in',
  'auth.sign_in.failed': 'Sign-in failed',
  'auth.sign_out': 'Signed out',
  'auth.password_changed': 'Password changed',
  'auth.password_change.failed': 'Password change failed',
  'account.created': 'Account created',
  'account.disabled': 'Account disabled',
  'account.enabled': 'Account enabled',
  'account.role.changed': 'Account role changed',
  'account.password_change_forced': 'Password change forced',
};
