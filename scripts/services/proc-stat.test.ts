import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { treeCpuSeconds } from './proc-stat';
import { stopProcessGroup } from './process-group';

// Real processes, read from /proc: a parent that runs a busy child, as PostgreSQL runs a backend.
// The child burns 0.3 s of CPU time (not wall time, which a busy host would stretch) and says so.
const BURN = `while (process.cpuUsage().user < 300_000); console.log('burnt');`;

/** A parent process running `code` in a child of its own, relaying its output and saying when it reaped it. */
function parentOf(code: string) {
  return spawn(
    process.execPath,
    ['-e', `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(code)}], { stdio: 'inherit' }); c.on('exit', () => console.log('reaped')); setTimeout(() => {}, 60_000);`],
    // A group of its own: stopped with its child whatever the test saw.
    { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
}

async function line(parent: ReturnType<typeof parentOf>, text: string): Promise<void> {
  let seen = '';
  for await (const chunk of parent.stdout!) {
    seen += chunk;
    if (seen.includes(text)) return;
  }
  throw new Error(`no "${text}" in ${seen}`);
}

describe('treeCpuSeconds', () => {
  it.each([
    { what: 'a child that is still running', code: `${BURN} setTimeout(() => {}, 60_000);`, waitFor: 'burnt' },
    { what: 'a child the parent has reaped (a closed connection)', code: BURN, waitFor: 'reaped' },
  ])('counts $what', async ({ code, waitFor }) => {
    const parent = parentOf(code);
    try {
      await line(parent, waitFor);
      expect(treeCpuSeconds(parent.pid!)).toBeGreaterThanOrEqual(0.3);
    } finally {
      await stopProcessGroup(parent.pid!, 'the test parent', 1000);
    }
  });

  it('is null for a process that is gone', async () => {
    const gone = spawn(process.execPath, ['-e', '0']);
    await once(gone, 'exit');
    expect(treeCpuSeconds(gone.pid!)).toBeNull();
  });
});
