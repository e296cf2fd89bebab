import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The migrations folder in Prisma's layout: prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql
// plus migration_lock.toml. Lexical order of the folder names is the order of application.

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_MIGRATIONS_DIR = path.join(repositoryRoot, 'prisma', 'migrations');
export const DEFAULT_SCHEMA_PATH = path.join(repositoryRoot, 'prisma', 'schema.prisma');
export const MIGRATION_FILE = 'migration.sql';
export const LOCKFILE = 'migration_lock.toml';

export type MigrationScript = {
  /** Folder name, e.g. `20261127000000_init`; Prisma's `migration_name`. */
  name: string;
  sql: string;
  /** sha256 hex of the file, as Prisma records it. */
  checksum: string;
};

export type MigrationsFolder = {
  baseDir: string;
  /** Content of migration_lock.toml, or null when it is missing. */
  lockfile: string | null;
  migrations: MigrationScript[];
};

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/**
 * Whether `sql` is the script that was recorded with `checksum`. Like Prisma, tolerant of the line
 * endings git may have changed (LF <-> CRLF) between the machine that applied it and this one.
 */
export function scriptMatchesChecksum(sql: string, checksum: string): boolean {
  const variants = [sql, sql.replace(/\r\n/g, '\n'), sql.replace(/\r?\n/g, '\r\n')];
  return variants.some((variant) => migrationChecksum(variant) === checksum);
}

export function readMigrationsFolder(baseDir: string = DEFAULT_MIGRATIONS_DIR): MigrationsFolder {
  const lockPath = path.join(baseDir, LOCKFILE);
  const names = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  const migrations = names.map((name) => {
    const file = path.join(baseDir, name, MIGRATION_FILE);
    if (!existsSync(file)) throw new Error(`Migration folder ${name} has no ${MIGRATION_FILE} (${file}).`);
    const sql = readFileSync(file, 'utf8');
    return { name, sql, checksum: migrationChecksum(sql) };
  });
  return { baseDir, lockfile: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null, migrations };
}

/** `add user nickname!` -> `add_user_nickname`, as `prisma migrate dev --name` does. */
export function migrationSlug(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug) throw new Error(`"${name}" is not a usable migration name: use letters, digits and underscores.`);
  return slug;
}

function utcTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * The folder name of a new migration: the UTC time of `now`, but always after the last existing
 * migration (a clock behind the repository's history must not reorder migrations).
 */
export function newMigrationName(name: string, existing: readonly string[], now: Date = new Date()): string {
  let stamp = utcTimestamp(now);
  const last = [...existing].sort().at(-1)?.slice(0, 14);
  if (last && /^\d{14}$/.test(last) && stamp <= last) {
    const y = Number(last.slice(0, 4));
    const [mo, d, h, mi, s] = [4, 6, 8, 10, 12].map((i) => Number(last.slice(i, i + 2))) as [number, number, number, number, number];
    stamp = utcTimestamp(new Date(Date.UTC(y, mo - 1, d, h, mi, s + 1)));
  }
  return `${stamp}_${migrationSlug(name)}`;
}
