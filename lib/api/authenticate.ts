import { PASSWORD_CHANGE_REQUIRED_MESSAGE, roleAllows } from '@/lib/auth/roles';
import { validateSession } from '@/lib/auth/sessions';
import type { AccountRole } from '@/lib/db';
import { hitRateLimit, RATE_LIMITS, type RateLimitRule } from '@/lib/security/rate-limit';
import { verifyApiToken } from './api-tokens';
import { ApiError } from './errors';

/** Who is calling the API: a script with a token, or a person signed in from the browser. */
export type ApiPrincipal =
  | { kind: 'token'; tokenId: number; name: string; role: AccountRole; actor: string; person: string }
  | { kind: 'session'; accountId: number; role: AccountRole; actor: string };

export type ApiCredentials = {
  /** The Authorization header, as received. */
  authorization: string | null;
  /** The value of the session cookie. Only ever checked as a session, never as an API token. */
  sessionToken: string | null;
  /** The client's address (lib/http/request-client): repeated bad tokens from it are slowed down. */
  clientAddress?: string | null;
};

async function rateLimited(rule: RateLimitRule, subject: string): Promise<void> {
  const limited = await hitRateLimit(rule, subject);
  if (!limited.ok) throw new ApiError('rate_limited', limited.message, { retryAfterSeconds: limited.retryAfterSeconds });
}

/**
 * Authenticates an API request. A Bearer token is taken from the Authorization header only:
 * a token in a cookie (or the query string) is never accepted, so a browser cannot be made to
 * send one along with a forged request. Without an Authorization header, the browser's session
 * works too, unless its account must change its password first. A bad Authorization header does
 * not fall back to the session.
 */
export async function authenticateApiRequest(credentials: ApiCredentials, now = new Date()): Promise<ApiPrincipal> {
  if (credentials.authorization !== null) {
    const match = /^Bearer ([^\s]+)$/i.exec(credentials.authorization.trim());
    if (!match) throw new ApiError('unauthenticated', 'Use "Authorization: Bearer <token>".');
    const principal = await verifyApiToken(match[1]!, now);
    // Guessing tokens is slowed per address; a valid token has its own budget (429 + Retry-After).
    if (!principal) await rateLimited(RATE_LIMITS.apiBadCredentialsPerAddress, credentials.clientAddress ?? 'unknown');
    else await rateLimited(RATE_LIMITS.apiTokenUse, String(principal.tokenId));
    if (!principal) throw new ApiError('unauthenticated', 'The API token is unknown, revoked or expired, or the account that created it is disabled or no longer has its role.');
    return { kind: 'token', ...principal };
  }
  const account = credentials.sessionToken ? await validateSession(credentials.sessionToken, now) : null;
  if (!account) throw new ApiError('unauthenticated', 'Send an API token as "Authorization: Bearer <token>", or sign in.');
  // API tokens are not tied to a person's password; a browser session is, until it is changed.
  if (account.mustChangePassword) throw new ApiError('password_change_required', PASSWORD_CHANGE_REQUIRED_MESSAGE);
  return { kind: 'session', accountId: account.accountId, role: account.role, actor: account.username };
}

export function requireApiRole(principal: ApiPrincipal, role: AccountRole): void {
  if (!roleAllows(principal.role, role)) {
    const who = principal.kind === 'token' ? `The API token "${principal.name}"` : 'Your account';
    throw new ApiError('forbidden', `${who} has the role ${principal.role}; this needs ${role}.`);
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF for cookie-authenticated changes: the browser must say the request comes from this
 * origin (Origin, or Sec-Fetch-Site). Token requests need no such check: a browser never adds
 * an Authorization header on its own.
 */
export function requireSameOriginForSession(
  principal: ApiPrincipal,
  request: { method: string; origin: string | null; secFetchSite: string | null; host: string | null },
): void {
  if (principal.kind !== 'session' || !UNSAFE_METHODS.has(request.method.toUpperCase())) return;
  if (request.secFetchSite === 'same-origin') return;
  if (request.origin && request.host) {
    try {
      if (new URL(request.origin).host === request.host) return;
    } catch {
      // Unparseable Origin: refused below.
    }
  }
  throw new ApiError('cross_origin_request', 'Changes with a browser session must come from this site. Scripts use an API token.');
}
