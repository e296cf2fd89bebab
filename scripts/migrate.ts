// Migration commands that need no network (npm run db:migrate | db:status | db:migration:new | db:drift).
//
//   deploy        apply pending migrations to DATABASE_URL
//   status        compare DATABASE_URL with prisma/migrations (exit 1 unless up to date)
//   new <name>    write prisma/migrations/<UTC timestamp>_<name>/migration.sql for the change of schema.prisma
//   drift         exit 1 and print the SQL when schema.prisma and prisma/migrations differ
//
// `new` and `drift` replay the migrations in a temporary shadow database, made on the server of
// DATABASE_URL when it is set, otherwise on a private embedded PostgreSQL under .data/.
import path from 'node:path';
import { config, ConfigError } from '../lib/config';
import {
  checkDrift,
  deployMigrations,
  migrationStatus,
  MigrationFailedError,
  MigrationRefusedError,
  writeNewMigration,
} from '../lib/migrations';
import { startEmbeddedPostgres } from './services/postgres';
import { freePort } from './services/ports';

const USAGE = 'usage: tsx scripts/migrate.ts deploy | status | new <name> | drift';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'deploy': {
      const { applied } = await deployMigrations(targetDatabaseUrl(), { log: (line) => console.log(line) });
      console.log(applied.length ? `${applied.length} migration(s) applied.` : 'No pending migrations.');
      return 0;
    }
    case 'status': {
      const status = await migrationStatus(targetDatabaseUrl());
      const report: [string, string[]][] = [
        ['Applied', status.applied],
        ['Pending', status.pending],
        ['Failed (started, never finished)', status.failed],
        ['Edited after they were applied', status.edited],
        ['In the database, not in prisma/migrations', status.unknown],
      ];
      for (const [label, names] of report) if (names.length) console.log(`${label}:\n  ${names.join('\n  ')}`);
      const upToDate = !status.pending.length && !status.failed.length && !status.edited.length && !status.unknown.length;
      console.log(upToDate ? 'Database schema is up to date.' : 'Database schema is NOT up to date: run npm run db:migrate.');
      return upToDate ? 0 : 1;
    }
    case 'new': {
      const name = rest.join(' ').trim();
      if (!name) throw new UsageError('usage: npm run db:migration:new -- <name>');
      const created = await withEngineDatabase((url) => writeNewMigration(url, name));
      if (!created) {
        console.log('no changes: schema.prisma and prisma/migrations agree; nothing written.');
        return 0;
      }
      console.log(`Wrote ${path.relative(process.cwd(), created.file)}:\n\n${created.sql}`);
      return 0;
    }
    case 'drift': {
      const drift = await withEngineDatabase((url) => checkDrift(url));
      if (!drift.drifted) {
        console.log('No drift: prisma/migrations builds exactly the schema of schema.prisma.');
        return 0;
      }
      console.error('Drift: schema.prisma differs from what prisma/migrations builds. The missing migration would be:\n');
      console.log(drift.sql);
      console.error('Create it with: npm run db:migration:new -- <name>');
      return 1;
    }
    default:
      throw new UsageError(USAGE);
  }
}

class UsageError extends Error {}

function targetDatabaseUrl(): string {
  if (!process.env.DATABASE_URL) {
    throw new UsageError('DATABASE_URL is not set: point it at the PostgreSQL database to migrate (npm run demo migrates its own database).');
  }
  return config().DATABASE_URL;
}

async function withEngineDatabase<T>(task: (databaseUrl: string) => Promise<T>): Promise<T> {
  if (process.env.DATABASE_URL) return task(process.env.DATABASE_URL);
  const server = await startEmbeddedPostgres({ dataDir: '.data/migrate-postgres', port: await freePort(), database: 'migrate' });
  try {
    return await task(server.url);
  } finally {
    await server.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = [UsageError, ConfigError, MigrationRefusedError, MigrationFailedError].some((k) => error instanceof k);
    console.error(known && error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
