import { describe, expect, it } from 'vitest';
import { checkRequestUrl, checkServerActionBody, checkServerActionHeaders, isPossibleServerAction, SERVER_ACTION_BODY_LIMIT_BYTES } from './request-guard';

const url = (pathAndQuery: string) => new URL(`http://idm.test${pathAndQuery}`);
const codeOf = (e: { code: string } | null) => e?.code ?? null;

describe('checkRequestUrl', () => {
  it.each([
    '/',
    '/operator/users/hostile.user',
    '/operator/users/%E7%8E%8B%E4%BC%9F',
    '/api/v1/jobs?x=1&y=&z',
    '/login?next=%2Fadmin%2F%2E%2E%2F',
    '/operator/users?q=%25',
    '/operator/users?q=%252e%252e', // double encoding: decoded once, harmless text
    '/operator/users?q=a+b',
    '/audit-log?from=2026-13-45',
    '/operator/users?q=(%26(uid%3D*))',
  ])('lets %s through', (p) => {
    expect(checkRequestUrl(url(p))).toBeNull();
  });

  it.each([
    ['a NUL in a segment', '/operator/users/%00'],
    ['a NUL at the start of a segment', '/operator/users/%00abc'],
    ['a NUL in the middle of a segment', '/operator/users/ab%00c'],
    ['a NUL at the end of a segment', '/operator/users/abc%00'],
    ['a NUL in a query value', '/operator/users?q=%00'],
    ['a NUL at the end of a query value', '/operator/users?q=abc%00'],
    ['a NUL in a query name', '/operator/users?%00=1'],
    ['a NUL in a parameter without =', '/operator/users?a%00'],
    ['a NUL in a later parameter', '/audit-log?from=2026-01-01&to=%00'],
    ['a control character', '/operator/users?q=%1B%5B31m'],
    ['DEL', '/operator/users/%7F'],
    ['an overlong "."', '/x/%C0%AE'],
    ['an overlong "/" in a query', '/operator/users?q=%C0%AF'],
    ['an overlong NUL', '/operator/users/%C0%80'],
    ['a UTF-8-encoded surrogate', '/operator/users/%ED%A0%80'],
    ['a stray %', '/operator/users/%'],
    ['a stray % in a query', '/operator/users?q=100%'],
    ['%ZZ', '/operator/users/%ZZ'],
    ['a truncated sequence', '/operator/users/%E7%8E'],
  ])('refuses %s (%s) with 400 bad_request', (_what, p) => {
    const refused = checkRequestUrl(url(p));
    expect(codeOf(refused)).toBe('bad_request');
    expect(refused?.status).toBe(400);
  });
});

describe('isPossibleServerAction', () => {
  it('is a non-GET request to a page, never to /api', () => {
    const req = (method: string) => new Request('http://idm.test/x', { method });
    expect(isPossibleServerAction(req('POST'), '/admin/batch-synchronization/x')).toBe(true);
    expect(isPossibleServerAction(req('PUT'), '/login')).toBe(true);
    expect(isPossibleServerAction(req('GET'), '/login')).toBe(false);
    expect(isPossibleServerAction(req('HEAD'), '/login')).toBe(false);
    expect(isPossibleServerAction(req('POST'), '/api/v1/jobs/x/runs')).toBe(false);
  });
});

