import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { FullConfig } from '@playwright/test';
import { generatedInactiveCount, seedGeneratedIdentityManager, writeGeneratedLdif } from '@/scripts/generated-directory';
import { ROOT, startAuthTestEnvironment } from './support/app-server';
import { startE2eWorker } from './support/e2e-worker';

/** How many people the scenario's generated directory has (RESTORE_SCENARIO_PEOPLE, default 300). */
export function scenarioPeople(): number {
  const n = Number(process.env.RESTORE_SCENARIO_PEOPLE ?? 300);
  if (!Number.isInteger(n) || n < 10) throw new Error(`RESTORE_SCENARIO_PEOPLE must be a whole number of at least 10, not ${process.env.RESTORE_SCENARIO_PEOPLE}`);
  return n;
}

/**
 * The global setup of playwright.restore-scenario.config.ts: what e2e/global-setup.ts starts (private
 * PostgreSQL, Redis, slapd, the built app, the worker), with slapd loaded with the bench's generated
 * directory (scripts/generated-directory.ts: a fifth of the people locked) and the Identity Manager
 * seeded with every one of them, active, with credentials, certificates and two roles.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  process.env.APP_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
  const people = scenarioPeople();
  const ldifPath = path.join(ROOT, '.test-data', `restore-scenario-${process.pid}.ldif`);
  await writeGeneratedLdif(ldifPath, { people, inactiveShare: 0.2 });
  const env = await startAuthTestEnvironment({ name: 'e2e-restore-scenario', ldifPath }).finally(() => rmSync(ldifPath, { force: true }));
  try {
    const db = new pg.Client({ connectionString: env.services.databaseUrl });
    await db.connect();
    try {
      await seedGeneratedIdentityManager(db, people);
    } finally {
      await db.end();
    }
  } catch (error) {
    await env.stop();
    throw error;
  }
  process.env.RESTORE_SCENARIO_LOCKED = String(generatedInactiveCount({ people, inactiveShare: 0.2 }));
  return startE2eWorker(env);
}
