import { z } from 'zod';
import { prisma, type Account, type AccountRole } from '@/lib/db';
import { hashPassword } from './password';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordWeakness } from './password-rule';

export { MIN_PASSWORD_LENGTH } from './password-rule';

/** Usernames of application accounts are case-insensitive: stored and looked up lower-case. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

export const usernameSchema = z
  .string()
  .trim()
  .min(1, 'Enter a username.')
  .max(64, 'A username has at most 64 characters.')
  .regex(/^[A-Za-z0-9._@-]+$/, 'Use letters, digits, and . _ @ - only.')
  .transform(normalizeUsername);

/**
 * Long passphrases beat composition rules (NIST SP 800-63B): length, and no password a cracker
 * tries first (lib/auth/password-rule). Where the account is known, `passwordWeakness` is asked
 * again with its name (createAccount, changePassword).
 */
export const newPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `A password has at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(MAX_PASSWORD_LENGTH, `A password has at most ${MAX_PASSWORD_LENGTH} characters.`)
  .superRefine((password, ctx) => {
    const weakness = passwordWeakness(password);
    if (weakness) ctx.addIssue({ code: 'custom', message: weakness });
  });

/** Thrown when a password is acceptable in general but not for this account (it is built on its name). */
export class WeakPasswordError extends Error {}

export type NewAccount = {
  username: string;
  password: string;
  role: AccountRole;
  displayName?: string | null;
};

export class AccountExistsError extends Error {
  constructor(username: string) {
    super(`An account named "${username}" already exists.`);
  }
}

/** Creates an application account; the password is validated and stored only as a scrypt hash. */
export async function createAccount(input: NewAccount): Promise<Account> {
  const username = usernameSchema.parse(input.username);
  const password = newPasswordSchema.parse(input.password);
  const weakness = passwordWeakness(password, [username, input.displayName]);
  if (weakness) throw new WeakPasswordError(weakness);
  const passwordHash = await hashPassword(password);
  const existing = await prisma().account.findUnique({ where: { username } });
  if (existing) throw new AccountExistsError(username);
  return prisma().account.create({
    data: { username, passwordHash, role: input.role, displayName: input.displayName ?? null },
  });
}
