import { Document, Spectral } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi';

// The generated document is lint-clean under Spectral's spectral:oas ruleset (what `extends:
// spectral:oas` in a .spectral.yaml runs): zero errors, zero warnings, zero hints. Client generators
// name their functions from operationId, and people read the descriptions.

const SEVERITY = ['error', 'warning', 'information', 'hint'];

async function lintOpenApi(document: object) {
  const spectral = new Spectral();
  spectral.setRuleset({ extends: [oas] } as never);
  const results = await spectral.run(new Document(JSON.stringify(document, null, 2), Json, 'openapi.json'));
  return results.map((r) => `${SEVERITY[r.severity]} ${r.code} at ${r.path.join('.')}: ${r.message}`);
}

describe('the OpenAPI document under spectral:oas', () => {
  it('has no finding', async () => {
    expect(await lintOpenApi(openApiDocument)).toEqual([]);
  }, 60_000);

  it('the lint finds what it should (an operation without operationId and description)', async () => {
    const broken = structuredClone(openApiDocument) as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
    delete broken.paths['/api/v1/jobs']!.get!.operationId;
    delete broken.paths['/api/v1/jobs']!.get!.description;
    const findings = await lintOpenApi(broken);
    expect(findings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^warning operation-operationId at paths\./), expect.stringMatching(/^warning operation-description at paths\./)]),
    );
  }, 60_000);
});
