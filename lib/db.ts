import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';
import { config } from './config';

// One pool per process, shared by Prisma (through the driver adapter) and by the
// set-based SQL of lib/sync, which talks to pg directly for text[] parameters.
const globalForDb = globalThis as unknown as { idmPool?: pg.Pool; idmPrisma?: PrismaClient };

export function pool(): pg.Pool {
  globalForDb.idmPool ??= new pg.Pool({ connectionString: config().DATABASE_URL, max: 10 });
  return globalForDb.idmPool;
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
