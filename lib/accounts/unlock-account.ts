import { clearFailedSignIns } from '../auth/sign-in-throttle';
import { prisma } from '../db';
import { AccountNotFoundError, auditAccountChange, type AccountActor } from './account-changes';

export type UnlockAccountOptions = { accountId: number; actor: AccountActor; now?: Date };

/**
 * An administrator ends an account's sign-in delay and forgets its failed sign-ins (count and
 * the addresses they came from), e.g. after its owner mistyped their password too often.
 * Audited, with what was cleared.
 */
export async function unlockAccount(options: UnlockAccountOptions) {
  const now = options.now ?? new Date();
  const before = await prisma().account.findUnique({ where: { id: options.accountId } });
  if (!before) throw new AccountNotFoundError(options.accountId);
  const account = await prisma().account.update({ where: { id: before.id }, data: { failedSignIns: 0, lockedUntil: null } });
  await clearFailedSignIns(account.id);
  const wasLocked = before.lockedUntil !== null && before.lockedUntil > now;
  await auditAccountChange({
    actor: options.actor.username,
    action: 'account.unlocked',
    username: account.username,
    details: { wasLocked, failedSignIns: before.failedSignIns, lockedUntil: before.lockedUntil?.toISOString() ?? null },
    ip: options.actor.ip,
  });
  return { account, wasLocked };
}
