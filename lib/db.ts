import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';
import { config } from './config';

// One pool per process, shared by Prisma (through the driver adapter) and by the
// set-based SQL of lib/sync, which talks to pg directly for text[] parameters.
const globalForDb = globalThis as unknown as { idmPool?: pg.Pool; idmPrisma?: PrismaClient };

export function pool(): pg.Pool {
  globalForDb.idmPool ??= listenedTo(new pg.Pool({ connectionString: config().DATABASE_URL, max: 10 }));
  return globalForDb.idmPool;
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

export function prisma(): PrismaClient {
  globalForDb.idmPrisma ??= new PrismaClient({ adapter: new PrismaPg(pool()) });
  return globalForDb.idmPrisma;
}

export async function disconnectDb(): Promise<void> {
  const { idmPrisma, idmPool } = globalForDb;
  globalForDb.idmPrisma = undefined;
  globalForDb.idmPool = undefined;
  await idmPrisma?.$disconnect();
  await idmPool?.end();
}

export * from './generated/prisma/client';
