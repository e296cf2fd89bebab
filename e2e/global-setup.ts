import { randomBytes } from 'node:crypto';
import type { FullConfig } from '@playwright/test';
import { startAuthTestEnvironment } from './support/app-server';
import { startE2eWorker } from './support/e2e-worker';

/**
 * Private PostgreSQL, Redis and slapd, migrations, the demo's two accounts, a fresh build and
 * `next start`, and the batch worker (Start now runs nothing without it); the returned function
 * stops all of it after the last test. Tests read the URL, the accounts, the directory and the
 * worker's pid from the environment variables set here.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  // One key for the app, the worker and the tests that store the LDAP bind password.
  process.env.APP_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
  const env = await startAuthTestEnvironment({ name: 'e2e' });
  return startE2eWorker(env);
}
