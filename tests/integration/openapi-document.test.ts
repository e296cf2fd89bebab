import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appRouteHandlers, routeMethods } from '@/e2e/support/app-surface';
import { openApiDocument } from '@/lib/api/openapi';
import { API_TYPES_FILE, renderApiTypes } from '@/scripts/api-types';

// The generated OpenAPI document and the app's route handlers, both ways: every handler under
// app/api (each route.ts and the HTTP methods it exports) is described, and every described
// path and method is a handler. And the committed client types are the document's current ones.

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

/** "GET /api/v1/runs/{runId}" for every exported method of every route.ts under app/api. */
function handlers(): string[] {
  return appRouteHandlers()
    .filter((h) => h.file.startsWith('app/api/'))
    .flatMap((h) => {
      const template = h.file.replace(/^app/, '').replace(/\/route\.ts$/, '').replace(/\[(\w+)\]/g, '{$1}');
      return routeMethods(h.file).map((m) => `${m} ${template}`);
    })
    .sort();
}

function documented(): string[] {
  return Object.entries(openApiDocument.paths ?? {})
    .flatMap(([path, item]) => Object.keys(item).filter((k) => METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe('the OpenAPI document and the route handlers', () => {
  it('finds the handlers (the walk itself works)', () => {
    expect(handlers()).toEqual(expect.arrayContaining(['GET /api/v1/jobs', 'POST /api/v1/runs/{runId}/restore', 'DELETE /api/v1/webhooks/{webhookId}']));
    expect(handlers().filter((h) => h.includes('/api/v1/')).length).toBeGreaterThanOrEqual(18);
  });

  it('describes every handler, and every described operation is a handler', () => {
    const described = new Set(documented());
    const existing = new Set(handlers());
    expect({ undocumented: [...existing].filter((h) => !described.has(h)), withoutHandler: [...described].filter((d) => !existing.has(d)) }).toEqual({
      undocumented: [],
      withoutHandler: [],
    });
  });

  it('gives every operation a unique operationId and a description', () => {
    const operations = Object.values(openApiDocument.paths ?? {}).flatMap((item) =>
      Object.entries(item)
        .filter(([k]) => METHODS.includes(k))
        .map(([, op]) => op as { operationId?: string; description?: string }),
    );
    const ids = operations.map((op) => op.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.filter((op) => !op.description?.trim())).toEqual([]);
  });
});

describe('the committed client types (lib/api/openapi-types.generated.ts)', () => {
  it('are what openapi-typescript makes of the current document (else: npm run api:types)', async () => {
    expect(readFileSync(API_TYPES_FILE, 'utf8'), 'lib/api/openapi-types.generated.ts is stale: run npm run api:types').toBe(await renderApiTypes());
  }, 60_000);
});
