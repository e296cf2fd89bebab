import type { AccountRole } from '@/lib/generated/prisma/enums';

export type { AccountRole };

/** The two faces of the product and the role each one requires. */
export const ROLE_LABELS: Record<AccountRole, string> = {
  ADMINISTRATOR: 'Administrator',
  OPERATOR: 'Operator',
};

/**
 * An administrator may do everything an operator may (the vendor's Admin users also open
 * Identity Manager Operator); an operator never gets administrator rights.
 */
export function roleAllows(held: AccountRole, required: AccountRole): boolean {
  return held === 'ADMINISTRATOR' || held === required;
}

/** Where a freshly signed-in account lands. */
export function homePathFor(role: AccountRole): string {
  return role === 'ADMINISTRATOR' ? '/admin' : '/operator';
}

/** The page where a signed-in person chooses a new password (and must, when an administrator asked). */
export const PASSWORD_CHANGE_PATH = '/account/password';

/** What route handlers and the API answer (403) to a session whose account must change its password. */
export const PASSWORD_CHANGE_REQUIRED_MESSAGE = `Your account must change its password before anything else: open ${PASSWORD_CHANGE_PATH} in the browser.`;

/**
 * Where a signed-in account belongs now: its home, unless it has to change its password first.
 */
export function landingPathFor(account: { role: AccountRole; mustChangePassword: boolean }): string {
  return account.mustChangePassword ? PASSWORD_CHANGE_PATH : homePathFor(account.role);
}
