import type { AccountRole } from '../generated/prisma/enums';
import { ROLE_LABELS, roleAllows } from '../auth/roles';

// Whether an API token acts, and why not: one answer for the API's authentication (which says
// only 401) and for the API tokens page (which says why, so an administrator understands the 401).

export type ApiTokenCreator = { username: string; disabled: boolean; role: AccountRole } | null;

export type ApiTokenStatus =
  | { status: 'active' }
  | { status: 'revoked' }
  | { status: 'expired' }
  /** Not revoked nor expired, yet refused: its creator can no longer grant it. */
  | { status: 'inactive'; reason: 'creator_deleted' | 'creator_disabled' | 'creator_lacks_role'; explanation: string };

export function apiTokenStatus(token: { role: AccountRole; revokedAt: Date | null; expiresAt: Date | null }, creator: ApiTokenCreator, now: Date): ApiTokenStatus {
  if (token.revokedAt) return { status: 'revoked' };
  if (token.expiresAt && token.expiresAt <= now) return { status: 'expired' };
  if (!creator) return { status: 'inactive', reason: 'creator_deleted', explanation: 'The account that created it no longer exists. Create a new token.' };
  if (creator.disabled) {
    return { status: 'inactive', reason: 'creator_disabled', explanation: `Its creator ${creator.username} is disabled; it acts again if that account is enabled. Or create a new token.` };
  }
  if (!roleAllows(creator.role, token.role)) {
    return {
      status: 'inactive',
      reason: 'creator_lacks_role',
      explanation: `Its creator ${creator.username} is no longer an ${ROLE_LABELS[token.role]}; it acts again if the role is given back. Or create a new token.`,
    };
  }
  return { status: 'active' };
}
