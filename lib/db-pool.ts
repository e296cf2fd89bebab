import pg from 'pg';
import { config } from './config';

// One PostgreSQL pool per process. The worker and the sync CLI use it alone, in plain SQL; the web
// app's Prisma client (lib/db.ts) runs on the same pool through its driver adapter. Kept apart from
// Prisma on purpose: loading Prisma's query compiler (WebAssembly) costs a process ~70 MB of RSS,
// and the worker's bundle must not contain it (scripts/build-jobs.mjs refuses to build it then).
const globalForPool = globalThis as unknown as { idmPool?: pg.Pool };

export function pool(): pg.Pool {
  globalForPool.idmPool ??= listenedTo(new pg.Pool({ connectionString: config().DATABASE_URL, max: 10 }));
  return globalForPool.idmPool;
}

/** Ends the pool (the next pool() makes a new one). A process that also used Prisma calls disconnectDb (lib/db.ts) instead. */
export async function closePool(): Promise<void> {
  const { idmPool } = globalForPool;
  globalForPool.idmPool = undefined;
  await idmPool?.end();
}

/**
 * A PostgreSQL restart or a killed backend makes a connection emit 'error': on the pool while it
 * is idle, on the client itself while it is checked out (inside a page's transaction, say). An
 * 'error' event nobody listens to kills the process, so every client gets a listener. Nothing is
 * lost by listening: the query in flight fails with the same error and its caller retries (a
 * page), and the pool replaces the broken connection.
 */
function listenedTo(db: pg.Pool): pg.Pool {
  db.on('error', () => undefined);
  db.on('connect', (client) => client.on('error', () => undefined));
  return db;
}

/** Errors that mean the database is unavailable for now (restart, failover, dropped connection), not that a statement is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (/^08/.test(code) || ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/.test(message);
}

/** Runs `work` in one transaction on a client of the pool: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>, db: Pick<pg.Pool, 'connect'> = pool()): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
