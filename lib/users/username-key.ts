/**
 * The case-insensitive key a username is unique by (users.username_key): NFC, then lower case,
 * as the sync computes it from a directory entry (lib/sync/mapping.ts), so that a decomposed and a
 * composed spelling of one name are one user.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}
