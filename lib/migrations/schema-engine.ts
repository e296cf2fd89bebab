import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  DriverAdapterError,
  type ConnectionInfo,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

// Prisma's schema engine, run as WebAssembly through a driver adapter, because the native
// engine that `prisma migrate` wants is downloaded at run time from a host that air-gapped
// installations cannot reach. Used only for developer tasks (new migration SQL, drift check):
// deploying migrations is plain SQL (deploy-migrations.ts) and never loads this module's wasm.

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

let loaded: Promise<void> | undefined;
let lastPanic: string | undefined;

/**
 * The release of @prisma/schema-engine-wasm this module was verified against (package.json pins
 * it): loadEngineWasm drives its wasm-bindgen glue by hand, whose entry points are not an API.
 * schema-engine.test.ts fails when the installed one differs; migrations.test.ts runs the engine.
 */
export const VERIFIED_SCHEMA_ENGINE_WASM = '7.10.0-4.0edf323efd1d98336f3f0a68684b56f689b900d3';

/** The glue's entry points loadEngineWasm uses: what an incompatible release would lack. */
export function engineGlueProblems(glue: Record<string, unknown> = bg as unknown as Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof glue.__wbg_set_wasm !== 'function') problems.push('the glue has no __wbg_set_wasm()');
  if (typeof (glue.SchemaEngine as { new?: unknown } | undefined)?.new !== 'function') problems.push('the glue has no SchemaEngine.new()');
  return problems;
}

/** Instantiates the wasm once per process. Its ESM entry imports the .wasm directly, which Node 20 cannot. */
function loadEngineWasm(): Promise<void> {
  loaded ??= (async () => {
    const problems = engineGlueProblems();
    if (problems.length) {
      throw new SchemaEngineError(`@prisma/schema-engine-wasm is not the release this project drives (${VERIFIED_SCHEMA_ENGINE_WASM}): ${problems.join('; ')}.`);
    }
    const entry = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm');
    const wasmPath = entry.replace(/schema_engine\.js$/, 'schema_engine_bg.wasm');
    const imports = { './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports };
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), imports);
    const exports = instance.exports as unknown as { __wbindgen_start?: () => void };
    if (typeof exports.__wbindgen_start !== 'function') throw new SchemaEngineError('The schema engine\'s wasm has no __wbindgen_start export: an incompatible @prisma/schema-engine-wasm.');
    (bg as unknown as { __wbg_set_wasm: (w: unknown) => void }).__wbg_set_wasm(instance.exports);
    exports.__wbindgen_start();
    // The engine reports Rust panics through this global (its glue reads it by name). A panic
    // inside an async callback can end the process with a bare "unreachable" trap, so the
    // message is also printed at once.
    (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY = {
      set_message(message: string) {
        lastPanic = message;
        console.error(`Prisma schema engine panicked: ${message}`);
      },
    };
  })();
  return loaded;
}

/**
 * adapter-pg 7.10 rejects columns of Postgres' internal `"char"` type (OID 18), which the engine's
 * introspection selects (pg_class.relkind, pg_constraint.contype, ...) and expects back typed as
 * Character. The pg client below reports such columns as text (so adapter-pg accepts them) and tags
 * the rows with their positions; the adapter wrapper then declares those columns Character.
 */
const CHAR_COLUMNS = Symbol('char columns');
type TaggedRows = unknown[] & { [CHAR_COLUMNS]?: number[] };

function tagCharColumns<R>(result: R): R {
  for (const r of Array.isArray(result) ? result : [result]) {
    const { fields, rows } = (r ?? {}) as { fields?: { dataTypeID: number }[]; rows?: TaggedRows };
    const positions: number[] = [];
    fields?.forEach((field, i) => {
      if (field.dataTypeID !== PG_CHAR_OID) return;
      field.dataTypeID = PG_TEXT_OID;
      positions.push(i);
    });
    if (positions.length && rows) Object.defineProperty(rows, CHAR_COLUMNS, { value: positions });
  }
  return result;
}

/**
 * A pg Client that tags `"char"` columns, given to the pools as their `Client` (pg's public
 * option): a subclass, so no other pg client is touched. pg-pool calls it with a callback,
 * adapter-pg's transactions with promises: both are tagged.
 */
class CharAwareClient extends pg.Client {
  // @ts-expect-error -- pg types query() as a dozen overloads; this forwards every form unchanged.
  override query(...args: unknown[]): unknown {
    const query = super.query as (...a: unknown[]) => unknown;
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => callback(error, error ? result : tagCharColumns(result));
      return query.apply(this, args);
    }
    const returned = query.apply(this, args);
    return returned instanceof Promise ? returned.then(tagCharColumns) : returned;
  }
}

