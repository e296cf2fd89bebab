import { execFileSync } from 'node:child_process';
import path from 'node:path';

// The worker and the sync CLI run as plain JavaScript bundled by esbuild (`npm run build:jobs`,
// .build/), not through the tsx loader: the loader's own thread costs ~55 MB and 0.4 s at start.
// Their heap is kept small on purpose: a run holds one or two pages (~20 MB live whatever the
// directory's size), and a capped young generation and old space make V8 collect instead of
// growing to a few hundred MB. package.json's `worker` and `sync` scripts use the same flags.

export const RUNTIME_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=128'];

const ROOT = path.resolve(import.meta.dirname, '..');

export const WORKER_BUNDLE = path.join(ROOT, '.build', 'jobs', 'worker.mjs');
export const SYNC_BUNDLE = path.join(ROOT, '.build', 'scripts', 'sync.mjs');

/** Bundles the worker and the sync CLI (the `build:jobs` script, well under a second). */
export function buildRuntime(): void {
  execFileSync('npm', ['run', '-s', 'build:jobs'], { cwd: ROOT, stdio: 'inherit' });
}
