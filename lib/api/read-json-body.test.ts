import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { requireSameOriginForSession, type ApiPrincipal } from './authenticate';
import { ApiError } from './errors';
import { MAX_JSON_BODY_BYTES, readJsonBody } from './read-json-body';
import { scheduleBody } from './v1-schemas';

const post = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request('http://127.0.0.1/x', { method: 'POST', body, headers });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe('readJsonBody', () => {
  it('parses a strict schema and reports unknown fields and wrong types per field', async () => {
    expect(await readJsonBody(post('{"expression":"0 2 * * *","timeZone":"UTC","paused":true}'), scheduleBody)).toEqual({ expression: '0 2 * * *', timeZone: 'UTC', paused: true });
    // paused is optional (false: scheduled); the deprecated enabled still means !paused.
    expect(await readJsonBody(post('{"expression":"0 2 * * *","timeZone":"UTC"}'), scheduleBody)).toEqual({ expression: '0 2 * * *', timeZone: 'UTC', paused: false });
    expect(await readJsonBody(post('{"expression":"0 2 * * *","timeZone":"UTC","enabled":false}'), scheduleBody)).toEqual({ expression: '0 2 * * *', timeZone: 'UTC', paused: true });
    try {
      await readJsonBody(post('{"expression":1,"timeZone":"UTC","enabled":true,"extra":1}'), scheduleBody);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(422);
      expect((error as ApiError).extra.fieldErrors).toMatchObject({ expression: [expect.any(String)], extra: ['Unknown field.'] });
    }
  });

  it('answers 400, 413 and 415 for bad JSON, oversized bodies (even without Content-Length) and other media types', async () => {
    expect(await codeOf(readJsonBody(post('{'), z.object({})))).toBe('invalid_json');
    expect(await codeOf(readJsonBody(post(JSON.stringify({ a: 'x'.repeat(MAX_JSON_BODY_BYTES) })), z.object({}).passthrough()))).toBe('payload_too_large');
    const streamed = new Request('http://127.0.0.1/x', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('"' + 'x'.repeat(MAX_JSON_BODY_BYTES + 10) + '"'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(await codeOf(readJsonBody(streamed, z.string()))).toBe('payload_too_large');
    expect(await codeOf(readJsonBody(post('a=1', { 'content-type': 'application/x-www-form-urlencoded' }), z.object({})))).toBe('unsupported_media_type');
  });

  it('treats an empty body as the given default', async () => {
    expect(await readJsonBody(post(undefined, {}), z.object({ dryRun: z.boolean().optional() }).strict(), { emptyIs: {} })).toEqual({});
  });
});

describe('requireSameOriginForSession', () => {
  const session: ApiPrincipal = { kind: 'session', accountId: 1, role: 'OPERATOR', actor: 'op' };
  const token: ApiPrincipal = { kind: 'token', tokenId: 1, name: 't', role: 'OPERATOR', actor: 'api-token:t', person: 'admin' };
  const req = (method: string, origin: string | null, secFetchSite: string | null = null) => ({ method, origin, secFetchSite, host: 'idm.example:3000' });

  it('lets reads and token requests through, and same-origin session changes', () => {
    expect(() => requireSameOriginForSession(session, req('GET', null))).not.toThrow();
    expect(() => requireSameOriginForSession(token, req('POST', 'https://evil.example'))).not.toThrow();
    expect(() => requireSameOriginForSession(session, req('POST', 'http://idm.example:3000'))).not.toThrow();
    expect(() => requireSameOriginForSession(session, req('PUT', null, 'same-origin'))).not.toThrow();
  });

  it('refuses session changes from another origin or without any origin information', () => {
    for (const r of [req('POST', 'https://evil.example'), req('POST', null), req('PUT', 'null'), req('POST', 'http://idm.example:3000.evil.example'), req('POST', null, 'same-site')]) {
      expect(() => requireSameOriginForSession(session, r)).toThrow(ApiError);
    }
  });
});
