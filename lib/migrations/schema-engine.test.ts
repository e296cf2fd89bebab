import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineGlueProblems, VERIFIED_SCHEMA_ENGINE_WASM } from './schema-engine';

// schema-engine.ts drives the wasm-bindgen glue of @prisma/schema-engine-wasm by hand (Node 20
// cannot import its .wasm). An upgrade must fail here, not in a developer's `db:migration:new`.
describe('the schema engine adapter', () => {
  it('is given the release of @prisma/schema-engine-wasm it was verified against', () => {
    const entry = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm');
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(VERIFIED_SCHEMA_ENGINE_WASM);
    const manifest = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@prisma/schema-engine-wasm']).toBe(VERIFIED_SCHEMA_ENGINE_WASM);
  });

  it('finds the glue entry points it uses, and names what an incompatible glue lacks', () => {
    expect(engineGlueProblems()).toEqual([]);
    expect(engineGlueProblems({ SchemaEngine: {} })).toEqual(['the glue has no __wbg_set_wasm()', 'the glue has no SchemaEngine.new()']);
  });
});
