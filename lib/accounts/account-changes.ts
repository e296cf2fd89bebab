import { recordAudit } from '../audit/record-audit';
import { prisma, Prisma, type AccountRole } from '../db';

// Shared by the application-account use cases: the last-administrator rule and the audit event.

export class LastAdministratorError extends Error {
  constructor(what: string) {
    super(`You cannot ${what} the last active administrator: nobody could administer the Identity Manager afterwards. Give another account the Administrator role first.`);
    this.name = 'LastAdministratorError';
  }
}

export class AccountNotFoundError extends Error {
  constructor(id: number) {
    super(`There is no application account #${id}.`);
    this.name = 'AccountNotFoundError';
  }
}

type Tx = Prisma.TransactionClient;

/**
 * Runs a change of one account in a transaction that holds an advisory lock for account
 * administration: two administrators disabling each other at the same moment are serialised,
 * so the "at least one active administrator" check cannot be passed by both.
 */
export async function changeAccount<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return prisma().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('idm.accounts'))`;
    return fn(tx);
  });
}

/** Throws when the account is the only enabled administrator left. */
export async function assertNotLastAdministrator(tx: Tx, account: { id: number; role: AccountRole; disabled: boolean }, what: string): Promise<void> {
  if (account.role !== 'ADMINISTRATOR' || account.disabled) return;
  const others = await tx.account.count({ where: { role: 'ADMINISTRATOR', disabled: false, id: { not: account.id } } });
  if (others === 0) throw new LastAdministratorError(what);
}

export async function auditAccountChange(event: { actor: string; action: string; username: string; details: Prisma.InputJsonValue; ip?: string | null }): Promise<void> {
  await recordAudit({ actor: event.actor, action: event.action, target: `account:${event.username}`, details: event.details, ip: event.ip ?? null });
}

export type AccountActor = { username: string; ip?: string | null };
