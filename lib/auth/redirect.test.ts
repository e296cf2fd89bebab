import { describe, expect, it } from 'vitest';
import { safeNextPath } from './redirect';

describe('safeNextPath', () => {
  it('keeps paths on this site, with their query', () => {
    expect(safeNextPath('/admin')).toBe('/admin');
    expect(safeNextPath('/operator/users?q=jane%20doe')).toBe('/operator/users?q=jane%20doe');
  });

  it.each([
    'https://evil.example/',
    '//evil.example/admin',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    '/\t/evil.example',
    'admin',
    '/login',
    '/login?next=/admin',
    '',
    undefined,
    42,
  ])('refuses %j', (next) => {
    expect(safeNextPath(next)).toBeNull();
  });
});
