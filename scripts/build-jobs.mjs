// `npm run build:jobs`: bundles the worker and the sync CLI into .build/ (jobs/runtime.ts says why).
// Each bundle is written to a temporary file and renamed into place, so that a process starting
// from .build/ at that moment (a test file's worker, the demo) never loads a half-written bundle.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const { outputFiles } = await build({
  absWorkingDir: root,
  entryPoints: ['jobs/worker.ts', 'scripts/sync.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  outdir: '.build',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
  write: false,
});
for (const file of outputFiles) {
  mkdirSync(path.dirname(file.path), { recursive: true });
  const temporary = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temporary, file.contents);
  renameSync(temporary, file.path);
}
