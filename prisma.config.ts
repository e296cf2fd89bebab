import { defineConfig } from 'prisma/config';

// Prisma 7 reads connection URLs from here (CLI), and from the driver adapter at run time (lib/db).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/idm' },
});
