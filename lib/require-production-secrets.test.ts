import { describe, expect, it } from 'vitest';
import { generateEncryptionKey } from './crypto';
import { requireProductionSecrets } from './require-production-secrets';

describe('requireProductionSecrets', () => {
  it('refuses production without APP_ENCRYPTION_KEY or with a malformed one', () => {
    expect(() => requireProductionSecrets({ NODE_ENV: 'production' })).toThrow(/APP_ENCRYPTION_KEY is not set/);
    expect(() => requireProductionSecrets({ NODE_ENV: 'production', APP_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/32 bytes/);
  });

  it('accepts production with a 32-byte key, and development without one', () => {
    expect(() => requireProductionSecrets({ NODE_ENV: 'production', APP_ENCRYPTION_KEY: generateEncryptionKey() })).not.toThrow();
    expect(() => requireProductionSecrets({ NODE_ENV: 'development' })).not.toThrow();
  });
});
