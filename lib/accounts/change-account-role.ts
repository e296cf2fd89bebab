import type { AccountRole } from '../db';
import { AccountNotFoundError, assertNotLastAdministrator, auditAccountChange, changeAccount, type AccountActor } from './account-changes';

export type ChangeAccountRoleOptions = { accountId: number; role: AccountRole; actor: AccountActor };

/** Assigns ADMINISTRATOR or OPERATOR; demoting the last active administrator is refused. */
export async function changeAccountRole(options: ChangeAccountRoleOptions) {
  const result = await changeAccount(async (tx) => {
    const current = await tx.account.findUnique({ where: { id: options.accountId } });
    if (!current) throw new AccountNotFoundError(options.accountId);
    if (current.role === options.role) return null;
    if (options.role !== 'ADMINISTRATOR') await assertNotLastAdministrator(tx, current, 'demote');
    const account = await tx.account.update({ where: { id: current.id }, data: { role: options.role } });
    return { account, before: current.role };
  });
  if (!result) return { changed: false as const };
  await auditAccountChange({
    actor: options.actor.username,
    action: 'account.role.changed',
    username: result.account.username,
    details: { before: result.before, after: result.account.role },
    ip: options.actor.ip,
  });
  return { changed: true as const, account: result.account };
}
