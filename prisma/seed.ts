// `npm run db:seed`: the data every installation needs (the two batch jobs of the design brief),
// idempotent, safe in production. The demo's people and logins come from `npm run demo` only.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../lib/generated/prisma/client';
import { seedBatchJobs } from '../lib/seed/batch-jobs';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set: point it at the Identity Manager database (postgresql://...).');
  process.exit(1);
}
const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
try {
  const { created } = await seedBatchJobs(db);
  console.log(created.length ? `Batch jobs created: ${created.join(', ')}` : 'Batch jobs already present.');
} finally {
  await db.$disconnect();
}
