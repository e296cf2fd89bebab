import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Secrets at rest (the LDAP bind password): AES-256-GCM with a key from the environment.
// Stored form: v1.<iv base64>.<tag base64>.<ciphertext base64>

export class EncryptionKeyError extends Error {}

export function parseEncryptionKey(raw: string | undefined): Buffer {
  if (!raw) {
    throw new EncryptionKeyError(
      'APP_ENCRYPTION_KEY is not set. Generate one with `openssl rand -base64 32` and keep it safe: it decrypts the stored LDAP bind password.',
    );
  }
  const trimmed = raw.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new EncryptionKeyError('APP_ENCRYPTION_KEY must be 32 bytes, given as 64 hex digits or base64 (`openssl rand -base64 32`).');
  }
  return key;
}

export function encryptionKey(): Buffer {
  return parseEncryptionKey(process.env.APP_ENCRYPTION_KEY);
}

export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

export function encryptSecret(plain: string, key: Buffer = encryptionKey()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join('.');
}

export function decryptSecret(blob: string, key: Buffer = encryptionKey()): string {
  const [version, iv, tag, data] = blob.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new EncryptionKeyError('Stored secret has an unknown format.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new EncryptionKeyError('The stored secret cannot be decrypted with APP_ENCRYPTION_KEY: was the key changed? Re-enter the bind password in LDAP connection settings.');
  }
}
