import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { deployMigrations } from '@/lib/migrations';
import { seedBatchJobs } from '@/lib/seed/batch-jobs';
import { freePort } from '@/scripts/services/ports';
import { startEmbeddedPostgres } from '@/scripts/services/postgres';
import { startRedis } from '@/scripts/services/redis';
import { startSlapd, type SlapdService } from '@/scripts/services/slapd';

// Private PostgreSQL, Redis and slapd for one integration test file: free loopback ports, data
// under .test-data/<name>-<pid>/ (removed on stop), migrations applied, batch jobs seeded.

export type TestServices = {
  databaseUrl: string;
  redisUrl: string;
  ldap: SlapdService;
  dataDir: string;
  /** Stops PostgreSQL, waits `downMs`, starts it again on the same data and port (a restart as an operator does one). */
  restartPostgres: (downMs?: number) => Promise<void>;
  stop: () => Promise<void>;
};

export type TestServicesOptions = {
  /** Names the data folder; use the test file's area, e.g. "sync". */
  name: string;
  /** Directory entries below dc=example,dc=com (LDIF). */
  ldif?: string;
  /** Like ldif, from a file (a large generated directory). */
  ldifPath?: string;
  baseDn?: string;
};

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export async function startTestServices(options: TestServicesOptions): Promise<TestServices> {
  const dataDir = path.join(ROOT, '.test-data', `${options.name}-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    // Reverse order of start; keep going when one fails so nothing is left running.
    const errors: unknown[] = [];
    for (const s of stops.reverse()) await s().catch((e: unknown) => errors.push(e));
    stops.length = 0;
    rmSync(dataDir, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  };
  try {
    const [pgPort, redisPort, ldapPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const startPostgres = () => startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: pgPort });
    // allSettled: when one fails, the others have finished starting and can be stopped.
    const started = await Promise.allSettled([
      startPostgres(),
      startRedis({ dataDir: path.join(dataDir, 'redis'), port: redisPort }),
      startSlapd({ dataDir: path.join(dataDir, 'slapd'), port: ldapPort, ldif: options.ldif, ldifPath: options.ldifPath, baseDn: options.baseDn }),
    ]);
    for (const s of started) if (s.status === 'fulfilled') stops.push(s.value.stop);
    const [postgres, redis, ldap] = [valueOf(started[0]), valueOf(started[1]), valueOf(started[2])];
    await deployMigrations(postgres.url);
    await withPrisma(postgres.url, seedBatchJobs);
    // The stop list keeps the first server's stop: a restarted server is stopped through `current`.
    let current = postgres;
    stops[0] = () => current.stop();
    const restartPostgres = async (downMs = 0) => {
      await current.stop();
      await new Promise((r) => setTimeout(r, downMs));
      current = await startPostgres();
    };
    return { databaseUrl: postgres.url, redisUrl: redis.url, ldap, dataDir, restartPostgres, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/** Runs `fn` with a Prisma client of its own on `databaseUrl`, disconnected afterwards. */
export async function withPrisma<T>(databaseUrl: string, fn: (db: PrismaClient) => Promise<T>): Promise<T> {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

// The Identity Manager's people and everything hanging off them, plus runs and audit; batch jobs,
// LDAP settings and application accounts stay (they are configuration, seeded once per file).
const IDENTITY_TABLES = ['certificates', 'credentials', 'user_roles', 'roles', 'users', 'batch_run_items', 'batch_runs', 'audit_events', 'notification_events', 'notification_deliveries'];

/** Empties the identity data between tests (ids restart), and releases jobs' active runs. */
export async function resetIdentityData(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('UPDATE batch_jobs SET active_run_id = NULL WHERE active_run_id IS NOT NULL');
    await client.query(`TRUNCATE ${IDENTITY_TABLES.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
