import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '@/lib/audit/record-audit';
import { apiTokenStatus, type ApiTokenStatus } from './api-token-status';
import type { Refusal } from '@/lib/errors/error-codes';
import { prisma, type AccountRole, type ApiToken } from '@/lib/db';

// API tokens: `idm_` + 32 random bytes in base64url. Only the SHA-256 is stored (a database
// leak hands out nothing); the token is shown once, when it is created. The prefix lets an
// administrator recognise a token in the list without it being usable.

export const TOKEN_PREFIX = 'idm_';
const TOKEN_PATTERN = /^idm_[A-Za-z0-9_-]{43}$/;
/** Characters of the token kept for display: "idm_" and 8 more. */
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 8;

export function newApiTokenValue(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function isWellFormedApiToken(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_PATTERN.test(token);
}

export const apiTokenInput = z
  .object({
    name: z.string().trim().min(1, 'Name the token after what uses it.').max(100, 'A name has at most 100 characters.'),
    role: z.enum(['ADMINISTRATOR', 'OPERATOR'], { message: 'Choose Administrator or Operator.' }),
    expiresInDays: z.coerce.number().int().min(1, 'At least 1 day.').max(3650, 'At most 3650 days.').nullable().optional(),
  })
  .strict();

/** What lists show of a token: never its hash. */
export type ApiTokenSummary = Pick<ApiToken, 'id' | 'name' | 'role' | 'prefix' | 'createdAt' | 'lastUsedAt' | 'revokedAt' | 'expiresAt'> & {
  createdBy: string | null;
};

export type CreateApiTokenOptions = {
  name: string;
  role: AccountRole;
  /** null or absent: the token does not expire. */
  expiresInDays?: number | null;
  /** The administrator creating it. */
  actor: { accountId: number; username: string };
  ip?: string | null;
  now?: Date;
};

/** Creates a token; the returned `token` is the only time its value exists outside the caller's hands. */
export async function createApiToken(options: CreateApiTokenOptions): Promise<{ token: string; apiToken: ApiTokenSummary }> {
  const input = apiTokenInput.parse({ name: options.name, role: options.role, expiresInDays: options.expiresInDays ?? null });
  const now = options.now ?? new Date();
  const token = newApiTokenValue();
  const created = await prisma().apiToken.create({
    data: {
      name: input.name,
      role: input.role,
      tokenHash: hashApiToken(token),
      prefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
      createdById: options.actor.accountId,
      createdAt: now,
      expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null,
    },
  });
  await recordAudit({
    actor: options.actor.username,
    action: 'api_token.created',
    target: `api_token:${created.id}`,
    ip: options.ip ?? null,
    details: { name: created.name, role: created.role, prefix: created.prefix, expiresAt: created.expiresAt?.toISOString() ?? null },
  });
  return { token, apiToken: summarize(created, options.actor.username) };
}

/** Every token, newest first, each with whether it acts now and why not (lib/api/api-token-status). */
export async function listApiTokens(now = new Date()): Promise<Array<ApiTokenSummary & { state: ApiTokenStatus }>> {
  const rows = await prisma().apiToken.findMany({
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    include: { createdBy: { select: { username: true, disabled: true, role: true } } },
  });
  return rows.map((row) => ({ ...summarize(row, row.createdBy?.username ?? null), state: apiTokenStatus(row, row.createdBy, now) }));
}

function summarize(row: ApiToken, createdBy: string | null): ApiTokenSummary {
  const { id, name, role, prefix, createdAt, lastUsedAt, revokedAt, expiresAt } = row;
  return { id, name, role, prefix, createdAt, lastUsedAt, revokedAt, expiresAt, createdBy };
}

export type RevokeApiTokenResult = { ok: true; apiToken: ApiTokenSummary } | ({ ok: false } & Refusal<'not_found' | 'api_token_already_revoked'>);

/** Revokes a token at once: the next request that carries it is refused. */
export async function revokeApiToken(options: { id: number; actor: string; ip?: string | null; now?: Date }): Promise<RevokeApiTokenResult> {
  const now = options.now ?? new Date();
  const { count } = await prisma().apiToken.updateMany({ where: { id: options.id, revokedAt: null }, data: { revokedAt: now } });
  const row = await prisma().apiToken.findUnique({ where: { id: options.id }, include: { createdBy: { select: { username: true } } } });
  if (!row) return { ok: false, code: 'not_found', message: `There is no API token #${options.id}.` };
  if (count === 0) return { ok: false, code: 'api_token_already_revoked', message: `The token "${row.name}" was already revoked.` };
  await recordAudit({
    actor: options.actor,
    action: 'api_token.revoked',
    target: `api_token:${row.id}`,
    ip: options.ip ?? null,
    details: { name: row.name, role: row.role, prefix: row.prefix },
  });
  return { ok: true, apiToken: summarize(row, row.createdBy?.username ?? null) };
}

/** Who an API request acts as. `actor` is what audit events and runs record. */
export type TokenPrincipal = {
  tokenId: number;
  name: string;
  role: AccountRole;
  actor: string;
  /** The administrator who created it: the same person, for the two-person rule. */
  person: string;
};

/**
 * The principal behind a bearer token, or null (unknown, revoked or expired, or its creator can
 * no longer grant it: the caller answers 401 the same way for all). A token acts on behalf of the
 * administrator who created it, so it acts only while that account exists, is enabled and still
 * holds the token's role: disabling the account or taking the role away stops its tokens at the
 * next request, without anyone having to find and revoke them. Last use is written at most once a
 * minute.
 */
export async function verifyApiToken(token: string, now = new Date()): Promise<TokenPrincipal | null> {
  if (!isWellFormedApiToken(token)) return null;
  const hash = hashApiToken(token);
  const row = await prisma().apiToken.findUnique({ where: { tokenHash: hash }, include: { createdBy: { select: { username: true, disabled: true, role: true } } } });
  // The lookup is by hash; comparing again in constant time costs nothing and keeps it honest.
  if (!row || !timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(hash))) return null;
  const creator = row.createdBy;
  if (!creator || apiTokenStatus(row, creator, now).status !== 'active') return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= 60_000) {
    await prisma().apiToken.updateMany({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { tokenId: row.id, name: row.name, role: row.role, actor: `api-token:${row.name}`, person: creator.username };
}
