import { statSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '@/lib/auth/password';
import { decryptSecret, generateEncryptionKey, parseEncryptionKey } from '@/lib/crypto';
import type { PrismaClient } from '@/lib/generated/prisma/client';
import { BATCH_JOBS, seedBatchJobs } from '@/lib/seed/batch-jobs';
import { seedDemo, type DemoSeedResult } from '@/scripts/demo-seed/seed-demo';
import { resolveJobOptions } from '@/lib/sync/job-options';
import { demoPeople, toLdif } from '@/scripts/demo-data';
import { resetIdentityData, startTestServices, withPrisma, type TestServices } from '@/tests/setup/services';

const people = demoPeople();
const key = parseEncryptionKey(generateEncryptionKey());
let services: TestServices;
let first: DemoSeedResult;

async function directoryUuids(): Promise<Map<string, string>> {
  const client = new Client({ url: services.ldap.url });
  try {
    await client.bind(services.ldap.syncDn, services.ldap.syncPassword);
    const { searchEntries } = await client.search(services.ldap.baseDn, {
      scope: 'sub',
      filter: '(objectClass=inetOrgPerson)',
      attributes: ['uid', 'entryUUID'],
      paged: { pageSize: 100 },
    });
    return new Map(searchEntries.map((e) => [String(e.uid).toLowerCase(), String(e.entryUUID)]));
  } finally {
    await client.unbind();
  }
}

function seed(db: PrismaClient): Promise<DemoSeedResult> {
  const { ldap } = services;
  return seedDemo(db, {
    accountsFile: path.join(services.dataDir, 'demo-accounts.json'),
    directory: { url: ldap.url, bindDn: ldap.syncDn, bindPassword: ldap.syncPassword, baseDn: ldap.baseDn },
    people,
    encryptionKey: key,
  });
}

beforeAll(async () => {
  services = await startTestServices({ name: 'demo-seed', ldif: toLdif(people) });
  first = await withPrisma(services.databaseUrl, seed);
});

afterAll(async () => {
  await services?.stop();
});

describe('seed', () => {
  it('creates both batch jobs with the documented names, without an expression and not paused (an expression saved schedules them)', async () => {
    const jobs = await withPrisma(services.databaseUrl, (db) => db.batchJob.findMany({ orderBy: { key: 'asc' } }));
    expect(jobs.map((j) => [j.key, j.processName, j.symbolicName])).toEqual([
      ['active-ldap-users', 'Synchronize active LDAP Users to Identity Manager', 'LDAPAddonBatchSyncSynchronizeInactiveLDAPUsersToIDMUsers'],
      ['inactive-ldap-users', 'Synchronize inactive LDAP Users to Identity Manager', 'UsersAddonLDAPBatchSyncSynchronizeActiveLDAPUsersToIDMUsers'],
    ]);
    for (const job of jobs) {
      expect(job.paused).toBe(false);
      expect(job.cronExpression).toBeNull();
    }
    // The OpenLDAP password-policy preset; the engine turns it into the job's filter.
    expect(jobs.find((j) => j.key === 'inactive-ldap-users')?.options).toMatchObject({ filterPreset: 'openldap-ppolicy' });
    expect(resolveJobOptions('inactive-ldap-users', jobs.find((j) => j.key === 'inactive-ldap-users')?.options).filter).toContain('(pwdAccountLockedTime=*)');
  });

  it('seeds Identity Manager users that match the directory people, some missing, a few already inactive', async () => {
    const uuids = await directoryUuids();
    expect(uuids.size).toBe(people.length);
    const users = await withPrisma(services.databaseUrl, (db) => db.user.findMany());
    const byUid = new Map(people.map((p) => [p.uid.toLowerCase(), p]));
    expect(users.length).toBe(first.identities?.users);
    expect(users.length).toBeGreaterThan(people.length * 0.8);
    expect(users.length).toBeLessThan(people.length);
    for (const user of users) {
      const person = byUid.get(user.usernameKey);
      expect(person, user.username).toBeDefined();
      expect(user.email).toBe(person?.mail);
      // Linked users carry the entryUUID slapd actually holds.
      if (user.ldapExternalId) expect(user.ldapExternalId).toBe(uuids.get(user.usernameKey));
      if (user.state === 'INACTIVE') expect(person?.active).toBe(false);
    }
    expect(users.filter((u) => u.ldapExternalId === null).length).toBeGreaterThan(0);
    expect(users.some((u) => u.displayName === 'Åsa Öberg')).toBe(true);
    expect(users.some((u) => u.usernameKey === 'zlindqvist')).toBe(false);
    const inactive = users.filter((u) => u.state === 'INACTIVE');
    expect(inactive.length).toBeGreaterThan(0);
    expect(inactive.length).toBeLessThan(people.filter((p) => !p.active).length);
  });

  it('gives every user 2-3 credentials over all five types, 1-2 certificates each, some revoked, and roles', async () => {
    const users = await withPrisma(services.databaseUrl, (db) =>
      db.user.findMany({ include: { credentials: { include: { certificates: true } }, roles: true } }),
    );
    const credentials = users.flatMap((u) => u.credentials);
    expect(new Set(credentials.map((c) => c.type))).toEqual(new Set(['CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN']));
    const certificates = credentials.flatMap((c) => c.certificates);
    expect(certificates.every((c) => c.subject.startsWith('CN='))).toBe(true);
    expect(certificates.filter((c) => c.state === 'REVOKED' && c.revokedAt && c.revocationReason).length).toBeGreaterThan(0);
    for (const user of users) {
      expect(user.credentials.length).toBeGreaterThanOrEqual(2);
      expect(user.credentials.length).toBeLessThanOrEqual(3);
      for (const c of user.credentials) expect([1, 2]).toContain(c.certificates.length);
      if (user.state === 'ACTIVE') {
        expect(user.roles).toHaveLength(2);
        expect(user.credentials.every((c) => c.state === 'ACTIVE')).toBe(true);
      } else {
        // Already synchronized inactive: exactly the outcome table's end state, roles withdrawn.
        expect(user.roles).toHaveLength(0);
        for (const c of user.credentials) {
          const temporary = c.type === 'TEMPORARY_CARD';
          expect(c.state).toBe(temporary ? 'LOCKED' : 'INACTIVE');
          for (const cert of c.certificates) expect(cert.state).toBe(temporary ? 'REVOKED' : 'ON_HOLD');
        }
      }
    }
    expect(first.identities).toMatchObject({ seeded: true, credentials: credentials.length, certificates: certificates.length });
  });

  it('creates the two demo logins, kept in a 0600 file, and the LDAP settings with an encrypted bind password', async () => {
    const file = path.join(services.dataDir, 'demo-accounts.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const accounts = await withPrisma(services.databaseUrl, (db) => db.account.findMany({ orderBy: { username: 'asc' } }));
    expect(accounts.map((a) => [a.username, a.role])).toEqual([['admin', 'ADMINISTRATOR'], ['operator', 'OPERATOR']]);
    for (const account of accounts) {
      const password = first.accounts.find((a) => a.username === account.username)?.password ?? '';
      expect(password.length).toBeGreaterThanOrEqual(12);
      expect(account.passwordHash).not.toContain(password);
      expect(await verifyPassword(account.passwordHash, password)).toBe(true);
    }
    const settings = await withPrisma(services.databaseUrl, (db) => db.ldapSettings.findUniqueOrThrow({ where: { id: 1 } }));
    expect(settings).toMatchObject({ urls: [services.ldap.url], bindDn: services.ldap.syncDn, baseDn: 'dc=example,dc=com' });
    expect(settings.bindPasswordEncrypted).not.toContain(services.ldap.syncPassword);
    expect(decryptSecret(settings.bindPasswordEncrypted ?? '', key)).toBe(services.ldap.syncPassword);
  });

  it('is idempotent: a second seed keeps data, logins and what an administrator configured', async () => {
    const counts = (db: PrismaClient) =>
      Promise.all([db.user.count(), db.credential.count(), db.certificate.count(), db.userRole.count(), db.role.count(), db.batchJob.count(), db.account.count()]);
    const before = await withPrisma(services.databaseUrl, async (db) => {
      await db.batchJob.update({ where: { key: 'inactive-ldap-users' }, data: { cronExpression: '0 2 * * *', paused: false } });
      return counts(db);
    });
    const second = await withPrisma(services.databaseUrl, seed);
    const after = await withPrisma(services.databaseUrl, counts);
    expect(after).toEqual(before);
    expect(second.identities?.seeded).toBe(false);
    expect(second.batchJobsCreated).toEqual([]);
    expect(second.ldapSettings).toBe('kept');
    expect(second.accounts).toEqual(first.accounts);
    const job = await withPrisma(services.databaseUrl, (db) => db.batchJob.findUniqueOrThrow({ where: { key: 'inactive-ldap-users' } }));
    expect(job).toMatchObject({ cronExpression: '0 2 * * *', paused: false, processName: BATCH_JOBS[0]?.processName });
  });

  it('resetIdentityData empties the identity tables and keeps the configuration', async () => {
    await resetIdentityData(services.databaseUrl);
    const [users, credentials, jobs, accounts] = await withPrisma(services.databaseUrl, (db) =>
      Promise.all([db.user.count(), db.credential.count(), db.batchJob.count(), db.account.count()]),
    );
    expect([users, credentials]).toEqual([0, 0]);
    expect([jobs, accounts]).toEqual([2, 2]);
    expect((await withPrisma(services.databaseUrl, seedBatchJobs)).created).toEqual([]);
  });
});
