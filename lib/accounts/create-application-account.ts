import { AccountExistsError, createAccount } from '../auth/accounts';
import { prisma, type AccountRole } from '../db';
import { auditAccountChange, type AccountActor } from './account-changes';

export { AccountExistsError };

export type CreateApplicationAccountOptions = {
  username: string;
  displayName?: string | null;
  /** Initial password, given to the person out of band; they must change it at first sign-in. */
  password: string;
  role: AccountRole;
  actor: AccountActor;
};

/** An administrator creates an account for a colleague; the first sign-in asks for a new password. */
export async function createApplicationAccount(options: CreateApplicationAccountOptions) {
  const account = await createAccount({ username: options.username, password: options.password, role: options.role, displayName: options.displayName ?? null });
  const created = await prisma().account.update({ where: { id: account.id }, data: { mustChangePassword: true } });
  await auditAccountChange({
    actor: options.actor.username,
    action: 'account.created',
    username: created.username,
    details: { role: created.role, displayName: created.displayName },
    ip: options.actor.ip,
  });
  return created;
}
