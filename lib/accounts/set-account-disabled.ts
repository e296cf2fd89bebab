import { AccountNotFoundError, assertNotLastAdministrator, auditAccountChange, changeAccount, type AccountActor } from './account-changes';

export type SetAccountDisabledOptions = { accountId: number; disabled: boolean; actor: AccountActor };

/**
 * Disables (or enables again) an application account. Disabling ends its sessions at once and
 * is refused for the last active administrator.
 */
export async function setAccountDisabled(options: SetAccountDisabledOptions) {
  const account = await changeAccount(async (tx) => {
    const current = await tx.account.findUnique({ where: { id: options.accountId } });
    if (!current) throw new AccountNotFoundError(options.accountId);
    if (current.disabled === options.disabled) return null;
    if (options.disabled) await assertNotLastAdministrator(tx, current, 'disable');
    const updated = await tx.account.update({ where: { id: current.id }, data: { disabled: options.disabled } });
    if (options.disabled) await tx.session.deleteMany({ where: { accountId: current.id } });
    return updated;
  });
  if (!account) return { changed: false as const };
  await auditAccountChange({
    actor: options.actor.username,
    action: options.disabled ? 'account.disabled' : 'account.enabled',
    username: account.username,
    details: { role: account.role },
    ip: options.actor.ip,
  });
  return { changed: true as const, account };
}
