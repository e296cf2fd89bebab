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
