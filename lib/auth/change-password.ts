import { recordAudit } from '@/lib/audit/record-audit';
import { prisma } from '@/lib/db';
import { newPasswordSchema } from './accounts';
import { passwordWeakness } from './password-rule';
import { auditAccountLocked } from './sign-in';
import { markFailedSignIn } from './sign-in-throttle';
import { countFailure } from './count-failure';
import { isLocked } from './lockout';
import { hashPassword, verifyPassword } from './password';
import { createSession } from './sessions';

export type ChangePasswordOptions = {
  accountId: number;
  currentPassword: string;
  newPassword: string;
  ip?: string | null;
  userAgent?: string | null;
  now?: Date;
};

export type ChangePasswordResult =
  | { ok: true; token: string; expiresAt: Date }
  | { ok: false; field: 'currentPassword' | 'newPassword'; message: string };

export const WRONG_CURRENT_PASSWORD_MESSAGE = 'The current password is not correct.';
export const LOCKED_MESSAGE = 'Too many wrong passwords: the account is locked for a few minutes. Try again later or ask an administrator.';

/**
 * A signed-in person replaces their own password. The current one is asked again so that a
 * browser left signed in cannot be used to take the account over. Every session of the account
 * ends (a password change is also what one does after a suspected leak) and a fresh one is
 * returned for this browser; the demand of an administrator to change it is met. A wrong current
 * password counts towards the account's lock as a failed sign-in does, so a session cannot be
 * used to guess it.
 * The passwords themselves are never logged or audited.
 */
export async function changePassword(options: ChangePasswordOptions): Promise<ChangePasswordResult> {
  const now = options.now ?? new Date();
  const account = await prisma().account.findUnique({ where: { id: options.accountId } });
  if (!account || account.disabled) return { ok: false, field: 'currentPassword', message: WRONG_CURRENT_PASSWORD_MESSAGE };
  if (isLocked(account.lockedUntil, now)) return { ok: false, field: 'currentPassword', message: LOCKED_MESSAGE };
  if (!(await verifyPassword(account.passwordHash, options.currentPassword))) {
    const { failedSignIns, lockedUntil } = await countFailure(account, now);
    // A guess made with a session counts against the address it came from, as at sign-in.
    await markFailedSignIn(account.id, options.ip ?? null, now);
    if (lockedUntil) await auditAccountLocked(account, { failedSignIns, lockedUntil, via: 'password-change' }, options.ip ?? null);
    await recordAudit({
      actor: account.username,
      action: 'auth.password_change.failed',
      target: `account:${account.username}`,
      details: { reason: 'wrong_current_password', ...(lockedUntil ? { lockedUntil: lockedUntil.toISOString() } : {}) },
      ip: options.ip ?? null,
    });
    return { ok: false, field: 'currentPassword', message: lockedUntil ? LOCKED_MESSAGE : WRONG_CURRENT_PASSWORD_MESSAGE };
  }
  const parsed = newPasswordSchema.safeParse(options.newPassword);
  if (!parsed.success) return { ok: false, field: 'newPassword', message: parsed.error.issues[0]?.message ?? 'Choose another password.' };
  const weakness = passwordWeakness(parsed.data, [account.username, account.displayName]);
  if (weakness) return { ok: false, field: 'newPassword', message: weakness };
  if (options.newPassword === options.currentPassword) {
    return { ok: false, field: 'newPassword', message: 'Choose a password different from the current one.' };
  }

  const passwordHash = await hashPassword(parsed.data);
  const forced = account.mustChangePassword;
  await prisma().$transaction([
    prisma().account.update({ where: { id: account.id }, data: { passwordHash, mustChangePassword: false, failedSignIns: 0, lockedUntil: null } }),
    prisma().session.deleteMany({ where: { accountId: account.id } }),
  ]);
  const session = await createSession({ accountId: account.id, ip: options.ip, userAgent: options.userAgent, now });
  await recordAudit({
    actor: account.username,
    action: 'auth.password_changed',
    target: `account:${account.username}`,
    details: { forced },
    ip: options.ip ?? null,
  });
  return { ok: true, ...session };
}
