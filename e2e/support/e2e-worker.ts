import { startWorker } from '@/tests/integration/jobs-support';
import type { AuthTestEnvironment } from './app-server';

/**
 * The batch worker beside a started test environment (Start now runs nothing without it), and the
 * environment variables the specs read it from: URL, database, Redis, accounts, directory and the
 * worker's pid. Returns the teardown that stops the worker and the environment; on a worker that
 * does not start, stops both and throws.
 */
export async function startE2eWorker(env: AuthTestEnvironment): Promise<() => Promise<void>> {
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
