import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { closePool, pool } from './db-pool';

// The web app's Prisma client, on the process's one pool (lib/db-pool.ts). The worker and the sync
// CLI never import this module: their queries are plain SQL on the pool.
const globalForDb = globalThis as unknown as { idmPrisma?: PrismaClient };

export function prisma(): PrismaClient {
  globalForDb.idmPrisma ??= new PrismaClient({ adapter: new PrismaPg(pool()) });
  return globalForDb.idmPrisma;
}

/** Disconnects Prisma, then ends the pool. */
export async function disconnectDb(): Promise<void> {
  const { idmPrisma } = globalForDb;
  globalForDb.idmPrisma = undefined;
  await idmPrisma?.$disconnect();
  await closePool();
}

export * from './generated/prisma/client';
