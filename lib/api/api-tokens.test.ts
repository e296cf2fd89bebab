import { describe, expect, it } from 'vitest';
import { hashApiToken, isWellFormedApiToken, newApiTokenValue } from './api-tokens';

describe('API token values', () => {
  it('are idm_ + 43 base64url characters, different every time', () => {
    const a = newApiTokenValue();
    expect(a).toMatch(/^idm_[A-Za-z0-9_-]{43}$/);
    expect(isWellFormedApiToken(a)).toBe(true);
    expect(newApiTokenValue()).not.toBe(a);
  });

  it('are stored as SHA-256 hex, never as themselves', () => {
    const token = newApiTokenValue();
    expect(hashApiToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken(token)).not.toContain(token.slice(4, 12));
  });

  it('refuses anything else before any lookup (session tokens, padding, other prefixes)', () => {
    for (const bad of ['', 'idm_', `idm_${'a'.repeat(42)}`, `idm_${'a'.repeat(44)}`, `xyz_${'a'.repeat(43)}`, 'a'.repeat(43), `idm_${'a'.repeat(42)}=`, null, 42]) {
      expect(isWellFormedApiToken(bad)).toBe(false);
    }
  });
});
