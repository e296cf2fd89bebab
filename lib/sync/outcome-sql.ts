import type { JobOutcome } from './outcome';

// The outcome table as SQL expressions, generated from the outcome's data (lib/sync/outcome.ts):
// the plan query asks "is this user's credential or certificate off its end state?" with them,
// and the write statement moves credentials and certificates with them, so both always agree.
// Only enum labels from the outcome's own constants are spliced into the text, never input.

type CredentialOutcomes = NonNullable<JobOutcome['credentials']>;

function byType(credentials: CredentialOutcomes, typeSql: string, pick: (o: CredentialOutcomes[keyof CredentialOutcomes]) => string, cast: string): string {
  const cases = Object.entries(credentials).map(([type, o]) => `WHEN '${type}' THEN '${pick(o)}'`);
  return `(CASE ${typeSql}::text ${cases.join(' ')} END)::"${cast}"`;
}

/** The end state of a credential of type `typeSql`. */
export function credentialTargetSql(credentials: CredentialOutcomes, typeSql: string): string {
  return byType(credentials, typeSql, (o) => o.credential, 'CredentialState');
}

/** The end state of the certificates of a credential of type `typeSql`. */
export function certificateTargetSql(credentials: CredentialOutcomes, typeSql: string): string {
  return byType(credentials, typeSql, (o) => o.certificate, 'CertificateState');
}

/**
 * True when a certificate in `stateSql` must move to `targetSql`. Revocation is final: a revoked
 * certificate never moves, a certificate on hold is not put on hold again, and only a valid one
 * is put on hold.
 */
export function certificateMovesSql(stateSql: string, targetSql: string): string {
  return `(${stateSql} <> 'REVOKED' AND ${stateSql} <> ${targetSql} AND (${targetSql} = 'REVOKED' OR (${targetSql} = 'ON_HOLD' AND ${stateSql} = 'VALID')))`;
}

/** The reason recorded with a certificate's move to `targetSql` (RFC 5280 CRLReason). */
export function revocationReasonSql(outcome: JobOutcome, targetSql: string): string {
  return `(CASE WHEN ${targetSql} = 'ON_HOLD' THEN 'certificateHold' ELSE '${outcome.revocationReason}' END)::"RevocationReason"`;
}
