import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';
import {
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_SCHEMA_PATH,
  LOCKFILE,
  MIGRATION_FILE,
  newMigrationName,
  readMigrationsFolder,
  type MigrationsFolder,
} from './migrations-folder';
import { withSchemaEngine } from './schema-engine';

export type SchemaDiffOptions = {
  /** Defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
};

/** The folder as the schema engine takes it. */
export function migrationList(folder: MigrationsFolder): MigrationList {
  return {
    baseDir: folder.baseDir,
    lockfile: { path: LOCKFILE, content: folder.lockfile },
    shadowDbInitScript: '',
    migrationDirectories: folder.migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: MIGRATION_FILE, content: { tag: 'ok', value: m.sql } },
    })),
  };
}

/** True when the engine's script holds no statement (it says "-- This is an empty migration."). */
export function isEmptyMigration(sql: string): boolean {
  return sql
    .split('\n')
    .map((line) => line.trim())
    .every((line) => line === '' || line.startsWith('--'));
}

/**
 * The SQL that takes a database from the end state of the migrations folder to `schemaText`
 * (default: prisma/schema.prisma); '' when there is nothing to do. The schema engine replays the
 * folder into a temporary shadow database on the server of `databaseUrl` (the user needs CREATEDB);
 * the database of `databaseUrl` itself is neither read nor changed.
 */
export async function createMigrationSql(
  databaseUrl: string,
  schemaText: string = readFileSync(DEFAULT_SCHEMA_PATH, 'utf8'),
  options: SchemaDiffOptions = {},
): Promise<string> {
  const folder = readMigrationsFolder(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const result = await withSchemaEngine(databaseUrl, schemaText, (engine) =>
    engine.diff({
      from: { tag: 'migrations', ...migrationList(folder) },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schemaText }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    }),
  );
  const sql = result.stdout ?? '';
  return isEmptyMigration(sql) ? '' : sql;
}

export type Drift = { drifted: false } | { drifted: true; sql: string };

/** Whether schema.prisma describes a database the migrations folder does not build. */
export async function checkDrift(
  databaseUrl: string,
  options: SchemaDiffOptions & { schemaText?: string } = {},
): Promise<Drift> {
  const sql = await createMigrationSql(databaseUrl, options.schemaText, options);
  return sql ? { drifted: true, sql } : { drifted: false };
}

export type NewMigration = { name: string; file: string; sql: string };

/**
 * Writes prisma/migrations/<UTC timestamp>_<name>/migration.sql for the change of schema.prisma;
 * null (and nothing written) when schema.prisma and the folder already agree.
 */
export async function writeNewMigration(
  databaseUrl: string,
  name: string,
  options: SchemaDiffOptions & { schemaText?: string; now?: Date } = {},
): Promise<NewMigration | null> {
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const existing = readMigrationsFolder(migrationsDir).migrations.map((m) => m.name);
  const folderName = newMigrationName(name, existing, options.now);
  const sql = await createMigrationSql(databaseUrl, options.schemaText, { migrationsDir });
  if (!sql) return null;
  const file = path.join(migrationsDir, folderName, MIGRATION_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, sql);
  return { name: folderName, file, sql };
}
