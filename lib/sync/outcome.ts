import type { CertificateState, CredentialState, CredentialType, RevocationReason, UserState } from '../generated/prisma/enums';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS, type SyncJobKey } from './job-options';

/** End states of one credential type and of its certificates. */
export type CredentialOutcome = { credential: CredentialState; certificate: CertificateState };

/** What a job does to every person its filter matches: the outcome table of the design brief, as data. */
export type JobOutcome = {
  jobKey: SyncJobKey;
  userState: UserState;
  /** null: credentials and certificates are left alone. */
  credentials: Record<CredentialType, CredentialOutcome> | null;
  withdrawRoles: boolean;
  /** Recorded on certificates this job revokes (RFC 5280 CRLReason). */
  revocationReason: RevocationReason;
};

export const INACTIVE_OUTCOME: JobOutcome = {
  jobKey: INACTIVE_LDAP_USERS,
  userState: 'INACTIVE',
  credentials: {
    CARD: { credential: 'INACTIVE', certificate: 'ON_HOLD' },
    TEMPORARY_CARD: { credential: 'LOCKED', certificate: 'REVOKED' },
    VIRTUAL_SMART_CARD: { credential: 'INACTIVE', certificate: 'ON_HOLD' },
    MOBILE_ID: { credential: 'INACTIVE', certificate: 'ON_HOLD' },
    SOFT_TOKEN: { credential: 'INACTIVE', certificate: 'ON_HOLD' },
  },
  withdrawRoles: true,
  // The holder left (or was deactivated): the certificate is no longer needed.
  revocationReason: 'cessationOfOperation',
};

/**
 * The sibling job only (re)activates the person and refreshes their attributes: a reactivated
 * person gets new credentials through the usual issuance processes.
 */
export const ACTIVE_OUTCOME: JobOutcome = {
  jobKey: ACTIVE_LDAP_USERS,
  userState: 'ACTIVE',
  credentials: null,
  withdrawRoles: false,
  revocationReason: 'unspecified',
};

export function outcomeOf(jobKey: SyncJobKey): JobOutcome {
  return jobKey === INACTIVE_LDAP_USERS ? INACTIVE_OUTCOME : ACTIVE_OUTCOME;
}
