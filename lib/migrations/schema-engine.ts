import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlQueryable,
  type SqlMigrationAwareDriverAdapterFactory,
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

/** Instantiates the wasm once per process. Its ESM entry imports the .wasm directly, which Node 20 cannot. */
function loadEngineWasm(): Promise<void> {
  loaded ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm');
    const wasmPath = entry.replace(/schema_engine\.js$/, 'schema_engine_bg.wasm');
    const imports = { './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports };
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), imports);
    const exports = instance.exports as unknown as { __wbindgen_start: () => void };
    (bg as unknown as { __wbg_set_wasm: (w: unknown) => void }).__wbg_set_wasm(instance.exports);
    exports.__wbindgen_start();
    // The engine reports Rust panics through this global. A panic inside an async callback can
    // end the process with a bare "unreachable" trap, so the message is also printed at once.
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
 * Character. Two small patches: the pg client reports such columns as text (so adapter-pg accepts
 * them) and tags the rows with their positions; the adapter then declares those columns Character.
 */
const CHAR_COLUMNS = Symbol('char columns');
type TaggedRows = unknown[] & { [CHAR_COLUMNS]?: number[] };

function tagCharColumns(result: unknown): unknown {
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

/** A pg Client that tags `"char"` columns, on every query path (pool query or transaction). */
class CharAwareClient extends pg.Client {}
const clientQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(CharAwareClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function query(
  this: pg.Client,
  ...args: unknown[]
) {
  const callback = args.at(-1);
  if (typeof callback === 'function') {
    args[args.length - 1] = (error: unknown, result: unknown) => callback(error, error ? result : tagCharColumns(result));
    return clientQuery.apply(this, args);
  }
  const returned = clientQuery.apply(this, args);
  return returned instanceof Promise ? returned.then(tagCharColumns) : returned;
};

function declareCharColumns<Q extends SqlQueryable>(queryable: Q): Q {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of (result.rows as TaggedRows)[CHAR_COLUMNS] ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  return queryable;
}

/**
 * adapter-pg runs a script statement by statement, split at every ';', which cuts a function body
 * ($$ ... ; ... $$, migration 20261128120004) apart. PostgreSQL takes the whole script as one
 * simple query instead, and its errors go through the adapter's own conversion.
 */
function wholeScripts(adapter: SqlDriverAdapter): void {
  const internals = adapter as unknown as { client: { query(sql: string): Promise<unknown> }; onError(error: unknown): never };
  adapter.executeScript = async (script: string) => {
    try {
      await internals.client.query(script);
    } catch (error) {
      internals.onError(error);
    }
  };
}

function charAwareAdapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  wholeScripts(adapter);
  declareCharColumns(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => declareCharColumns(await startTransaction(isolationLevel));
  return adapter;
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
    return charAwareAdapter(await new PrismaPg(this.pool(this.databaseUrl)).connect());
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const database = `prisma_shadow_${randomBytes(8).toString('hex')}`;
    await this.admin(`CREATE DATABASE "${database}"`);
    this.shadowDatabases.add(database);
    const pool = this.pool(withDatabase(this.databaseUrl, database));
    const adapter = charAwareAdapter(await new PrismaPg(pool).connect());
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await this.endPool(pool);
      await this.dropShadowDatabase(database);
    };
    return adapter;
  }

  /** Ends every pool and drops the shadow databases the engine did not dispose of (e.g. after an error). */
  async close(): Promise<void> {
    for (const pool of [...this.pools]) await this.endPool(pool);
    for (const database of [...this.shadowDatabases]) await this.dropShadowDatabase(database);
  }

  private pool(connectionString: string): pg.Pool {
    const pool = new pg.Pool({ connectionString, max: 2, Client: CharAwareClient });
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
