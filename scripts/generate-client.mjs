// Generates the Prisma client (lib/generated/prisma, not committed) from prisma/schema.prisma.
// Run by npm after every `npm ci`/`npm install` (postinstall), by `npm run demo` when the client
// is missing or older than the schema (an install with --ignore-scripts), and by `npm test`.
//
// Offline on purpose: `prisma generate` only needs the schema engine binary to exist, never to
// run (the prisma-client generator works in WebAssembly), but without one it tries to download it
// from binaries.prisma.sh, which air-gapped machines cannot reach. A dummy path stops that; an
// engine the environment provides wins.
//
//   node scripts/generate-client.mjs             always generate
//   node scripts/generate-client.mjs --if-stale  only when missing or older than the schema
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const schema = path.join(root, 'prisma', 'schema.prisma');
const client = path.join(root, 'lib', 'generated', 'prisma', 'client.ts');

function clientIsStale() {
  return !existsSync(client) || statSync(client).mtimeMs < statSync(schema).mtimeMs;
}

if (process.argv.includes('--if-stale') && !clientIsStale()) process.exit(0);

const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [prismaCli, 'generate'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || '/bin/false',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
process.exit(result.status ?? 1);
