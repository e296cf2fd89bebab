import { EncryptionKeyError, parseEncryptionKey } from './crypto';

/**
 * In production the product refuses to start without a valid APP_ENCRYPTION_KEY: without it the
 * LDAP bind password could be neither stored encrypted nor read back, and a missing key would
 * otherwise surface only at the first sync, long after deployment. Development and tests may
 * run without it (nothing is encrypted until a bind password is saved).
 */
export function requireProductionSecrets(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV !== 'production') return;
  parseEncryptionKey(env.APP_ENCRYPTION_KEY);
}

/** For process entry points: prints why and exits instead of serving without the key. */
export function refuseToStartWithoutProductionSecrets(processName: string): void {
  try {
    requireProductionSecrets();
  } catch (error) {
    if (!(error instanceof EncryptionKeyError)) throw error;
    console.error(`${processName} refuses to start: ${error.message}`);
    process.exit(1);
  }
}
