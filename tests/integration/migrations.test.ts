import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkDrift,
  createMigrationSql,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_SCHEMA_PATH,
  deployMigrations,
  migrationStatus,
  MigrationFailedError,
  MigrationRefusedError,
  readMigrationsFolder,
  writeNewMigration,
} from '@/lib/migrations';
import { migrationList } from '@/lib/migrations/create-migration';
import { withSchemaEngine } from '@/lib/migrations/schema-engine';
import { freePort } from '@/scripts/services/ports';
import { startEmbeddedPostgres, type PostgresService } from '@/scripts/services/postgres';

// One private PostgreSQL for the file; each scenario gets a database of its own on it.
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const dataDir = path.join(ROOT, '.test-data', `migrations-${process.pid}`);
const repoSchema = readFileSync(DEFAULT_SCHEMA_PATH, 'utf8');
const repoFolder = readMigrationsFolder();
let server: PostgresService;
let databases = 0;

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the test server. */
async function freshDatabase(): Promise<string> {
  const name = `migrations_${++databases}`;
  await query(server.url, `CREATE DATABASE "${name}"`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A copy of the repository's migrations folder that a test may change. */
function copyOfMigrations(name: string): string {
  const dir = path.join(dataDir, name);
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name));
  writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}

const tablesOf = async (url: string) =>
  (await query<{ t: string }>(url, `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).map((r) => r.t);

/** The schema.prisma of the repository with one more column on the users table. */
const schemaWithNickname = repoSchema.replace(/model User \{\n/, 'model User {\n  nickname String? @map("nick_name")\n');

beforeAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  server = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort() });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('deployMigrations', () => {
  it('creates every table on an empty database and records each migration as Prisma does', async () => {
    const url = await freshDatabase();
    const { applied } = await deployMigrations(url);
    expect(applied).toEqual(repoFolder.migrations.map((m) => m.name));

    const created = [...repoFolder.migrations.map((m) => m.sql).join('\n').matchAll(/CREATE TABLE "([^"]+)"/g)].map((m) => m[1]);
    expect(created.length).toBeGreaterThan(10);
    expect(await tablesOf(url)).toEqual([...created, '_prisma_migrations'].sort());

    const rows = await query<Record<string, unknown>>(url, 'SELECT * FROM _prisma_migrations ORDER BY migration_name');
    expect(rows).toHaveLength(repoFolder.migrations.length);
    rows.forEach((row, i) => {
      const file = readFileSync(path.join(DEFAULT_MIGRATIONS_DIR, repoFolder.migrations[i]!.name, 'migration.sql'));
      expect(row).toMatchObject({
        migration_name: repoFolder.migrations[i]!.name,
        checksum: sha256(file),
        applied_steps_count: 1,
        logs: null,
        rolled_back_at: null,
      });
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect((row.finished_at as Date).getTime()).toBeGreaterThanOrEqual((row.started_at as Date).getTime());
    });

    // The table is Prisma's own, column for column.
    const columns = await query(
      url,
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', len: 36, is_nullable: 'NO', column_default: null },
      { column_name: 'checksum', data_type: 'character varying', len: 64, is_nullable: 'NO', column_default: null },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'migration_name', data_type: 'character varying', len: 255, is_nullable: 'NO', column_default: null },
      { column_name: 'logs', data_type: 'text', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'NO', column_default: 'now()' },
      { column_name: 'applied_steps_count', data_type: 'integer', len: null, is_nullable: 'NO', column_default: '0' },
    ]);

    // A second deploy finds nothing to do.
    expect(await deployMigrations(url)).toEqual({ applied: [] });
    expect(await query(url, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: repoFolder.migrations.length }]);
    expect(await migrationStatus(url)).toMatchObject({ pending: [], failed: [], edited: [], unknown: [] });

    // Prisma's own engine accepts the result: `migrate status` sees an up-to-date history,
    // `migrate deploy` finds nothing to apply, and the live schema is exactly schema.prisma's.
    const filters = { externalTables: [], externalEnums: [] };
    const prismaView = await withSchemaEngine(url, repoSchema, async (engine) => ({
      status: await engine.diagnoseMigrationHistory({ migrationsList: migrationList(repoFolder), optInToShadowDatabase: false, filters }),
      deploy: await engine.applyMigrations({ migrationsList: migrationList(repoFolder), filters }),
      diff: await engine.diff({
        from: { tag: 'schemaDatasource', files: [{ path: 'schema.prisma', content: repoSchema }], configDir: ROOT },
        to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: repoSchema }] },
        script: true,
        exitCode: null,
        filters,
      }),
    }));
    expect(prismaView.status).toMatchObject({ editedMigrationNames: [], failedMigrationNames: [], hasMigrationsTable: true, history: null });
    expect(prismaView.deploy.appliedMigrationNames).toEqual([]);
    expect(prismaView.diff.stdout?.trim()).toBe('-- This is an empty migration.');
  });

  it("records migrations as Prisma's engine does, and accepts a database Prisma migrated", async () => {
    const [ours, prismas] = [await freshDatabase(), await freshDatabase()];
    await deployMigrations(ours);
    const filters = { externalTables: [], externalEnums: [] };
    await withSchemaEngine(prismas, repoSchema, (engine) => engine.applyMigrations({ migrationsList: migrationList(repoFolder), filters }));
    const record = `SELECT migration_name, checksum, logs, rolled_back_at, applied_steps_count, finished_at IS NOT NULL AS finished
                      FROM _prisma_migrations ORDER BY migration_name`;
    expect(await query(ours, record)).toEqual(await query(prismas, record));
    expect(await deployMigrations(prismas)).toEqual({ applied: [] });
  });

  it('applies only the pending migrations, once, when two processes deploy together', async () => {
    const url = await freshDatabase();
    const dir = copyOfMigrations('concurrent');
    addMigration(dir, '29990101000000_add_marker', 'CREATE TABLE "marker" ("id" INTEGER NOT NULL);\n');
    const results = await Promise.all([deployMigrations(url, { migrationsDir: dir }), deployMigrations(url, { migrationsDir: dir })]);
    const all = results.flatMap((r) => r.applied).sort();
    expect(all).toEqual([...repoFolder.migrations.map((m) => m.name), '29990101000000_add_marker'].sort());
    expect(await query(url, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: repoFolder.migrations.length + 1 }]);
  });

  it('refuses, changing nothing, when an applied migration was edited', async () => {
    const url = await freshDatabase();
    const dir = copyOfMigrations('edited');
    await deployMigrations(url, { migrationsDir: dir });
    const first = repoFolder.migrations[0]!.name;
    writeFileSync(path.join(dir, first, 'migration.sql'), `${repoFolder.migrations[0]!.sql}\n-- edited afterwards\n`);
    addMigration(dir, '29990101000000_add_marker', 'CREATE TABLE "marker" ("id" INTEGER NOT NULL);\n');

    const refusal = deployMigrations(url, { migrationsDir: dir });
    await expect(refusal).rejects.toBeInstanceOf(MigrationRefusedError);
    await expect(refusal).rejects.toThrow(new RegExp(`changed after they were applied: ${first}`));
    expect(await tablesOf(url)).not.toContain('marker');
    expect(await query(url, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: repoFolder.migrations.length }]);
  });

  it('refuses while a failed migration is recorded, and when the database knows migrations the folder does not', async () => {
    const url = await freshDatabase();
    await deployMigrations(url);
    await query(url, `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES ('x-failed', 'c', '29990101000000_broken', 'boom')`);
    await expect(deployMigrations(url)).rejects.toThrow(/did not finish: 29990101000000_broken/);
    await expect(deployMigrations(url)).rejects.toThrow(/database has migrations that .* does not: 29990101000000_broken/);

    // Marked rolled back (prisma migrate resolve --rolled-back), it no longer blocks.
    await query(url, `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = 'x-failed'`);
    await expect(deployMigrations(url)).resolves.toEqual({ applied: [] });
  });

  it('rolls a failing migration back entirely and records nothing for it', async () => {
    const url = await freshDatabase();
    const dir = copyOfMigrations('failing');
    addMigration(dir, '29990101000000_half_done', 'CREATE TABLE "half" ("id" INTEGER);\nSELECT * FROM "no_such_table";\n');
    const failure = deployMigrations(url, { migrationsDir: dir });
    await expect(failure).rejects.toBeInstanceOf(MigrationFailedError);
    await expect(failure).rejects.toThrow(/29990101000000_half_done failed and was rolled back: .*no_such_table/);
    expect(await tablesOf(url)).not.toContain('half');
    // The earlier migrations of the run stay applied; the failed one is simply pending again.
    expect(await migrationStatus(url, { migrationsDir: dir })).toMatchObject({ pending: ['29990101000000_half_done'], failed: [] });
  });
});

describe('20261206084300_custom_preset_unique_id', () => {
  it('gives jobs on "Custom filter" the unique id and mapping they ran with, keeping what they named, and leaves other jobs alone', async () => {
    const url = await freshDatabase();
    const MIGRATION = '20261206084300_custom_preset_unique_id';
    const dir = copyOfMigrations('custom-preset');
    rmSync(path.join(dir, MIGRATION), { recursive: true });
    await deployMigrations(url, { migrationsDir: dir });
    const before: Record<string, unknown> = {
      bare: { filterPreset: 'custom', filter: '(employeeType=gone)' },
      partial: { filterPreset: 'custom', filter: '(x=y)', uniqueIdAttribute: 'objectGUID', mapping: { email: 'mailPrimaryAddress', displayName: null } },
      nullUsername: { filterPreset: 'custom', filter: '(x=y)', mapping: { username: null } },
      preset: { filterPreset: 'active-directory-disabled', pageSize: 200 },
      none: {},
    };
    for (const [key, options] of Object.entries(before)) {
      await query(url, `INSERT INTO batch_jobs (key, process_name, symbolic_name, description, options) VALUES ($1, $1, $1, '', $2)`, [key, JSON.stringify(options)]);
    }
    const { applied } = await deployMigrations(url);
    expect(applied).toEqual([MIGRATION]);

    const rows = await query<{ key: string; options: Record<string, unknown> }>(url, 'SELECT key, options FROM batch_jobs');
    const after = Object.fromEntries(rows.map((r) => [r.key, r.options]));
    const openldap = { username: 'uid', givenName: 'givenName', surname: 'sn', displayName: 'displayName', email: 'mail', employeeNumber: 'employeeNumber' };
    expect(after.bare).toEqual({ filterPreset: 'custom', filter: '(employeeType=gone)', uniqueIdAttribute: 'entryUUID', mapping: openldap });
    expect(after.partial).toEqual({
      filterPreset: 'custom',
      filter: '(x=y)',
      uniqueIdAttribute: 'objectGUID',
      mapping: { ...openldap, email: 'mailPrimaryAddress', displayName: null },
    });
    expect(after.nullUsername).toMatchObject({ uniqueIdAttribute: 'entryUUID', mapping: openldap });
    expect(after.preset).toEqual(before.preset);
    expect(after.none).toEqual({});

    // What the engine makes of them: the behaviour of before, and valid under the new rule.
    const { resolveJobOptions } = await import('@/lib/sync/job-options');
    expect(resolveJobOptions('inactive-ldap-users', after.bare)).toMatchObject({ uniqueIdAttribute: 'entryUUID', mapping: openldap, filter: '(employeeType=gone)' });
    expect(resolveJobOptions('inactive-ldap-users', after.partial)).toMatchObject({ uniqueIdAttribute: 'objectGUID', mapping: { ...openldap, email: 'mailPrimaryAddress', displayName: null } });
  });
});

describe('drift between schema.prisma and prisma/migrations', () => {
  it('finds none for the schema.prisma of the repository (add a migration with npm run db:migration:new when this fails)', async () => {
    const drift = await checkDrift(server.url);
    expect(drift.drifted ? drift.sql : '').toBe('');
  });

  it('names the column that a schema with one more column adds', async () => {
    expect(schemaWithNickname).not.toBe(repoSchema);
    const drift = await checkDrift(server.url, { schemaText: schemaWithNickname });
    expect(drift).toEqual({ drifted: true, sql: expect.stringContaining('"nick_name"') });
  });

  it('writes the new migration as ALTER TABLE ... ADD COLUMN, which deploys and leaves no drift', async () => {
    const dir = copyOfMigrations('new-migration');
    const created = await writeNewMigration(server.url, 'add user nickname', {
      migrationsDir: dir,
      schemaText: schemaWithNickname,
      now: new Date('2999-01-01T00:00:00Z'),
    });
    expect(created?.name).toBe('29990101000000_add_user_nickname');
    expect(readFileSync(created!.file, 'utf8')).toMatch(/ALTER TABLE "users" ADD COLUMN\s+"nick_name" TEXT;/);

    const url = await freshDatabase();
    expect((await deployMigrations(url, { migrationsDir: dir })).applied.at(-1)).toBe('29990101000000_add_user_nickname');
    expect(await createMigrationSql(server.url, schemaWithNickname, { migrationsDir: dir })).toBe('');
    expect(await writeNewMigration(server.url, 'again', { migrationsDir: dir, schemaText: schemaWithNickname })).toBeNull();
    expect(readdirSync(dir).filter((n) => n.endsWith('_again'))).toEqual([]);
  });

  it('npm run db:migration:new says "no changes" and writes nothing when there are none', async () => {
    const before = readdirSync(DEFAULT_MIGRATIONS_DIR);
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'scripts/migrate.ts', 'new', 'probe'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: server.url },
    });
    expect(stdout).toMatch(/no changes/);
    expect(readdirSync(DEFAULT_MIGRATIONS_DIR)).toEqual(before);
  });

  it('leaves no shadow database behind', async () => {
    const shadows = await query(server.url, `SELECT datname FROM pg_database WHERE datname LIKE 'prisma_shadow_%'`);
    expect(shadows).toEqual([]);
  });
});

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
