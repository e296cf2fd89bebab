import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import type { PrismaClient } from '@/lib/generated/prisma/client';
import type { AccountRole } from '@/lib/generated/prisma/enums';

// The demo's two application accounts. Their passwords are random, generated on the first start and
// kept in a 0600 file beside the demo's data so that the demo can print them on every start.
// Production never gets these: its first administrator is created by a documented command.

export type DemoAccount = { username: string; password: string; role: AccountRole; displayName: string };

const DEMO_ACCOUNTS: ReadonlyArray<Omit<DemoAccount, 'password'>> = [
  { username: 'admin', role: 'ADMINISTRATOR', displayName: 'Demo administrator' },
  { username: 'operator', role: 'OPERATOR', displayName: 'Demo operator' },
];

const fileSchema = z.object({
  accounts: z.array(z.object({ username: z.string(), password: z.string().min(12), role: z.enum(['ADMINISTRATOR', 'OPERATOR']) })),
});

function readAccountsFile(file: string): Map<string, string> {
  if (!existsSync(file)) return new Map();
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? new Map(parsed.data.accounts.map((a) => [a.username, a.password])) : new Map();
}

/**
 * Makes sure `admin` and `operator` exist and sign in with the passwords in `file` (creating
 * both when missing). An existing account whose hash does not match the file (a database reused
 * with a new .data folder) gets the file's password, so the printed logins always work.
 */
export async function ensureDemoAccounts(db: PrismaClient, file: string): Promise<DemoAccount[]> {
  const known = readAccountsFile(file);
  const accounts: DemoAccount[] = DEMO_ACCOUNTS.map((a) => ({
    ...a,
    password: known.get(a.username) ?? randomBytes(12).toString('base64url'),
  }));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ accounts: accounts.map(({ username, password, role }) => ({ username, password, role })) }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);

  const existing = await db.account.findMany({ where: { username: { in: accounts.map((a) => a.username) } } });
  const byName = new Map(existing.map((a) => [a.username, a]));
  const missing = accounts.filter((a) => !byName.has(a.username));
  if (missing.length) {
    const data = await Promise.all(
      missing.map(async (a) => ({ username: a.username, displayName: a.displayName, role: a.role, passwordHash: await hashPassword(a.password) })),
    );
    await db.account.createMany({ data, skipDuplicates: true });
  }
  for (const account of accounts) {
    const row = byName.get(account.username);
    if (!row) continue;
    const stale = !(await verifyPassword(row.passwordHash, account.password)) || row.role !== account.role || row.disabled;
    if (stale) {
      await db.account.update({
        where: { id: row.id },
        data: { passwordHash: await hashPassword(account.password), role: account.role, disabled: false, failedSignIns: 0, lockedUntil: null },
      });
    }
  }
  return accounts;
}
