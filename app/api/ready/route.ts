import { checkReadiness } from '@/lib/api/check-readiness';
import { jsonResponse } from '@/lib/api/errors';

export const dynamic = 'force-dynamic';

/** Readiness: database, Redis and a worker heartbeat. 200 when all answer, 503 otherwise. */
export async function GET(): Promise<Response> {
  const readiness = await checkReadiness();
  return jsonResponse({ status: readiness.ready ? 'ready' : 'not_ready', checks: readiness.checks }, readiness.ready ? 200 : 503);
}
