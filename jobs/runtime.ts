import { execFileSync } from 'node:child_process';
import path from 'node:path';

// The worker and the sync CLI run as plain JavaScript bundled by esbuild (`npm run build:jobs`,
// .build/), not through the tsx loader: the loader's own thread costs ~55 MB and 0.4 s at start.
// Their heap is capped on purpose: a run holds a few pages (~20 MB live whatever the directory's
// size), and a capped old space makes V8 collect instead of growing to a few hundred MB. The young
// generation stays at V8's 16 MB: at 4 MB the collector cost the sync ~0.1-0.2 s of CPU per 20,000
// people (bench, 100k). package.json's `worker` and `sync` scripts use the same flags.

export const RUNTIME_NODE_FLAGS = ['--max-semi-space-size=16', '--max-old-space-size=128'];

const ROOT = path.resolve(import.meta.dirname, '..');

export const WORKER_BUNDLE = path.join(ROOT, '.build', 'jobs', 'worker.mjs');
export const SYNC_BUNDLE = path.join(ROOT, '.build', 'scripts', 'sync.mjs');

/** Bundles the worker and the sync CLI (the `build:jobs` script, well under a second). */
export function buildRuntime(): void {
  execFileSync('npm', ['run', '-s', 'build:jobs'], { cwd: ROOT, stdio: 'inherit' });
}
