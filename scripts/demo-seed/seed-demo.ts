import type { PrismaClient } from '@/lib/generated/prisma/client';
import { seedBatchJobs } from '@/lib/seed/batch-jobs';
import { ensureDemoAccounts, type DemoAccount } from './demo-accounts';
import { seedDemoIdentities, type DemoIdentitySummary, type DirectoryPerson } from './demo-identities';
import { seedLdapSettings, type DirectoryConnection } from '@/lib/seed/ldap-settings';

export type DemoSeedOptions = {
  /** Where the demo logins are kept (0600), e.g. .data/demo-accounts.json. */
  accountsFile: string;
  /** The directory the demo synchronizes with; omitted when an administrator configures it. */
  directory?: DirectoryConnection;
  /** People of the demo directory; omitted for a directory the demo did not create (no IdM people then). */
  people?: readonly DirectoryPerson[];
  encryptionKey?: Buffer;
};

export type DemoSeedResult = {
  batchJobsCreated: string[];
  accounts: DemoAccount[];
  identities: DemoIdentitySummary | undefined;
  ldapSettings: 'created' | 'updated' | 'kept' | 'not configured';
};

/** Everything `npm run demo` puts into the database; safe to run on every start. */
export async function seedDemo(db: PrismaClient, options: DemoSeedOptions): Promise<DemoSeedResult> {
  const { created } = await seedBatchJobs(db);
  const identities = options.people ? await seedDemoIdentities(db, { people: options.people }) : undefined;
  const ldapSettings = options.directory ? await seedLdapSettings(db, options.directory, options.encryptionKey) : 'not configured';
  const accounts = await ensureDemoAccounts(db, options.accountsFile);
  return { batchJobsCreated: created, accounts, identities, ldapSettings };
}
