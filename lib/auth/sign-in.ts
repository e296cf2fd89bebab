import { recordAudit } from '@/lib/audit/record-audit';
import { prisma, type Account } from '@/lib/db';
import { countFailure } from './count-failure';
import { normalizeUsername } from './accounts';
import { isLocked } from './lockout';
import { clearFailedSignIns, failedRecentlyFrom, markFailedSignIn } from './sign-in-throttle';
import { hitRateLimit, RATE_LIMITS } from '../security/rate-limit';
import { decoyHash, verifyPassword } from './password';
import { createSession, deleteSession } from './sessions';

/** The one message for every failed sign-in: it must not tell whether the account exists or is locked. */
export const SIGN_IN_FAILED_MESSAGE =
  'The username or password is incorrect, or the account is temporarily locked. Try again in a few minutes or ask an administrator.';

export type SignInInput = {
  username: string;
  password: string;
  ip?: string | null;
  userAgent?: string | null;
  /** The token of the session the browser still holds, if any: it is ended (session rotation). */
  previousToken?: string | null;
  now?: Date;
};

export type SignInResult =
  | { ok: true; token: string; expiresAt: Date; account: Pick<Account, 'id' | 'username' | 'role' | 'mustChangePassword'> }
  /** `retryAfterSeconds`: this client address sent too many attempts (it says nothing about any account). */
  | { ok: false; message: string; retryAfterSeconds?: number };

type FailureReason = 'unknown_account' | 'locked' | 'disabled' | 'wrong_password';

/** Audits the start (or growth) of an account's sign-in delay. */
export async function auditAccountLocked(account: Pick<Account, 'username'>, details: { failedSignIns: number; lockedUntil: Date; via: string }, ip: string | null) {
  await recordAudit({
    actor: account.username,
    action: 'auth.account.locked',
    target: `account:${account.username}`,
    details: { failedSignIns: details.failedSignIns, lockedUntil: details.lockedUntil.toISOString(), via: details.via },
    ip,
  });
}

/**
 * Checks a local application account's password and opens a new session.
 * Every path does one scrypt verification so that response time does not reveal which
 * accounts exist. A client address gets a fixed number of attempts a minute (before any hash is
 * computed); failures are counted per account, and from the fifth on the account waits a
 * growing delay (lib/auth/lockout) against the addresses that failed at it.
 */
export async function signIn(input: SignInInput): Promise<SignInResult> {
  const now = input.now ?? new Date();
  const ip = input.ip ?? null;
  if (ip) {
    const limited = await hitRateLimit(RATE_LIMITS.signInPerAddress, ip);
    if (!limited.ok) return { ok: false, message: limited.message, retryAfterSeconds: limited.retryAfterSeconds };
  }
  const username = normalizeUsername(input.username).slice(0, 200);
  const account = username ? await prisma().account.findUnique({ where: { username } }) : null;
  const passwordOk = await verifyPassword(account?.passwordHash ?? (await decoyHash()), input.password);

  let reason: FailureReason | null = null;
  if (!account) reason = 'unknown_account';
  else if (isLocked(account.lockedUntil, now) && (await failedRecentlyFrom(account, ip, now))) reason = 'locked';
  else if (account.disabled) reason = 'disabled';
  else if (!passwordOk) reason = 'wrong_password';

  if (reason !== null || !account) {
    let lockedUntil: Date | null = null;
    if (account && reason === 'wrong_password') {
      const failure = await countFailure(account, now);
      lockedUntil = failure.lockedUntil;
      await markFailedSignIn(account.id, ip, now);
      if (lockedUntil) await auditAccountLocked(account, { failedSignIns: failure.failedSignIns, lockedUntil, via: 'sign-in' }, ip);
    }
    await recordAudit({
      actor: username || '(empty)',
      action: 'auth.sign_in.failed',
      target: account ? `account:${account.username}` : null,
      details: { reason, ...(lockedUntil ? { lockedUntil: lockedUntil.toISOString() } : {}) },
      ip: input.ip ?? null,
    });
    return { ok: false, message: SIGN_IN_FAILED_MESSAGE };
  }

  await prisma().account.update({
    where: { id: account.id },
    data: { failedSignIns: 0, lockedUntil: null, lastSignInAt: now },
  });
  await clearFailedSignIns(account.id, ip);
  await deleteSession(input.previousToken);
  const session = await createSession({ accountId: account.id, ip: input.ip, userAgent: input.userAgent, now });
  await recordAudit({
    actor: account.username,
    action: 'auth.sign_in',
    target: `account:${account.username}`,
    details: { role: account.role },
    ip: input.ip ?? null,
  });
  return { ok: true, ...session, account: { id: account.id, username: account.username, role: account.role, mustChangePassword: account.mustChangePassword } };
}

export async function signOut(input: { token: string | null | undefined; username?: string | null; ip?: string | null }): Promise<void> {
  await deleteSession(input.token);
  if (input.username) {
    await recordAudit({ actor: input.username, action: 'auth.sign_out', target: `account:${input.username}`, ip: input.ip ?? null });
  }
}