describe('checkServerActionHeaders', () => {
  const action = (headers: Record<string, string>) => new Request('http://idm.test/login', { method: 'POST', headers: { host: 'idm.test', 'next-action': 'abc', 'content-type': 'multipart/form-data; boundary=x', 'content-length': '10', ...headers } });
  it.each([
    ['same origin', {}, null],
    ['no Origin at all (not a browser)', {}, null],
    ['same origin behind a proxy', { origin: 'https://idm.example', 'x-forwarded-host': 'idm.example' }, null],
    ['text/plain', { 'content-type': 'text/plain;charset=UTF-8' }, null],
    ['exactly the limit', { 'content-length': String(SERVER_ACTION_BODY_LIMIT_BYTES) }, null],
    ['another origin', { origin: 'http://evil.example' }, 'cross_origin_request'],
    ['another port', { origin: 'http://idm.test:8080' }, 'cross_origin_request'],
    ['Origin null (sandboxed frame)', { origin: 'null' }, 'cross_origin_request'],
    ['a malformed Origin', { origin: 'not a url' }, 'cross_origin_request'],
    ['a forwarded host that differs', { origin: 'http://idm.test', 'x-forwarded-host': 'other.example' }, 'cross_origin_request'],
    ['one byte over 1 MiB', { 'content-length': String(SERVER_ACTION_BODY_LIMIT_BYTES + 1) }, 'payload_too_large'],
    ['a Content-Length that is not a number', { 'content-length': '12abc' }, 'bad_request'],
    ['a negative Content-Length', { 'content-length': '-1' }, 'bad_request'],
    ['a huge Content-Length', { 'content-length': '9'.repeat(30) }, 'bad_request'],
    ['application/json', { 'content-type': 'application/json' }, 'unsupported_media_type'],
    ['no content type', { 'content-type': '' }, 'unsupported_media_type'],
  ])('%s: %j -> %s', (_what, headers, code) => {
    const h: Record<string, string> = { origin: 'http://idm.test', ...headers };
    if (_what.startsWith('no Origin')) delete h.origin;
    expect(codeOf(checkServerActionHeaders(action(h)))).toBe(code);
  });

  it('a chunked body without a length is 411', () => {
    const headers = new Headers({ host: 'idm.test', 'next-action': 'abc', 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    const request = { headers } as unknown as Request;
    expect(codeOf(checkServerActionHeaders(request))).toBe('length_required');
  });
});

describe('checkServerActionBody', () => {
  const multipart = (entries: Array<[string, string]>) => {
    const form = new FormData();
    for (const [k, v] of entries) form.append(k, v);
    return new Request('http://idm.test/x', { method: 'POST', headers: { 'next-action': 'abc' }, body: form });
  };
  const text = (body: string | Uint8Array) => new Request('http://idm.test/x', { method: 'POST', headers: { 'next-action': 'abc', 'content-type': 'text/plain;charset=UTF-8' }, body: body as unknown as BodyInit });

  it('lets what React sends through', async () => {
    expect(await checkServerActionBody(multipart([['_1_cronExpression', '0 2 * * *'], ['0', '["inactive-ldap-users",{"status":"idle","version":1},"$K1"]']]))).toBeNull();
    expect(await checkServerActionBody(text('["a",{"b":"王"}]'))).toBeNull();
    // Not an action at all: nothing to check.
    expect(await checkServerActionBody(new Request('http://idm.test/x', { method: 'POST', body: 'x' }))).toBeNull();
  });

  it.each([
    ['a NUL in a form value', multipart([['_1_q', 'a\u0000']])],
    ['a NUL at the start of a form value', multipart([['_1_q', '\u0000a']])],
    ['a NUL in a form field name', multipart([['_1_q\u0000', 'a']])],
    ['a NUL escaped in the arguments', multipart([['0', '["\\u0000"]']])],
    ['a NUL escaped in an argument key', multipart([['0', '[{"\\u0000":1}]']])],
    ['a lone surrogate escaped in the arguments', multipart([['0', '["\\ud800"]']])],
    ['arguments that are not JSON', multipart([['0', '[not json']])],
    ['a text body that is not JSON', text('hello')],
    ['a text body that is not an array', text('{"a":1}')],
    ['a NUL in a text body', text('["\\u0000"]')],
    ['a text body that is not UTF-8 (overlong)', text(new Uint8Array([0x5b, 0x22, 0xc0, 0xae, 0x22, 0x5d]))],
    ['a text body with a UTF-8 surrogate', text(new Uint8Array([0x5b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x5d]))],
  ])('refuses %s with 400 bad_request', async (_what, request) => {
    expect(codeOf(await checkServerActionBody(request))).toBe('bad_request');
  });

  it('refuses a multipart body that does not parse', async () => {
    const request = new Request('http://idm.test/x', { method: 'POST', headers: { 'next-action': 'abc', 'content-type': 'multipart/form-data; boundary=zzz' }, body: 'garbage' });
    expect(codeOf(await checkServerActionBody(request))).toBe('bad_request');
  });
});