/** Declares the tagged columns Character in a result of adapter-pg. */
function declareCharColumns(result: SqlResultSet): SqlResultSet {
  for (const i of (result.rows as TaggedRows)[CHAR_COLUMNS] ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
  return result;
}

/** adapter-pg's errors as it converts them (its converter is not exported): what the engine reports. */
function driverError(error: unknown): never {
  const e = error as { code?: string; severity?: string; message?: string; detail?: string; column?: string; hint?: string };
  if (typeof e?.message !== 'string') throw error;
  throw new DriverAdapterError({ kind: 'postgres', code: e.code ?? 'N/A', severity: e.severity ?? 'N/A', message: e.message, detail: e.detail, column: e.column, hint: e.hint });
}

/**
 * The driver adapter the engine gets: adapter-pg's, wrapped (never modified) for two differences.
 * Results declare `"char"` columns Character (above), in and out of transactions. And a script
 * runs as one simple query on our pool: adapter-pg splits scripts at every ';', which cuts a
 * function body ($$ ... ; ... $$, migration 20261128120004) apart.
 */
class SchemaEngineAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;

  constructor(
    private readonly inner: SqlDriverAdapter,
    private readonly pool: pg.Pool,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return declareCharColumns(await this.inner.queryRaw(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.inner.executeRaw(query);
  }

  async executeScript(script: string): Promise<void> {
    try {
      await this.pool.query(script);
    } catch (error) {
      driverError(error);
    }
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const transaction = await this.inner.startTransaction(isolationLevel);
    return {
      provider: transaction.provider,
      adapterName: transaction.adapterName,
      options: transaction.options,
      queryRaw: async (query) => declareCharColumns(await transaction.queryRaw(query)),
      executeRaw: (query) => transaction.executeRaw(query),
      commit: () => transaction.commit(),
      rollback: () => transaction.rollback(),
    };
  }

  getConnectionInfo(): ConnectionInfo {
    return this.inner.getConnectionInfo?.() ?? { supportsRelationJoins: true };
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/** An adapter's methods bound to it, to build one that adds to its dispose(). */
function adapterMethods(adapter: SchemaEngineAdapter): SqlDriverAdapter {
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => adapter.queryRaw(query),
    executeRaw: (query) => adapter.executeRaw(query),
    executeScript: (script) => adapter.executeScript(script),
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    getConnectionInfo: () => adapter.getConnectionInfo(),
    dispose: () => adapter.dispose(),
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * adapter-pg's own connectToShadowDb() reuses the main database when it is given a connection
 * string (the URL's database wins over the `database` option), so the engine would replay the
 * migrations onto the real database. This factory gives the engine a fresh, empty database on the
 * same server for each shadow connection and drops it afterwards.
 */
class ShadowDatabaseAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  private readonly shadowDatabases = new Set<string>();
  private readonly pools = new Set<pg.Pool>();

  constructor(private readonly databaseUrl: string) {}

  async connect(): Promise<SqlDriverAdapter> {
    const pool = this.pool(this.databaseUrl);
    return new SchemaEngineAdapter(await new PrismaPg(pool).connect(), pool);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const database = `prisma_shadow_${randomBytes(8).toString('hex')}`;
    await this.admin(`CREATE DATABASE "${database}"`);
    this.shadowDatabases.add(database);
    const pool = this.pool(withDatabase(this.databaseUrl, database));
    const adapter = new SchemaEngineAdapter(await new PrismaPg(pool).connect(), pool);
    return {
      ...adapterMethods(adapter),
      dispose: async () => {
        await adapter.dispose();
        await this.endPool(pool);
        await this.dropShadowDatabase(database);
      },
    };
  }

  /** Ends every pool and drops the shadow databases the engine did not dispose of (e.g. after an error). */
  async close(): Promise<void> {
    for (const pool of [...this.pools]) await this.endPool(pool);
    for (const database of [...this.shadowDatabases]) await this.dropShadowDatabase(database);
  }

  private pool(connectionString: string): pg.Pool {
    const pool = new pg.Pool({ connectionString, max: 2, Client: CharAwareClient as unknown as typeof pg.Client });
    // An idle client whose shadow database is dropped under it reports the termination here;
    // the engine has no more use for it, and an unheard 'error' event would end the process.
    pool.on('error', () => undefined);
    this.pools.add(pool);
    return pool;
  }

  private async endPool(pool: pg.Pool): Promise<void> {
    if (this.pools.delete(pool)) await pool.end();
  }

  private async dropShadowDatabase(database: string): Promise<void> {
    if (!this.shadowDatabases.delete(database)) return;
    // pool.end() resolves while its connections are still closing. A plain DROP waits (up to 5 s)
    // for them to go; FORCE, which would cut them off mid-goodbye, is only for connections the
    // engine left behind after an error.
    try {
      await this.admin(`DROP DATABASE IF EXISTS "${database}"`);
    } catch {
      await this.admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    }
  }

  private async admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

export class SchemaEngineError extends Error {}

/**
 * Runs `task` with a schema engine connected to `databaseUrl` (any database on a server where the
 * user may CREATE DATABASE: the shadow databases are made there). The engine is freed afterwards.
 */
export async function withSchemaEngine<T>(
  databaseUrl: string,
  schemaText: string,
  task: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadEngineWasm();
  const factory = new ShadowDatabaseAdapterFactory(databaseUrl);
  const logs: string[] = [];
  lastPanic = undefined;
  let engine: SchemaEngine | undefined;
  try {
    engine = await bg.SchemaEngine.new(
      { datamodels: [['schema.prisma', schemaText]] },
      (log: string) => void logs.push(log),
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    return await task(engine);
  } catch (error) {
    throw new SchemaEngineError(describeEngineError(error), { cause: error });
  } finally {
    engine?.free();
    await factory.close();
  }
}

function describeEngineError(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  return lastPanic ? `Prisma schema engine panicked: ${lastPanic}\n${message}` : `Prisma schema engine: ${message}`;
}
