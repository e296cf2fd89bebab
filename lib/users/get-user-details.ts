import type pg from 'pg';
import { pool } from '../db-pool';
import type { UserListItem } from './search-users';
import { usernameKey } from './username-key';
import type {
  CertificateState,
  CredentialState,
  CredentialType,
  RevocationReason,
  RunItemOutcome,
  RunStatus,
  RunTrigger,
} from '../generated/prisma/enums';

// Everything the operator's user page shows about one person: the user, each credential with
// its certificates, the roles, and the runs that changed (or failed to change) the user. Four
// indexed queries (username key, credentials.user_id, certificates.credential_id,
// batch_run_items.user_id, for the page only), run in parallel on the pool.

export type UserCertificate = {
  id: number;
  serial: string;
  subject: string;
  issuer: string | null;
  state: CertificateState;
  validFrom: Date | null;
  validTo: Date | null;
  revocationReason: RevocationReason | null;
  revokedAt: Date | null;
};

export type UserCredential = {
  id: number;
  type: CredentialType;
  state: CredentialState;
  label: string | null;
  updatedAt: Date;
  certificates: UserCertificate[];
};

export type UserRunChange = {
  itemId: string;
  runId: number;
  jobKey: string;
  processName: string;
  runStatus: RunStatus;
  trigger: RunTrigger;
  runStartedAt: Date | null;
  runFinishedAt: Date | null;
  outcome: RunItemOutcome;
  reason: string | null;
  changes: unknown;
};

/** A user as the users list shows it, with the directory entry it is linked to and what it holds. */
export type UserDetails = UserListItem & {
  ldapDn: string | null;
  ldapExternalId: string | null;
  createdAt: Date;
  updatedAt: Date;
  credentials: UserCredential[];
  roles: { id: number; name: string; description: string | null; assignedAt: Date }[];
  /** Newest first, at most RUN_CHANGES_LIMIT; dry runs changed nothing and are left out. Empty when not asked for. */
  runChanges: UserRunChange[];
};

export const RUN_CHANGES_LIMIT = 50;

export type GetUserDetailsOptions = {
  /** Case-insensitive, as usernames are everywhere in the Identity Manager. */
  username: string;
  /** Also the runs that changed the user (the user page; the API's representation has none). */
  withRunChanges?: boolean;
  db?: pg.Pool;
};

/** The user's page data, or null when no user has this username. */
export async function getUserDetails(options: GetUserDetailsOptions): Promise<UserDetails | null> {
  const db = options.db ?? pool();
  const { rows } = await db.query<Omit<UserDetails, 'credentials' | 'roles' | 'runChanges'>>(
    `SELECT id, username, username_key AS "usernameKey", display_name AS "displayName", given_name AS "givenName", surname,
       email, employee_number AS "employeeNumber", state, source, ldap_dn AS "ldapDn", ldap_external_id AS "ldapExternalId",
       last_synchronized_at AS "lastSynchronizedAt", created_at AS "createdAt", updated_at AS "updatedAt"
     FROM users WHERE username_key = $1`,
    [usernameKey(options.username)],
  );
  const user = rows[0];
  if (!user) return null;
  const [credentials, certificates, roles, runChanges] = await Promise.all([
    db.query<Omit<UserCredential, 'certificates'>>(
      `SELECT id, type, state, label, updated_at AS "updatedAt" FROM credentials WHERE user_id = $1 ORDER BY type, id`,
      [user.id],
    ),
    db.query<UserCertificate & { credentialId: number }>(
      `SELECT c.id, c.credential_id AS "credentialId", c.serial, c.subject, c.issuer, c.state, c.valid_from AS "validFrom",
         c.valid_to AS "validTo", c.revocation_reason AS "revocationReason", c.revoked_at AS "revokedAt"
       FROM certificates c JOIN credentials cr ON cr.id = c.credential_id WHERE cr.user_id = $1 ORDER BY c.id`,
      [user.id],
    ),
    db.query<UserDetails['roles'][number]>(
      `SELECT r.id, r.name, r.description, ur.assigned_at AS "assignedAt"
       FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = $1 ORDER BY r.name`,
      [user.id],
    ),
    options.withRunChanges === false
      ? { rows: [] }
      : db.query<UserRunChange>(
          `SELECT i.id::text AS "itemId", r.id AS "runId", r.job_key AS "jobKey", j.process_name AS "processName", r.status AS "runStatus",
             r.trigger, r.started_at AS "runStartedAt", r.finished_at AS "runFinishedAt", i.outcome, i.reason, i.changes
           FROM batch_run_items i JOIN batch_runs r ON r.id = i.run_id JOIN batch_jobs j ON j.key = r.job_key
           WHERE i.user_id = $1 AND i.outcome <> 'UNCHANGED' AND NOT r.dry_run
           ORDER BY r.id DESC, i.id DESC LIMIT ${RUN_CHANGES_LIMIT}`,
          [user.id],
        ),
  ]);
  const byCredential = new Map<number, UserCertificate[]>();
  for (const { credentialId, ...certificate } of certificates.rows) {
    const list = byCredential.get(credentialId);
    if (list) list.push(certificate);
    else byCredential.set(credentialId, [certificate]);
  }
  return {
    ...user,
    credentials: credentials.rows.map((c) => ({ ...c, certificates: byCredential.get(c.id) ?? [] })),
    roles: roles.rows,
    runChanges: runChanges.rows,
  };
}
