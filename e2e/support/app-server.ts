import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateEncryptionKey } from '@/lib/crypto';
import { ensureDemoAccounts, type DemoAccount } from '@/scripts/demo-seed/demo-accounts';
import { freePort, waitForPort } from '@/scripts/services/ports';
import { startTestServices, withPrisma, type TestServices } from '@/tests/setup/services';

// The built app (`next start`) against private test services: used by the auth matrix
// (tests/integration/auth-matrix.test.ts) and by Playwright's global setup (e2e/global-setup.ts).

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BUILD_ID = path.join(ROOT, '.next', 'BUILD_ID');
const BUILD_LOCK = path.join(ROOT, '.test-data', 'next-build.lock');
// What `next build` reads; a change to any of these makes an existing build stale.
const BUILD_INPUTS = ['app', 'components', 'lib', 'proxy.ts', 'instrumentation.ts', 'next.config.js', 'postcss.config.mjs', 'package.json'];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of readdirSync(entry)) {
    if (child === 'node_modules' || child.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(entry, child)));
  }
  return newest;
}

/** True when .next holds a production build newer than every source file it was built from. */
export function buildIsFresh(): boolean {
  if (!existsSync(BUILD_ID)) return false;
  const built = statSync(BUILD_ID).mtimeMs;
  return BUILD_INPUTS.every((input) => newestMtime(path.join(ROOT, input)) <= built);
}

/**
 * Runs `next build` unless a fresh build exists. Builds are serialised through a lock file so
 * that two test processes (Vitest workers, Playwright) never write .next at the same time, and
 * the freshness is checked again once the lock is held (the other process may have built).
 */
export async function ensureBuilt(): Promise<void> {
  if (buildIsFresh()) return;
  await withBuildLock(() => {
    if (buildIsFresh()) return;
    const result = spawnSync('npx', ['next', 'build'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
    if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
  });
}

async function withBuildLock(fn: () => void): Promise<void> {
  mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      writeFileSync(BUILD_LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!lockHolderAlive()) {
        rmSync(BUILD_LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the build lock ${BUILD_LOCK}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    fn();
  } finally {
    rmSync(BUILD_LOCK, { force: true });
  }
}

function lockHolderAlive(): boolean {
  const pid = Number(readFileSync(BUILD_LOCK, 'utf8'));
  // An empty file is a lock being written right now, unless it has been lying there a while.
  if (!Number.isInteger(pid) || pid <= 0) return Date.now() - statSync(BUILD_LOCK).mtimeMs < 10_000;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type NextServer = {
  baseUrl: string;
  port: number;
  /** The server's stdout and stderr so far: all of it with `keepOutput`, else the last 20,000 characters. */
  output: () => string;
  stop: () => Promise<void>;
};

export type NextServerOptions = {
  /** Keep the server's whole output (tests that check what the server logs). */
  keepOutput?: boolean;
};

/** `next start` on a free loopback port with the given environment; stopped with its process group. */
export async function startNextServer(env: Record<string, string>, options: NextServerOptions = {}): Promise<NextServer> {
  const port = await freePort();
  const nextBin = path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: ROOT,
    // A production server refuses to start without APP_ENCRYPTION_KEY (instrumentation.ts): tests get a fresh one.
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', APP_ENCRYPTION_KEY: process.env.APP_ENCRYPTION_KEY ?? generateEncryptionKey(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (!options.keepOutput) output = output.slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await Promise.race([
      waitForPort(port, 30_000),
      exited.then(() => {
        throw new Error(`next start exited early:\n${output}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl: `http://127.0.0.1:${port}`, port, output: () => output, stop };
}

export type AuthTestEnvironment = {
  baseUrl: string;
  services: TestServices;
  /** The demo's two accounts (admin, operator) with their generated passwords. */
  accounts: { admin: DemoAccount; operator: DemoAccount };
  /** The web server's stdout and stderr (whole with `keepServerOutput`). */
  serverOutput: () => string;
  stop: () => Promise<void>;
};

/** Test services, the demo's two application accounts, a fresh build and `next start` on top. */
export async function startAuthTestEnvironment(options: {
  name: string;
  env?: Record<string, string>;
  keepServerOutput?: boolean;
  /** A directory to load into slapd (LDIF file, e.g. scripts/generated-directory.ts). */
  ldifPath?: string;
}): Promise<AuthTestEnvironment> {
  await ensureBuilt();
  const services = await startTestServices({ name: options.name, ldifPath: options.ldifPath });
  let server: NextServer | undefined;
  try {
    const demo = await withPrisma(services.databaseUrl, (db) => ensureDemoAccounts(db, path.join(services.dataDir, 'accounts.json')));
    const admin = demo.find((a) => a.role === 'ADMINISTRATOR');
    const operator = demo.find((a) => a.role === 'OPERATOR');
    if (!admin || !operator) throw new Error('The demo accounts were not created');
    server = await startNextServer({ DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl, ...options.env }, { keepOutput: options.keepServerOutput });
    const running = server;
    return {
      baseUrl: running.baseUrl,
      services,
      accounts: { admin, operator },
      serverOutput: running.output,
      stop: async () => {
        await running.stop();
        await services.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    await services.stop();
    throw error;
  }
}
