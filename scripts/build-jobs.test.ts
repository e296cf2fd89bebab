import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The worker and the sync CLI run without Prisma (its query compiler costs ~70 MB of RSS):
// scripts/build-jobs.mjs refuses to bundle them when a module of theirs reaches lib/db.ts or the
// generated client. Bundled in memory, nothing is written.
const ROOT = path.resolve(import.meta.dirname, '..');
const check = (...entries: string[]) =>
  spawnSync(process.execPath, ['scripts/build-jobs.mjs', '--check', ...entries], { cwd: ROOT, encoding: 'utf8' });

describe('build:jobs', () => {
  it('bundles the worker and the sync CLI without Prisma', () => {
    const result = check();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses a bundle that would load Prisma, naming the import chain', () => {
    const result = check('lib/runs/run-history.ts');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('would load Prisma (lib/runs/run-history.ts -> lib/db.ts)');
  });
});
