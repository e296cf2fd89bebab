import type { PrismaClient } from '../generated/prisma/client';
import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS, type JobOptionsInput, type SyncJobKey } from '../sync/job-options';

export { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS };

// The two batch jobs of the design brief. They exist in every installation (production too), so
// this seed runs on every start. It never touches what an administrator configures (expression,
// time zone, paused, options): only the vendor's fixed identifiers are kept current.

export type BatchJobDefinition = {
  key: SyncJobKey;
  processName: string;
  /** As documented by the vendor, kept verbatim although the two look swapped. */
  symbolicName: string;
  description: string;
  /** Defaults for a new installation (OpenLDAP password-policy preset); lib/sync/job-options validates and completes them. */
  options: JobOptionsInput;
};

export const BATCH_JOBS: readonly BatchJobDefinition[] = [
  {
    key: INACTIVE_LDAP_USERS,
    processName: 'Synchronize inactive LDAP Users to Identity Manager',
    symbolicName: 'UsersAddonLDAPBatchSyncSynchronizeActiveLDAPUsersToIDMUsers',
    description:
      'Synchronizes inactive users via the LDAP connection to Identity Manager: creates missing users, sets every ' +
      'matched user inactive, sets their credentials inactive (temporary cards locked) and their certificates on ' +
      'hold (temporary cards: revoked), keeps the user-credential relations and withdraws all roles.',
    options: { filterPreset: 'openldap-ppolicy', filter: '(&(objectClass=inetOrgPerson)(pwdAccountLockedTime=*))' },
  },
  {
    key: ACTIVE_LDAP_USERS,
    processName: 'Synchronize active LDAP Users to Identity Manager',
    symbolicName: 'LDAPAddonBatchSyncSynchronizeInactiveLDAPUsersToIDMUsers',
    description:
      'Synchronizes active users via the LDAP connection to Identity Manager: creates missing users and updates ' +
      'existing ones with the mapped attributes, end state active. Credentials, certificates and roles are not changed.',
    options: { filterPreset: 'openldap-ppolicy', filter: '(&(objectClass=inetOrgPerson)(!(pwdAccountLockedTime=*)))' },
  },
];

/** Creates the batch jobs that are missing (no expression: run by hand until an administrator schedules them); idempotent. */
export async function seedBatchJobs(db: PrismaClient): Promise<{ created: string[] }> {
  const existing = await db.batchJob.findMany({ select: { key: true } });
  const have = new Set(existing.map((j) => j.key));
  await db.batchJob.createMany({
    data: BATCH_JOBS.map((job) => ({
      key: job.key,
      processName: job.processName,
      symbolicName: job.symbolicName,
      description: job.description,
      cronExpression: null,
      options: job.options,
    })),
    skipDuplicates: true,
  });
  // A later release may correct a process name or description; identifiers are never renamed by hand.
  for (const job of BATCH_JOBS) {
    if (!have.has(job.key)) continue;
    await db.batchJob.updateMany({
      where: {
        key: job.key,
        OR: [
          { processName: { not: job.processName } },
          { symbolicName: { not: job.symbolicName } },
          { description: { not: job.description } },
        ],
      },
      data: { processName: job.processName, symbolicName: job.symbolicName, description: job.description },
    });
  }
  return { created: BATCH_JOBS.map((j) => j.key).filter((k) => !have.has(k)) };
}
