import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { waitForPort } from './ports';
import { statFields } from './proc-stat';

// Servers that fork (Samba's pre-forked workers) run in a process group of their own, so that
// stopping them reaches every process. Zombies are not counted: an orphan waits for init to
// reap it, and it holds no port or file any more.

/** Live (non-zombie) processes of the group, read from /proc. */
export function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    if (!fields) continue; // ended meanwhile
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') members.push(Number(name));
  }
  return members;
}

/** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once no live process of it is left. */
export async function stopProcessGroup(pgid: number, what: string, graceMs = 10_000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pgid, s);
    } catch {
      // none left
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  let killed = false;
  while (processGroupMembers(pgid).length > 0) {
    if (Date.now() > deadline) {
      if (killed && Date.now() > deadline + 5_000) throw new Error(`${what} (process group ${pgid}) did not end: ${processGroupMembers(pgid).join(', ')}`);
      if (!killed) signal('SIGKILL');
      killed = true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** For an exit handler: SIGKILL to the group, synchronously. */
export function killProcessGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // none left
  }
}

/**
 * Spawns a server in a process group of its own (detached: stopProcessGroup reaches whatever it
 * forks) and resolves once it listens on every port. `onSpawn` gets the child at once, so that a
 * failed start can still be cleaned up. If the server exits first, the error ends with the last
 * lines of its output and of `moreOutput()` (e.g. its error log).
 */
export async function startServerGroup(
  what: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; ports: number[]; log?: (line: string) => void; onSpawn?: (child: ChildProcess) => void; moreOutput?: () => string },
): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env, detached: true });
  options.onSpawn?.(child);
  let output = '';
  const collect = (chunk: string) => {
    if (output.length < 16_384) output += chunk;
    if (options.log) for (const line of chunk.split('\n')) if (line) options.log(line);
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await Promise.race([
    Promise.all(options.ports.map((port) => waitForPort(port, 60_000))),
    exited.then((code) => {
      const tail = (output + (options.moreOutput?.() ?? '')).trim().split('\n').slice(-15).join('\n');
      throw new Error(`${what} exited (code ${code}) before listening: ${tail}`);
    }),
  ]);
  return child;
}
