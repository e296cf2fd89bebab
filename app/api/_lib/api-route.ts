import type { NextRequest } from 'next/server';
import { authenticateApiRequest, requireApiRole, requireSameOriginForSession, type ApiPrincipal } from '@/lib/api/authenticate';
import { ApiError, errorResponse } from '@/lib/api/errors';
import { SESSION_COOKIE } from '@/lib/auth/session-policy';
import type { AccountRole } from '@/lib/db';
import { clientAddressOf } from '@/lib/http/request-client';

export type ApiHandlerContext<P> = {
  request: NextRequest;
  principal: ApiPrincipal;
  params: P;
  /** The client's IP address as TRUST_PROXY lets us know it (lib/http/request-client), or null. */
  ip: string | null;
};

type RouteContext<P> = { params: Promise<P> };

/**
 * Every v1 handler goes through here: authenticate (Bearer token or session), check the role,
 * refuse cross-site changes made with a session, then run the handler. Errors become the JSON
 * error shape; an unexpected one is logged without the request's headers (they hold secrets).
 */
export function apiRoute<P = Record<string, never>>(
  role: AccountRole,
  handler: (ctx: ApiHandlerContext<P>) => Promise<Response>,
): (request: NextRequest, context: RouteContext<P>) => Promise<Response> {
  return async (request, context) => {
    try {
      const ip = clientAddressOf(request.headers);
      const principal = await authenticateApiRequest({
        authorization: request.headers.get('authorization'),
        sessionToken: request.cookies.get(SESSION_COOKIE)?.value ?? null,
        clientAddress: ip,
      });
      requireApiRole(principal, role);
      requireSameOriginForSession(principal, {
        method: request.method,
        origin: request.headers.get('origin'),
        secFetchSite: request.headers.get('sec-fetch-site'),
        host: request.headers.get('x-forwarded-host') ?? request.headers.get('host'),
      });
      const params = ((await context?.params) ?? {}) as P;
      return await handler({ request, principal, params, ip });
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      console.error(`API ${request.method} ${request.nextUrl.pathname} failed:`, error instanceof Error ? error.stack ?? error.message : error);
      return errorResponse(new ApiError('internal_error', 'The request failed on the server. The server log has the details.'));
    }
  };
}
