// Migrations without the network: plain-SQL deploy (no engine), and the schema engine as
// WebAssembly for the developer tasks (new migration SQL, drift check).
export { deployMigrations, migrationStatus, MigrationFailedError, MigrationRefusedError } from './deploy-migrations';
export type { DeployOptions } from './deploy-migrations';
export { checkDrift, createMigrationSql, writeNewMigration } from './create-migration';
export type { Drift, NewMigration } from './create-migration';
export type { MigrationHistory } from './migration-history';
export { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, readMigrationsFolder } from './migrations-folder';
