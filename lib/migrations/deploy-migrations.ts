import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  CREATE_MIGRATIONS_TABLE,
  deployBlocker,
  diagnoseHistory,
  hasMigrationsTable,
  MIGRATION_ADVISORY_LOCK,
  MIGRATIONS_TABLE,
  readMigrationRecords,
  type MigrationHistory,
} from './migration-history';
import { DEFAULT_MIGRATIONS_DIR, readMigrationsFolder } from './migrations-folder';

export type DeployOptions = {
  /** Defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
  /** Told the name of each migration before it is applied. */
  log?: (line: string) => void;
};

/** The database refused to go forward; nothing was changed. */
export class MigrationRefusedError extends Error {}

/** A migration's SQL failed; its transaction was rolled back (earlier migrations of the run stay applied). */
export class MigrationFailedError extends Error {
  constructor(
    readonly migrationName: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Migration ${migrationName} failed and was rolled back: ${reason}`, { cause });
  }
}

/**
 * Applies the pending migrations of the folder, in lexical order, each as plain SQL in its own
 * transaction, and records them in `_prisma_migrations` as `prisma migrate deploy` would (a started
 * row, then finished_at and applied_steps_count = 1). No schema engine involved, so it runs
 * offline and in about the time the SQL takes. Holds Prisma's advisory lock, so a web server and a
 * worker starting together migrate once. A migration must not manage transactions itself
 * (no BEGIN/COMMIT, no CREATE INDEX CONCURRENTLY).
 */
export async function deployMigrations(databaseUrl: string, options: DeployOptions = {}): Promise<{ applied: string[] }> {
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const folder = readMigrationsFolder(migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK]);
    try {
      const history = await readHistory(client, folder.migrations);
      const blocker = deployBlocker(history, migrationsDir);
      if (blocker) throw new MigrationRefusedError(blocker);
      if (!history.hasMigrationsTable) await client.query(CREATE_MIGRATIONS_TABLE);

      const applied: string[] = [];
      for (const migration of folder.migrations.filter((m) => history.pending.includes(m.name))) {
        options.log?.(`Applying migration ${migration.name}`);
        await client.query('BEGIN');
        try {
          const id = randomUUID();
          await client.query(
            `INSERT INTO ${MIGRATIONS_TABLE} (id, checksum, migration_name, started_at, applied_steps_count)
             VALUES ($1, $2, $3, clock_timestamp(), 0)`,
            [id, migration.checksum, migration.name],
          );
          // No parameters: the simple query protocol, which runs a multi-statement script.
          await client.query(migration.sql);
          await client.query(
            `UPDATE ${MIGRATIONS_TABLE} SET finished_at = clock_timestamp(), applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
            [id],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new MigrationFailedError(migration.name, error);
        }
        applied.push(migration.name);
      }
      return { applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

/** Where the database stands against the migrations folder; reads only. */
export async function migrationStatus(
  databaseUrl: string,
  options: Pick<DeployOptions, 'migrationsDir'> = {},
): Promise<MigrationHistory> {
  const folder = readMigrationsFolder(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await readHistory(client, folder.migrations);
  } finally {
    await client.end();
  }
}

async function readHistory(client: pg.Client, migrations: Parameters<typeof diagnoseHistory>[0]): Promise<MigrationHistory> {
  const hasTable = await hasMigrationsTable(client);
  return diagnoseHistory(migrations, hasTable ? await readMigrationRecords(client) : [], hasTable);
}
