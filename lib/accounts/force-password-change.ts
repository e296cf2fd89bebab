import { AccountNotFoundError, auditAccountChange, changeAccount, type AccountActor } from './account-changes';

export type ForcePasswordChangeOptions = { accountId: number; actor: AccountActor };

/**
 * Makes the account choose a new password at its next sign-in. Its sessions end now, so the
 * demand cannot be sidestepped by a browser that is already signed in.
 */
export async function forcePasswordChange(options: ForcePasswordChangeOptions) {
  const account = await changeAccount(async (tx) => {
    const current = await tx.account.findUnique({ where: { id: options.accountId } });
    if (!current) throw new AccountNotFoundError(options.accountId);
    const updated = await tx.account.update({ where: { id: current.id }, data: { mustChangePassword: true } });
    await tx.session.deleteMany({ where: { accountId: current.id } });
    return updated;
  });
  await auditAccountChange({
    actor: options.actor.username,
    action: 'account.password_change_forced',
    username: account.username,
    details: { role: account.role },
    ip: options.actor.ip,
  });
  return account;
}
