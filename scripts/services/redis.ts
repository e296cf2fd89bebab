import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForPort } from './ports';

export type RedisService = { url: string; stop: () => Promise<void> };

type Options = {
  dataDir: string;
  port: number;
  /** The demo keeps its queues and schedules across restarts; tests do not. */
  persistent?: boolean;
  log?: (line: string) => void;
};

/** Path of redis-server; installs Debian's package when missing and allowed (root, apt-get). */
export function ensureRedisServer(): string {
  const found = which('redis-server');
  if (found) return found;
  if (process.getuid?.() === 0 && which('apt-get')) {
    console.log('redis-server is missing: installing Debian package redis-server ...');
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '-q', 'redis-server'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const installed = which('redis-server');
    if (installed) return installed;
  }
  throw new Error(
    'redis-server (>= 6.2) is not installed. Install it (Debian: `sudo apt-get install redis-server`) or set REDIS_URL to an existing Redis.',
  );
}

/** A private redis-server on 127.0.0.1:port with `noeviction`, as BullMQ requires. */
export async function startRedis(options: Options): Promise<RedisService> {
  const binary = ensureRedisServer();
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const conf = [
    'bind 127.0.0.1',
    `port ${options.port}`,
    'protected-mode yes',
    'daemonize no',
    `dir ${dataDir}`,
    'maxmemory-policy noeviction',
    options.persistent ? 'appendonly yes' : 'appendonly no',
    options.persistent ? 'save 60 1' : 'save ""',
    'logfile ""',
  ].join('\n');
  const confPath = path.join(dataDir, 'redis.conf');
  writeFileSync(confPath, conf + '\n');
  const child: ChildProcess = spawn(binary, [confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (b: Buffer) => options.log?.(b.toString().trimEnd());
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([
    waitForPort(options.port),
    exited.then(() => {
      throw new Error(`redis-server exited at start (is port ${options.port} taken?)`);
    }),
  ]);
  return {
    url: `redis://127.0.0.1:${options.port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}
