import { prisma } from '../db';

/** The accounts for the admin list: never the password hash. */
export async function listApplicationAccounts() {
  return prisma().account.findMany({
    orderBy: { username: 'asc' },
    select: { id: true, username: true, displayName: true, role: true, disabled: true, mustChangePassword: true, lockedUntil: true, failedSignIns: true, lastSignInAt: true, createdAt: true },
  });
}

export type ApplicationAccountSummary = Awaited<ReturnType<typeof listApplicationAccounts>>[number];
