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

const UNAVAILABLE_CODES = ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'];
// Prisma's names for the same: can't reach, timed out, connection closed; and its driver adapter's error kinds.
const PRISMA_UNAVAILABLE_CODES = ['P1001', 'P1002', 'P1017'];
const ADAPTER_UNAVAILABLE_KINDS = ['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections'];

/** Errors that mean the database is unavailable for now (restart, failover, dropped connection), not that a statement is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (/^08/.test(code) || UNAVAILABLE_CODES.includes(code) || PRISMA_UNAVAILABLE_CODES.includes(code))) return true;
  // Through Prisma: the driver adapter's error, on the client error's meta or as its own cause.
  const adapter = (error as { meta?: { driverAdapterError?: { cause?: unknown } }; cause?: unknown })?.meta?.driverAdapterError?.cause
    ?? (error as { name?: unknown; cause?: unknown })?.cause;
  const kind = (adapter as { kind?: unknown } | undefined)?.kind;
  if (typeof kind === 'string' && ADAPTER_UNAVAILABLE_KINDS.includes(kind)) return true;
  const adapterCode = (adapter as { code?: unknown } | undefined)?.code;
  if (kind === 'postgres' && typeof adapterCode === 'string' && (/^08/.test(adapterCode) || UNAVAILABLE_CODES.includes(adapterCode))) return true;
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
