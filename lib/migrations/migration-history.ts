import type pg from 'pg';
import { scriptMatchesChecksum, type MigrationScript } from './migrations-folder';

// The `_prisma_migrations` table, kept byte-for-byte as Prisma's schema engine creates it
// (sql-schema-connector, postgres flavour) so that `prisma migrate deploy/status` accept a database
// migrated by deploy-migrations.ts, and the other way round.

export const MIGRATIONS_TABLE = '_prisma_migrations';

export const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

/** Prisma's advisory lock id: deploys by this module and by `prisma migrate` exclude each other. */
export const MIGRATION_ADVISORY_LOCK = 72707369;

export type MigrationRecord = {
  id: string;
  checksum: string;
  finishedAt: Date | null;
  migrationName: string;
  logs: string | null;
  rolledBackAt: Date | null;
  startedAt: Date;
  appliedStepsCount: number;
};

export type MigrationHistory = {
  hasMigrationsTable: boolean;
  applied: string[];
  pending: string[];
  /** Applied, but the file in the folder is no longer the one that was applied. */
  edited: string[];
  /** Started and never finished nor rolled back (`prisma migrate resolve` territory). */
  failed: string[];
  /** Recorded in the database, absent from the folder (a newer release migrated this database). */
  unknown: string[];
};

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function hasMigrationsTable(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>(
    `SELECT to_regclass(quote_ident(current_schema()) || '.${MIGRATIONS_TABLE}') IS NOT NULL AS exists`,
  );
  return rows[0]?.exists ?? false;
}

export async function readMigrationRecords(db: Queryable): Promise<MigrationRecord[]> {
  const { rows } = await db.query<MigrationRecord>(
    `SELECT id, checksum, finished_at AS "finishedAt", migration_name AS "migrationName", logs,
            rolled_back_at AS "rolledBackAt", started_at AS "startedAt", applied_steps_count AS "appliedStepsCount"
       FROM ${MIGRATIONS_TABLE}
      ORDER BY started_at, migration_name`,
  );
  return rows;
}

/** Compares the folder with the records, the way Prisma's diagnoseMigrationHistory does. Pure. */
export function diagnoseHistory(
  migrations: readonly MigrationScript[],
  records: readonly MigrationRecord[],
  hasTable = true,
): MigrationHistory {
  const live = records.filter((r) => r.rolledBackAt === null);
  const finished = live.filter((r) => r.finishedAt !== null);
  const failedRecords = live.filter((r) => r.finishedAt === null);
  const inFolder = new Map(migrations.map((m) => [m.name, m]));
  const finishedNames = new Set(finished.map((r) => r.migrationName));
  const failedNames = new Set(failedRecords.map((r) => r.migrationName));

  const edited = finished
    .filter((r) => {
      const script = inFolder.get(r.migrationName);
      return script !== undefined && !scriptMatchesChecksum(script.sql, r.checksum);
    })
    .map((r) => r.migrationName);
  return {
    hasMigrationsTable: hasTable,
    applied: migrations.filter((m) => finishedNames.has(m.name)).map((m) => m.name),
    pending: migrations.filter((m) => !finishedNames.has(m.name) && !failedNames.has(m.name)).map((m) => m.name),
    edited: unique(edited),
    failed: unique(failedRecords.map((r) => r.migrationName)),
    unknown: unique(live.filter((r) => !inFolder.has(r.migrationName)).map((r) => r.migrationName)),
  };
}

/** Why a deploy must not proceed, in words an operator can act on; null when it may. */
export function deployBlocker(history: MigrationHistory, migrationsDir: string): string | null {
  const problems: string[] = [];
  if (history.failed.length) {
    problems.push(
      `These migrations started and did not finish: ${history.failed.join(', ')}. Inspect the database, then mark each ` +
        `one with \`prisma migrate resolve --rolled-back <name>\` (or --applied) before deploying again.`,
    );
  }
  if (history.edited.length) {
    problems.push(
      `These migrations were changed after they were applied: ${history.edited.join(', ')}. Restore their original ` +
        `migration.sql in ${migrationsDir} and put the change into a new migration (npm run db:migration:new -- <name>).`,
    );
  }
  if (history.unknown.length) {
    problems.push(
      `The database has migrations that ${migrationsDir} does not: ${history.unknown.join(', ')}. It was migrated by ` +
        `a newer release of the application; deploy that release (or its migrations folder) instead.`,
    );
  }
  return problems.length ? `Refusing to migrate; nothing was changed.\n- ${problems.join('\n- ')}` : null;
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
