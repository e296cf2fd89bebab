import { describe, expect, it } from 'vitest';
import { safeNextPath } from './redirect';

const BASE = 'http://idm.invalid';

describe('safeNextPath', () => {
  it('keeps paths on this site, with their query', () => {
    expect(safeNextPath('/admin')).toBe('/admin');
    expect(safeNextPath('/operator/users?q=jane%20doe')).toBe('/operator/users?q=jane%20doe');
    expect(safeNextPath('/operator/./users')).toBe('/operator/users');
    expect(safeNextPath('/operator/runs/12?page=2#items')).toBe('/operator/runs/12?page=2#items');
  });

  // What an attacker tries: each must be refused, or at least never come out as a URL that
  // leaves the site (absolute, protocol-relative, or a backslash a browser reads as a slash).
  const HOSTILE = [
    'https://evil.example/',
    '//evil.example/admin',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    '/\t/evil.example',
    'admin',
    '/login',
    '/login?next=/admin',
    '/LOGIN',
    '/./login',
    // Dot segments that normalise to a protocol-relative URL (issue 15, finding 5).
    '/.//evil.example',
    '/./\\/evil.example',
    '/%2e//evil.example',
    '/%2E//evil.example',
    '/%2e%2e//evil.example',
    '/..//evil.example',
    '/../..//evil.example',
    '/a/..//evil.example',
    '/a/%2e%2e//evil.example',
    '/.///evil.example',
    '/././/evil.example',
    '/.//evil.example/?x=1',
    '/.%2f/evil.example',
    '/%2f/evil.example',
    '/%5c/evil.example',
    '/%5cevil.example',
    '/.%5c/evil.example',
    '/%09/evil.example',
    '/%0a/evil.example',
    '/\u3000/evil.example',
    '/\u00a0/evil.example',
    '/\uff0f\uff0fevil.example',
    '/\u2215\u2215evil.example',
    '/%25%32%65//evil.example',
    ' /admin',
    '/admin\n',
    '',
    undefined,
    null,
    42,
    ['/admin'],
    'x'.repeat(3000),
  ];

  it.each(HOSTILE)('never leaves the site for %j', (next) => {
    const result = safeNextPath(next);
    if (result === null) return;
    expect(result.startsWith('/')).toBe(true);
    expect(result.startsWith('//')).toBe(false);
    expect(result).not.toMatch(/^\/[\\/]|[\\\u0000-\u001f\u007f]/);
    expect(new URL(result, BASE).origin).toBe(BASE);
    // A browser resolves the Location header relative to the page: still on the site.
    expect(new URL(result, 'https://idm.example.com/login?next=x').host).toBe('idm.example.com');
    expect(result).not.toMatch(/^\/login(\/|\?|#|$)/i);
  });

  it.each([
    '/.//evil.example',
    '/%2e//evil.example',
    '/..//evil.example',
    '/a/..//evil.example',
    'https://evil.example/',
    '//evil.example/admin',
    '/\\evil.example',
    '/login',
    '/LOGIN',
    '',
    undefined,
    42,
  ])('refuses %j', (next) => {
    expect(safeNextPath(next)).toBeNull();
  });
});
