import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, generateEncryptionKey, parseEncryptionKey } from './crypto';

describe('secrets at rest', () => {
  const key = parseEncryptionKey(generateEncryptionKey());

  it('round-trips and never stores the plain text', () => {
    const blob = encryptSecret('s3cret bind pässword', key);
    expect(blob).not.toContain('s3cret');
    expect(decryptSecret(blob, key)).toBe('s3cret bind pässword');
  });

  it('refuses another key with an actionable message', () => {
    const blob = encryptSecret('x', key);
    expect(() => decryptSecret(blob, parseEncryptionKey(generateEncryptionKey()))).toThrow(/APP_ENCRYPTION_KEY/);
  });

  it('validates the key', () => {
    expect(() => parseEncryptionKey(undefined)).toThrow(/not set/);
    expect(() => parseEncryptionKey('short')).toThrow(/32 bytes/);
    expect(parseEncryptionKey('a'.repeat(64))).toHaveLength(32);
  });
});
