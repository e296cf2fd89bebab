import type { NextRequest } from 'next/server';
import { authenticateApiRequest } from '@/lib/api/authenticate';
import { checkReadiness, readinessRepresentation } from '@/lib/api/check-readiness';
import { jsonResponse } from '@/lib/api/errors';
import { SESSION_COOKIE } from '@/lib/auth/session-policy';
import { clientAddressOf } from '@/lib/http/request-client';

export const dynamic = 'force-dynamic';

/**
 * Readiness: database, Redis and a worker heartbeat. 200 when all answer, 503 otherwise, to
 * anyone (load balancers probe without credentials). Which dependency fails is shown only to a
 * signed-in account or an API token (any role): it tells an outsider what to attack.
 */
export async function GET(request: NextRequest): Promise<Response> {
  const readiness = await checkReadiness();
  const code = readiness.ready ? 200 : 503;
  const principal = await authenticateApiRequest({
    authorization: request.headers.get('authorization'),
    sessionToken: request.cookies.get(SESSION_COOKIE)?.value ?? null,
    clientAddress: clientAddressOf(request.headers),
  }).catch(() => null);
  return jsonResponse(readinessRepresentation(readiness, principal !== null), code);
}
