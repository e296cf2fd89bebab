// `npm run build:jobs`: bundles the worker and the sync CLI into .build/ (jobs/runtime.ts says why).
// Each bundle is written to a temporary file and renamed into place, so that a process starting
// from .build/ at that moment (a test file's worker, the demo) never loads a half-written bundle.
//
// The bundles must not contain Prisma: its query compiler (WebAssembly) costs a process ~70 MB of
// RSS once a query ran, which kept the worker above 160 MB. Their database access is plain SQL on
// lib/db-pool.ts; the build fails, naming the import chain, when one of their modules pulls in
// lib/db.ts or the generated Prisma client.
// `node scripts/build-jobs.mjs --check [entry ...]` only bundles in memory and checks (scripts/build-jobs.test.ts).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const entries = args.filter((a) => !a.startsWith('--'));
const entryPoints = entries.length ? entries : ['jobs/worker.ts', 'scripts/sync.ts'];

const { outputFiles, metafile } = await build({
  absWorkingDir: root,
  entryPoints,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  outbase: '.',
  outdir: '.build',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
  metafile: true,
  write: false,
});

const isPrisma = (file) => file === 'lib/db.ts' || file.startsWith('lib/generated/') || file.startsWith('@prisma/');
for (const [output, { entryPoint, inputs }] of Object.entries(metafile.outputs)) {
  if (!entryPoint) continue;
  const chain = importChain(entryPoint, Object.keys(inputs));
  if (chain) {
    console.error(`build:jobs: ${output} would load Prisma (${chain.join(' -> ')}). Use plain SQL on lib/db-pool.ts in the worker and the sync CLI.`);
    process.exit(1);
  }
}

/** The shortest chain of imports from the entry point to a Prisma module among the output's inputs (or externals), if any. */
function importChain(entryPoint, bundled) {
  const inBundle = new Set(bundled);
  const previous = new Map([[entryPoint, null]]);
  const queue = [entryPoint];
  while (queue.length) {
    const file = queue.shift();
    if (isPrisma(file)) {
      const chain = [];
      for (let at = file; at !== null; at = previous.get(at)) chain.unshift(at);
      return chain;
    }
    for (const { path: imported, external } of metafile.inputs[file]?.imports ?? []) {
      if ((external || inBundle.has(imported)) && !previous.has(imported)) {
        previous.set(imported, file);
        queue.push(imported);
      }
    }
  }
  return null;
}

if (!check) {
  for (const file of outputFiles) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
}
