import { randomBytes } from 'node:crypto';
import type { FullConfig } from '@playwright/test';
import { startWorker } from '@/tests/integration/jobs-support';
import { startAuthTestEnvironment } from './support/app-server';

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
  const worker = startWorker({ DATABASE_URL: env.services.databaseUrl, REDIS_URL: env.services.redisUrl, NODE_ENV: 'production' });
  try {
    await worker.waitForLine(/started: queue/);
  } catch (error) {
    await worker.stop('SIGKILL');
    await env.stop();
    throw error;
  }
  process.env.E2E_BASE_URL = env.baseUrl;
  process.env.E2E_DATABASE_URL = env.services.databaseUrl;
  process.env.E2E_REDIS_URL = env.services.redisUrl;
  process.env.E2E_ACCOUNTS = JSON.stringify(env.accounts);
  const { url, baseDn, adminDn, adminPassword, syncDn, syncPassword } = env.services.ldap;
  process.env.E2E_LDAP = JSON.stringify({ url, baseDn, adminDn, adminPassword, syncDn, syncPassword });
  process.env.E2E_WORKER_PID = String(worker.child.pid);
  return async () => {
    // SIGCONT first: a test that froze the worker and failed must not leave it unkillable by SIGTERM.
    try {
      process.kill(worker.child.pid!, 'SIGCONT');
    } catch {
      /* already gone */
    }
    await worker.stop();
    await env.stop();
  };
}
