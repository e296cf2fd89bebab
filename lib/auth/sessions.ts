import { config } from '@/lib/config';
import { prisma, type AccountRole } from '@/lib/db';
import {
  expiryAfterActivity,
  isSessionAlive,
  isWellFormedToken,
  newSessionToken,
  sessionIdFromToken,
  shouldTouch,
  type SessionTimeouts,
} from './session-policy';

/** What pages and actions know about the signed-in account. Never carries the token. */
export type SignedInAccount = {
  accountId: number;
  username: string;
  displayName: string | null;
  role: AccountRole;
  /** Set by an administrator (or for a new account): nothing but the password change is served until it is done. */
  mustChangePassword: boolean;
  sessionCreatedAt: Date;
  expiresAt: Date;
};

export function sessionTimeouts(): SessionTimeouts {
  const c = config();
  return { idleMinutes: c.SESSION_IDLE_MINUTES, absoluteHours: c.SESSION_ABSOLUTE_HOURS };
}

/** A new server-side session; the caller puts the returned token in the cookie. */
export async function createSession(input: {
  accountId: number;
  ip?: string | null;
  userAgent?: string | null;
  now?: Date;
}): Promise<{ token: string; expiresAt: Date }> {
  const now = input.now ?? new Date();
  const token = newSessionToken();
  const expiresAt = expiryAfterActivity(now, now, sessionTimeouts());
  await prisma().session.create({
    data: {
      id: sessionIdFromToken(token),
      accountId: input.accountId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      ip: input.ip?.slice(0, 100) ?? null,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
    },
  });
  return { token, expiresAt };
}

/**
 * The account behind a cookie token, or null. Timeouts are decided here on the server from
 * the stored timestamps (the cookie's own expiry is only a hint to the browser); an expired
 * session, or one whose account was disabled, is deleted.
 */
export async function validateSession(token: string | undefined | null, now = new Date()): Promise<SignedInAccount | null> {
  if (!isWellFormedToken(token)) return null;
  const id = sessionIdFromToken(token);
  const session = await prisma().session.findUnique({ where: { id }, include: { account: true } });
  if (!session) return null;
  const timeouts = sessionTimeouts();
  if (!isSessionAlive(session, now, timeouts) || session.expiresAt <= now || session.account.disabled) {
    await prisma().session.deleteMany({ where: { id } });
    return null;
  }
  let expiresAt = session.expiresAt;
  if (shouldTouch(session.lastSeenAt, now)) {
    expiresAt = expiryAfterActivity(session.createdAt, now, timeouts);
    await prisma().session.updateMany({ where: { id }, data: { lastSeenAt: now, expiresAt } });
  }
  return {
    accountId: session.account.id,
    username: session.account.username,
    displayName: session.account.displayName,
    role: session.account.role,
    mustChangePassword: session.account.mustChangePassword,
    sessionCreatedAt: session.createdAt,
    expiresAt,
  };
}

/** Sign-out and rotation: the row goes, so a copied cookie is worthless afterwards. */
export async function deleteSession(token: string | undefined | null): Promise<void> {
  if (!isWellFormedToken(token)) return;
  await prisma().session.deleteMany({ where: { id: sessionIdFromToken(token) } });
}
