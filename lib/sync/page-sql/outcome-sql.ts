import sql, { join, raw, type Sql } from 'sql-template-tag';
import type { JobOutcome } from '../outcome';
import { label } from './prepared-statement';

// The outcome table as SQL expressions, generated from the outcome's data (lib/sync/outcome.ts):
// the plan query asks "is this user's credential or certificate off its end state?" with them,
// and the write statement moves credentials and certificates with them, so both always agree.
// Only enum labels from the outcome's own constants become text, never input.

type CredentialOutcomes = NonNullable<JobOutcome['credentials']>;

function byType(credentials: CredentialOutcomes, type: Sql, pick: (o: CredentialOutcomes[keyof CredentialOutcomes]) => string, cast: string): Sql {
  const cases = Object.entries(credentials).map(([t, o]) => sql`WHEN ${label(t)} THEN ${label(pick(o))}`);
  return sql`(CASE ${type}::text ${join(cases, ' ')} END)::${raw(`"${cast}"`)}`;
}

/** The end state of a credential of type `type`. */
export function credentialTarget(credentials: CredentialOutcomes, type: Sql): Sql {
  return byType(credentials, type, (o) => o.credential, 'CredentialState');
}

/** The end state of the certificates of a credential of type `type`. */
export function certificateTarget(credentials: CredentialOutcomes, type: Sql): Sql {
  return byType(credentials, type, (o) => o.certificate, 'CertificateState');
}

/**
 * True when a certificate in `state` must move to `target`. Revocation is final: a revoked
 * certificate never moves, a certificate on hold is not put on hold again, and only a valid one
 * is put on hold.
 */
export function certificateMoves(state: Sql, target: Sql): Sql {
  return sql`(${state} <> 'REVOKED' AND ${state} <> ${target} AND (${target} = 'REVOKED' OR (${target} = 'ON_HOLD' AND ${state} = 'VALID')))`;
}

/** The reason recorded with a certificate's move to `target` (RFC 5280 CRLReason). */
export function revocationReason(outcome: JobOutcome, target: Sql): Sql {
  return sql`(CASE WHEN ${target} = 'ON_HOLD' THEN 'certificateHold' ELSE ${label(outcome.revocationReason)} END)::"RevocationReason"`;
}
