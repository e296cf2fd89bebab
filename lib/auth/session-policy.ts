import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'idm_session';

export type SessionTimeouts = { idleMinutes: number; absoluteHours: number };

/** 32 random bytes for the cookie; only their SHA-256 is stored (sessions.id). */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sessionIdFromToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Tokens this module issues: 43 base64url characters. Anything else is not looked up. */
export function isWellFormedToken(token: string | undefined | null): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** The absolute end of a session: it never lives longer than this, however active. */
export function absoluteExpiry(createdAt: Date, t: SessionTimeouts): Date {
  return new Date(createdAt.getTime() + t.absoluteHours * 3_600_000);
}

/** Expiry after activity at `now`: the idle deadline, capped by the absolute one. */
export function expiryAfterActivity(createdAt: Date, now: Date, t: SessionTimeouts): Date {
  const idle = now.getTime() + t.idleMinutes * 60_000;
  return new Date(Math.min(idle, absoluteExpiry(createdAt, t).getTime()));
}

export function isSessionAlive(
  s: { createdAt: Date; lastSeenAt: Date },
  now: Date,
  t: SessionTimeouts,
): boolean {
  return now.getTime() < expiryAfterActivity(s.createdAt, s.lastSeenAt, t).getTime();
}

/**
 * Activity is written back at most once a minute: a page view must not cost a write per
 * request, and a minute is noise against an idle timeout counted in tens of minutes.
 */
export function shouldTouch(lastSeenAt: Date, now: Date): boolean {
  return now.getTime() - lastSeenAt.getTime() >= 60_000;
}
