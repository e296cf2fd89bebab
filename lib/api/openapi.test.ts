import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from './errors';
import { REFUSALS } from '../errors/error-codes';
import { openApiDocument } from './openapi';

type Response = { description: string; headers?: Record<string, unknown> };
type Operation = { security?: readonly unknown[]; responses: Record<string, Response> };
const operations = Object.entries(openApiDocument.paths as unknown as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
);
const codesIn = (r: Response) => [...r.description.matchAll(/code `(\w+)`/g)].map((m) => m[1]!);

describe('the OpenAPI document lists the errors the API answers', () => {
  it('every authenticated operation: 400 bad_request, 401, 403, 429 rate_limited with Retry-After', () => {
    const missing: string[] = [];
    for (const { name, op } of operations) {
      if (Array.isArray(op.security) && op.security.length === 0) continue;
      for (const [status, code] of [['400', 'bad_request'], ['401', 'unauthenticated'], ['403', 'forbidden'], ['429', 'rate_limited'], ['500', 'internal_error']] as const) {
        if (!op.responses[status] || !codesIn(op.responses[status]).includes(code)) missing.push(`${name}: ${status} ${code}`);
      }
      if (!op.responses['429']?.headers?.['Retry-After']) missing.push(`${name}: 429 without Retry-After`);
      if (!op.responses['401']?.headers?.['WWW-Authenticate']) missing.push(`${name}: 401 without WWW-Authenticate`);
    }
    expect(missing).toEqual([]);
  });

  it('every operation, public ones too: 400 bad_request (the address check in front of every route)', () => {
    expect(operations.filter(({ op }) => !op.responses['400'] || !codesIn(op.responses['400']).includes('bad_request')).map((o) => o.name)).toEqual([]);
  });

  it('operations that take a body list 400 invalid_json, 413, 415 and 422', () => {
    const missing: string[] = [];
    for (const { name, op } of operations) {
      if (!name.startsWith('POST') && !name.startsWith('PUT')) continue;
      for (const [status, code] of [['400', 'invalid_json'], ['413', 'payload_too_large'], ['415', 'unsupported_media_type'], ['422', 'validation_failed'], ['403', 'cross_origin_request']] as const) {
        if (!op.responses[status] || !codesIn(op.responses[status]).includes(code)) missing.push(`${name}: ${status} ${code}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('each error code is documented under its own status, and every code the API answers appears somewhere', () => {
    const seen = new Set<string>();
    const misplaced: string[] = [];
    for (const { name, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        for (const code of codesIn(response)) {
          seen.add(code);
          if (String(REFUSALS[code as keyof typeof REFUSALS].status) !== status) misplaced.push(`${name}: ${code} under ${status}`);
        }
      }
    }
    expect(misplaced).toEqual([]);
    // length_required (411) is answered to server actions only, never by the API.
    // The pages' refusals that API v1 has no operation for, and server actions' chunked bodies.
    expect(API_ERROR_CODES.filter((c) => !seen.has(c))).toEqual(['length_required', 'settings_conflict', 'api_token_already_revoked']);
    const errorSchema = openApiDocument.components?.schemas?.Error as { properties: { code: { enum: string[] } } };
    expect(errorSchema.properties.code.enum).toEqual(API_ERROR_CODES);
  });
});
