import { prisma, type Account } from '@/lib/db';
import { failureCountAfter, lockAfterFailure } from './lockout';

/**
 * Records one wrong password of an account (at sign-in, or as the current password of a password
 * change) and returns the count and the delay it leads to, if any. The count is taken with a conditional update
 * so that parallel guesses cannot slip past the limit by reading the same old count.
 */
export async function countFailure(account: Account, now: Date): Promise<{ failedSignIns: number; lockedUntil: Date | null }> {
  const failedSignIns = failureCountAfter(account.failedSignIns, account.lockedUntil, now);
  const lockedUntil = lockAfterFailure(failedSignIns, now);
  const { count } = await prisma().account.updateMany({
    where: { id: account.id, failedSignIns: account.failedSignIns },
    data: { failedSignIns, lockedUntil },
  });
  if (count === 0) {
    // Someone else counted a failure meanwhile: add ours on top of theirs.
    const fresh = await prisma().account.update({
      where: { id: account.id },
      data: { failedSignIns: { increment: 1 } },
    });
    const lock = lockAfterFailure(fresh.failedSignIns, now);
    if (lock) await prisma().account.update({ where: { id: account.id }, data: { lockedUntil: lock } });
    return { failedSignIns: fresh.failedSignIns, lockedUntil: lock };
  }
  return { failedSignIns, lockedUntil };
}
